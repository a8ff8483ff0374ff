/**
 * Pure: workloads from manifests. YAML documents parsed into objects (each checked for apiVersion,
 * kind and name), images substituted by image name as azure/k8s-deploy's `images` input does
 * (`registry/app:1.4.2` replaces every container image of repository `registry/app`), and the
 * workload references (`name` for a Deployment, `statefulset/name`) the target rolls out in order.
 */
import { parseAllDocuments } from 'yaml';
import type { KObject } from '../../kubernetes/kubectl.js';
import { ConfigurationError } from '../../runtime/errors.js';
import { repository } from './workload.js';

export type WorkloadKind = 'deployment' | 'statefulset';

/** `web` → a Deployment; `statefulset/db` (or `sts/db`, `deployment/web`) as kubectl writes them. */
export function workloadRef(service: string): { kind: WorkloadKind; name: string } {
  const slash = service.indexOf('/');
  if (slash < 0) return { kind: 'deployment', name: service };
  const kind = service.slice(0, slash).toLowerCase();
  const name = service.slice(slash + 1);
  if (['deployment', 'deployments', 'deploy'].includes(kind)) return { kind: 'deployment', name };
  if (['statefulset', 'statefulsets', 'sts'].includes(kind)) return { kind: 'statefulset', name };
  throw new ConfigurationError(`"${service}": deploy-kit rolls out Deployments and StatefulSets (write name or statefulset/name), not ${kind}.`, {
    input: 'deployment',
  });
}

/** The reference of a workload object (`name` for a Deployment, `statefulset/name`), or undefined for other kinds. */
export function refOf(object: KObject): string | undefined {
  if (object.kind === 'Deployment') return String(object.metadata.name);
  if (object.kind === 'StatefulSet') return `statefulset/${String(object.metadata.name)}`;
  return undefined;
}

export interface ManifestSource {
  /** The file (or `kustomize <dir>`), for messages. */
  label: string;
  text: string;
}

/** The objects of YAML (or JSON) manifests, in order; `kind: List` is flattened. */
export function parseManifests(sources: ManifestSource[]): KObject[] {
  const out: KObject[] = [];
  for (const source of sources) {
    const docs = parseAllDocuments(source.text);
    for (const [index, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
      if (doc.errors.length) {
        throw new ConfigurationError(`manifests: ${source.label}, document ${index + 1}, is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, {
          input: 'manifests',
        });
      }
      const value = doc.toJS() as unknown;
      if (value === null || value === undefined) continue;
      const objects = isList(value) ? (value.items as unknown[]) : [value];
      for (const object of objects) out.push(checkObject(object, `${source.label}, document ${index + 1}`));
    }
  }
  if (out.length === 0) throw new ConfigurationError('manifests: the files hold no Kubernetes objects.', { input: 'manifests' });
  return out;
}

function isList(value: unknown): value is { items: unknown[] } {
  return typeof value === 'object' && value !== null && (value as KObject).kind === 'List' && Array.isArray((value as KObject).items);
}

function checkObject(value: unknown, where: string): KObject {
  const o = value as KObject;
  if (typeof o !== 'object' || o === null || Array.isArray(o) || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !o.metadata?.name) {
    throw new ConfigurationError(`manifests: ${where} is not a Kubernetes object (it needs apiVersion, kind and metadata.name).`, { input: 'manifests' });
  }
  return o;
}

/** Pure: `images` entries (`registry/app:1.4.2`, `registry/app@sha256:…`) put into every container of that repository. */
export function substituteImages(objects: KObject[], images: string[]): KObject[] {
  const out = structuredClone(objects);
  const used = new Set<string>();
  for (const object of out) {
    const spec = object.spec?.template?.spec ?? (object.kind === 'Pod' ? object.spec : undefined);
    if (!spec) continue;
    for (const container of [...((spec.initContainers ?? []) as KObject[]), ...((spec.containers ?? []) as KObject[])]) {
      const match = images.find((image) => repository(image) === repository(String(container.image ?? '')));
      if (!match) continue;
      container.image = match;
      used.add(match);
    }
  }
  const unused = images.filter((image) => !used.has(image));
  if (unused.length) {
    throw new ConfigurationError(
      `images: no container in the manifests runs ${unused.map((i) => `"${repository(i)}"`).join(', ')}; each entry replaces the image of that name (e.g. registry/app in the manifest, registry/app:1.4.2 here).`,
      { input: 'images' },
    );
  }
  return out;
}

/** The workloads of the manifests, in order, each with its (first) container's image: the updates of a rolling deploy. */
export function manifestWorkloads(objects: KObject[], container?: string): Array<{ service: string; image: string }> {
  const out: Array<{ service: string; image: string }> = [];
  for (const object of objects) {
    const ref = refOf(object);
    if (!ref) continue;
    const containers = (object.spec?.template?.spec?.containers ?? []) as KObject[];
    const chosen = container ? containers.find((c) => c.name === container) : containers[0];
    if (!chosen) {
      throw new ConfigurationError(
        `container: ${ref} in the manifests has no container "${container}"; its containers are ${containers.map((c) => `"${c.name}"`).join(', ')}.`,
        { input: 'container' },
      );
    }
    out.push({ service: ref, image: String(chosen.image) });
  }
  if (out.length === 0) {
    throw new ConfigurationError('manifests: the files hold no Deployment or StatefulSet to roll out.', { input: 'manifests' });
  }
  return out;
}
