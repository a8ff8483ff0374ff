/**
 * The Kubernetes target: Deployments driven through kubectl. A canary is `<name>-canary`, built from
 * the stable Deployment's live template with the new image and `deploy-kit.dev/track: canary`; with
 * `baseline`, `<name>-baseline` runs the stable image at the canary's size. The stable template is
 * only changed by promote and rollout, never by a canary that is aborted.
 */
import { OperationFailedError, ConfigurationError } from '../../runtime/errors.js';
import type { CanaryHandle, DeploymentTarget, Release, RolloutOptions, ServiceImage, StartCanaryOptions, WaitOptions, WorkloadRevision } from '../target.js';
import { KubectlError } from '../../kubernetes/errors.js';
import type { Kubectl, KObject } from '../../kubernetes/kubectl.js';
import { ANNOTATION, baselineName, canaryName, TRACK_LABEL } from '../../kubernetes/labels.js';
import { refOf, workloadRef, type WorkloadKind } from './manifests.js';
import { appContainer, derivedDeployment, diagnosePods } from './workload.js';

export interface KubernetesTargetOptions {
  kubectl: Kubectl;
  /** The container that takes the image (default: the only one, or the one whose repository matches). */
  container?: string;
  /** Replicas of the canary (and baseline) when it starts. Default 1. */
  canaryReplicas?: number;
  baseline?: boolean;
  /** Input naming the workloads, for messages. */
  input?: string;
  /**
   * Objects from the `manifests` input (images substituted), in order: a workload that has one is
   * applied from it (created when new) instead of having its image set; the other objects are applied first.
   */
  manifests?: KObject[];
}

/** The canary handle of this target: routers read the stable's replica count and namespace from it. */
export interface KubernetesCanary extends CanaryHandle {
  namespace?: string;
  baselineName?: string;
}

export class KubernetesTarget implements DeploymentTarget {
  readonly kind = 'kubernetes' as const;
  private readonly k: Kubectl;

  constructor(readonly options: KubernetesTargetOptions) {
    this.k = options.kubectl;
  }

  /** A Deployment the canary stands beside (canaries are Deployments only). */
  private async deployment(name: string, input: string, signal?: AbortSignal): Promise<KObject> {
    if (workloadRef(name).kind !== 'deployment') {
      throw new ConfigurationError(`${input}: a canary stands beside a Deployment; "${name}" is not one (StatefulSets take strategy: rolling).`, { input });
    }
    return this.workload(name, input, signal);
  }

  /** The live workload (`name`: a Deployment, `statefulset/name`), or a configuration error naming it. */
  private async workload(service: string, input: string, signal?: AbortSignal): Promise<KObject> {
    const { kind, name } = workloadRef(service);
    const d = await this.k.get(kind, name, { signal });
    if (!d) {
      throw new ConfigurationError(
        `${input}: ${kind} "${name}" does not exist in namespace ${this.k.namespace ?? '(the context default)'}. Check the name and the namespace input.`,
        {
          input,
        },
      );
    }
    return d;
  }

  private manifest(service: string): KObject | undefined {
    return this.options.manifests?.find((o) => refOf(o) === service);
  }

  /**
   * Before anything changes: the context and server answer, each workload exists (or comes from the
   * manifests) with the container, and the API server accepts every manifest object (`--dry-run=server`).
   */
  async validate(services: string[], input: string): Promise<void> {
    await this.k.preflight();
    for (const s of services) {
      const manifest = this.manifest(s);
      if (manifest) appContainer(manifest, this.options.container, undefined, 'container');
      else appContainer(await this.workload(s, input), this.options.container);
    }
    if (this.options.manifests?.length) await this.k.apply(this.options.manifests, { dryRun: true, what: 'check the manifests (server dry run)' });
  }

  async getCurrentRelease(services: string[]): Promise<Release> {
    const out: ServiceImage[] = [];
    for (const service of services) {
      // A workload the manifests create runs nothing yet.
      const live = this.manifest(service) ? await this.k.get(workloadRef(service).kind, workloadRef(service).name) : undefined;
      const d = live ?? (this.manifest(service) ? undefined : await this.workload(service, this.options.input ?? 'deployment'));
      out.push({ service, image: d ? String(appContainer(d, this.options.container).image) : '' });
    }
    return { services: out };
  }

  /** The digest from a running pod's imageID (`…@sha256:…`), when the kubelet reports one. */
  async imageDigest(image: string): Promise<string | undefined> {
    try {
      const pods = await this.k.list('pods');
      for (const p of pods) {
        for (const s of (p.status?.containerStatuses ?? []) as KObject[]) {
          if (s.image === image && typeof s.imageID === 'string' && s.imageID.includes('@sha256:')) return s.imageID.slice(s.imageID.indexOf('@') + 1);
        }
      }
    } catch {
      // the record does without a digest
    }
    return undefined;
  }

  async startCanary(service: string, image: string, options: StartCanaryOptions): Promise<KubernetesCanary> {
    const stable = await this.deployment(service, this.options.input ?? 'deployment', options.signal);
    const container = appContainer(stable, this.options.container, image);
    const stableImage = String(container.image);
    const replicas = this.options.canaryReplicas ?? 1;
    const objects = [derivedDeployment(stable, { name: canaryName(service), track: 'canary', image, replicas, container: container.name })];
    if (this.options.baseline)
      objects.push(derivedDeployment(stable, { name: baselineName(service), track: 'baseline', image: stableImage, replicas, container: container.name }));
    // Stable pods carry the track label too, so Prometheus tells the tracks apart (the template is not touched).
    await this.labelStablePods(stable, options.signal);
    await this.k.apply(objects, { signal: options.signal });
    for (const o of objects) await this.waitRollout(o.metadata.name, options);
    return {
      service,
      canaryName: canaryName(service),
      image,
      stableImage,
      namespace: stable.metadata.namespace,
      ...(this.options.baseline ? { baselineName: baselineName(service) } : {}),
    };
  }

  private async labelStablePods(stable: KObject, signal?: AbortSignal): Promise<void> {
    const selector = Object.entries((stable.spec.selector?.matchLabels ?? {}) as Record<string, string>)
      .map(([k, v]) => `${k}=${v}`)
      .concat(`!${TRACK_LABEL}`)
      .join(',');
    await this.k.run(['label', 'pods', '-l', selector, `${TRACK_LABEL}=stable`, '--overwrite'], {
      what: `label the pods of ${stable.metadata.name} as stable`,
      signal,
    });
  }

  async findCanary(service: string): Promise<KubernetesCanary | undefined> {
    const canary = await this.k.get('deployment', canaryName(service));
    if (!canary) return undefined;
    const baseline = await this.k.get('deployment', baselineName(service));
    const image = String(appContainer(canary, this.options.container).image);
    return {
      service,
      canaryName: canaryName(service),
      image,
      stableImage: String(canary.metadata.annotations?.[ANNOTATION.stableImage] ?? ''),
      namespace: canary.metadata.namespace,
      ...(baseline ? { baselineName: baselineName(service) } : {}),
    };
  }

  async promote(canary: CanaryHandle, options: WaitOptions): Promise<void> {
    await this.rollout([{ service: canary.service, image: canary.image }], options);
  }

  async removeCanary(service: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const canary = await this.k.delete('deployment', canaryName(service), { signal: options.signal });
    const baseline = await this.k.delete('deployment', baselineName(service), { signal: options.signal });
    return canary || baseline;
  }

  /**
   * Each workload in order, each waited with `rollout status` before the next: applied from its
   * manifest (the manifests' other objects first), or its image set as `kubectl set image` does.
   */
  async rollout(updates: ServiceImage[], options: RolloutOptions): Promise<void> {
    const containers = new Map<string, string>();
    for (const u of updates) {
      if (this.manifest(u.service)) continue;
      containers.set(u.service, appContainer(await this.workload(u.service, this.options.input ?? 'deployment'), this.options.container, u.image).name);
    }
    const others = (this.options.manifests ?? []).filter((o) => !refOf(o));
    if (others.length && updates.some((u) => this.manifest(u.service))) await this.k.apply(others, { signal: options.signal });
    for (const u of updates) {
      options.onService?.(u);
      const { kind, name } = workloadRef(u.service);
      const manifest = this.manifest(u.service);
      const live = await this.k.get(kind, name);
      const previous = live ? String(appContainer(live, this.options.container, u.image).image) : '';
      if (manifest) {
        const annotated = structuredClone(manifest);
        annotated.metadata.annotations = { ...(annotated.metadata.annotations ?? {}), [ANNOTATION.image]: u.image, [ANNOTATION.previousImage]: previous };
        await this.k.apply([annotated], { signal: options.signal });
        await this.waitRollout(u.service, options);
        continue;
      }
      await this.k.patch(
        kind,
        name,
        'strategic',
        {
          metadata: { annotations: { [ANNOTATION.image]: u.image, [ANNOTATION.previousImage]: previous } },
          spec: { template: { spec: { containers: [{ name: containers.get(u.service), image: u.image }] } } },
        },
        { signal: options.signal },
      );
      await this.waitRollout(u.service, options);
    }
  }

  /** The Deployment's ReplicaSets as revisions, oldest first; the current revision last. */
  async revisions(service: string): Promise<WorkloadRevision[]> {
    if (workloadRef(service).kind !== 'deployment') return [];
    const d = await this.deployment(service, this.options.input ?? 'deployment');
    const owned = (await this.k.list('replicasets')).filter((rs) => (rs.metadata.ownerReferences ?? []).some((o: KObject) => o.uid === d.metadata.uid));
    const current = String(d.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '');
    return owned
      .map((rs) => ({
        revision: String(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? ''),
        image: String(appContainer({ metadata: d.metadata, spec: rs.spec }, this.options.container).image),
      }))
      .filter((r) => r.revision !== '')
      .sort((a, b) => (a.revision === current ? 1 : b.revision === current ? -1 : Number(a.revision) - Number(b.revision)));
  }

  async undoTo(service: string, revision: string, options: WaitOptions): Promise<void> {
    await this.k.rolloutUndo('deployment', service, { toRevision: Number(revision), signal: options.signal });
    await this.waitRollout(service, options);
  }

  async waitHealthy(service: string, options: WaitOptions): Promise<void> {
    await this.waitRollout(service, options);
  }

  /** `rollout status`; when it cannot finish, the error names the pods, their reasons and last events. */
  async waitRollout(service: string, options: WaitOptions): Promise<void> {
    const { kind, name } = workloadRef(service);
    try {
      await this.k.rolloutStatus(kind, name, options);
    } catch (err) {
      if (options.signal?.aborted || !(err instanceof KubectlError)) throw err;
      const why = await this.diagnose(kind, name).catch(() => []);
      const kubectlSays = err.message.replace(/^kubectl failed to wait for the rollout of \S+ \S+: /, '');
      throw new OperationFailedError(`${kind} ${name} did not become ready (${kubectlSays})${why.length ? `: ${why.join('; ')}` : ''}.`);
    }
  }

  private async diagnose(kind: WorkloadKind, name: string): Promise<string[]> {
    const d = await this.k.get(kind, name);
    if (!d) return [];
    const owner =
      kind === 'statefulset'
        ? d.metadata.uid
        : (await this.k.list('replicasets')).find(
            (rs) =>
              (rs.metadata.ownerReferences ?? []).some((o: KObject) => o.uid === d.metadata.uid) &&
              rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === d.metadata.annotations?.['deployment.kubernetes.io/revision'],
          )?.metadata.uid;
    const pods = (await this.k.list('pods')).filter((p) => (p.metadata.ownerReferences ?? []).some((o: KObject) => o.uid === owner));
    const events = await this.k.list('events', { fieldSelector: 'involvedObject.kind=Pod' });
    return diagnosePods(pods, events);
  }
}
