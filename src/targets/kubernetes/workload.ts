/**
 * Pure: Kubernetes objects derived from the live ones — the canary and baseline Deployments from
 * the stable one's template, image substitution in a container, the canary Service — and the
 * diagnosis of a rollout that cannot finish (pod, reason, last events).
 */
import { ConfigurationError } from '../../runtime/errors.js';
import type { KObject } from '../../kubernetes/kubectl.js';
import { ANNOTATION, TRACK_LABEL } from '../../kubernetes/labels.js';

/** The container that carries the app's image: the named one, else the only one, else the one whose repository matches. */
export function appContainer(deployment: KObject, container: string | undefined, image?: string, input = 'container'): KObject {
  const containers: KObject[] = deployment.spec?.template?.spec?.containers ?? [];
  const name = deployment.metadata?.name;
  if (container) {
    const found = containers.find((c) => c.name === container);
    if (!found) {
      throw new ConfigurationError(
        `${input}: deployment ${name} has no container "${container}"; its containers are ${containers.map((c) => `"${c.name}"`).join(', ')}.`,
        {
          input,
        },
      );
    }
    return found;
  }
  if (containers.length === 1) return containers[0]!;
  const repo = image ? repository(image) : undefined;
  const byRepo = repo ? containers.filter((c) => repository(String(c.image)) === repo) : [];
  if (byRepo.length === 1) return byRepo[0]!;
  throw new ConfigurationError(
    `${input}: deployment ${name} has ${containers.length} containers (${containers.map((c) => c.name).join(', ')}); name the one that takes the image.`,
    {
      input,
    },
  );
}

/** `registry:5000/app:1.2@sha256:…` → `registry:5000/app`. */
export function repository(image: string): string {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  return colon > slash ? base.slice(0, colon) : base;
}

/**
 * A Deployment beside the stable one: its live template with `image` in the app container, a track
 * label on pods and selector (so the stable selector still matches and the existing Service routes to it).
 */
export function derivedDeployment(
  stable: KObject,
  o: { name: string; track: 'canary' | 'baseline'; image: string; replicas: number; container: string },
): KObject {
  const template = structuredClone(stable.spec.template) as KObject;
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [TRACK_LABEL]: o.track } };
  delete template.metadata.labels['pod-template-hash'];
  for (const c of template.spec.containers as KObject[]) if (c.name === o.container) c.image = o.image;
  const stableImage = (stable.spec.template.spec.containers as KObject[]).find((c) => c.name === o.container)?.image;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: o.name,
      namespace: stable.metadata.namespace,
      labels: { ...(stable.metadata.labels ?? {}), [TRACK_LABEL]: o.track },
      annotations: { [ANNOTATION.canaryOf]: stable.metadata.name, [ANNOTATION.stableImage]: String(stableImage ?? '') },
    },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { ...(stable.spec.selector?.matchLabels ?? {}), [TRACK_LABEL]: o.track } },
      template,
      ...(stable.spec.minReadySeconds ? { minReadySeconds: stable.spec.minReadySeconds } : {}),
      progressDeadlineSeconds: stable.spec.progressDeadlineSeconds ?? 600,
    },
  };
}

/** Why pods of a rollout are not ready, from their statuses and events: one line per pod. */
export function diagnosePods(pods: KObject[], events: KObject[]): string[] {
  const out: string[] = [];
  for (const p of pods) {
    const name = p.metadata.name as string;
    const problems: string[] = [];
    for (const s of (p.status?.containerStatuses ?? []) as KObject[]) {
      const w = s.state?.waiting;
      if (w?.reason && w.reason !== 'ContainerCreating' && w.reason !== 'PodInitializing')
        problems.push(`${s.name}: ${w.reason}${w.message ? ` (${w.message})` : ''}`);
      else if (s.state?.running && !s.ready) problems.push(`${s.name}: running but not ready`);
    }
    if (problems.length === 0) continue;
    const last = events
      .filter((e) => e.involvedObject?.name === name && e.type === 'Warning')
      .slice(-3)
      .map((e) => `${e.reason}: ${e.message}`);
    out.push(`pod ${name}: ${problems.join('; ')}${last.length ? `; last events: ${last.join(' | ')}` : ''}`);
  }
  return out;
}
