/**
 * Pod ratio: no router, only replicas behind the existing Service. The canary Deployment gets
 * `round(stable replicas × weight / 100)` replicas, at least 1 while the weight is above 0, and as many
 * as the stable at 100 %; the stable keeps its replicas. The share the Service gives the canary is
 * canary / (stable + canary): 10 % of 10 replicas is 1 canary pod (1/11 ≈ 9 %), and with 1 stable
 * replica every weight from 1 to 100 is 1 canary pod (50 %). The weight asked for is kept on the
 * canary Deployment as `deploy-kit.dev/weight`. The stable's replica count is read at the first step and
 * kept for the run (an autoscaler changing it mid-canary changes the share, not the canary's size).
 */
import { KubectlError } from '../../kubernetes/errors.js';
import type { Kubectl } from '../../kubernetes/kubectl.js';
import { ANNOTATION, baselineName, canaryName } from '../../kubernetes/labels.js';
import { ConfigurationError } from '../../runtime/errors.js';
import type { RoutedCanary, TrafficRouter, TrafficSplit } from '../router.js';

/** Pure: the canary's replicas for a weight (see above). */
export function canaryReplicasFor(stableReplicas: number, weight: number): number {
  if (weight <= 0) return 0;
  if (weight >= 100) return Math.max(1, stableReplicas);
  return Math.max(1, Math.round((stableReplicas * weight) / 100));
}

/** Pure: the share of requests the canary gets behind one Service. */
export function podRatioShare(stableReplicas: number, canaryReplicas: number): number {
  const total = stableReplicas + canaryReplicas;
  return total === 0 ? 0 : (100 * canaryReplicas) / total;
}

export interface PodRatioOptions {
  kubectl: Kubectl;
  /** The stable Deployment. */
  deployment: string;
  timeoutMs?: number;
}

export class PodRatioRouter implements TrafficRouter {
  readonly kind = 'pod-ratio';

  /** The stable Deployment's replicas, read at the first step of this run. */
  private stableReplicas: number | undefined;

  constructor(private readonly o: PodRatioOptions) {}

  async validate(): Promise<void> {
    if (!(await this.o.kubectl.get('deployment', this.o.deployment))) {
      throw new ConfigurationError(`deployment: "${this.o.deployment}" does not exist; traffic-router: pod-ratio scales a canary beside it.`, {
        input: 'deployment',
      });
    }
  }

  async setWeight(canaryWeight: number, canary: RoutedCanary | undefined, options: { signal?: AbortSignal } = {}): Promise<void> {
    const k = this.o.kubectl;
    const weight = canary ? canaryWeight : 0;
    // Back to stable (an abort) reads nothing first: one patch per Deployment, the fewest calls between the verdict and 100 % stable.
    // The stable's replicas are read once per run (at the first step), so a step costs what `kubectl patch` + `rollout status` cost.
    this.stableReplicas ??= weight > 0 ? ((await k.get('deployment', this.o.deployment, options))?.spec?.replicas ?? 1) : undefined;
    const stableReplicas = this.stableReplicas ?? 0;
    const replicas = canaryReplicasFor(stableReplicas, weight);
    const targets = canary
      ? [canary.canaryName, ...(canary.baselineName ? [canary.baselineName] : [])]
      : [canaryName(this.o.deployment), baselineName(this.o.deployment)];
    for (const target of targets) {
      const patch = { metadata: { annotations: { [ANNOTATION.weight]: String(weight) } }, spec: { replicas } };
      try {
        await k.patch('deployment', target, 'merge', patch, options);
      } catch (err) {
        // Nothing to scale (never started, or already removed) is not a failure of the router.
        if (err instanceof KubectlError && err.kind === 'not-found') continue;
        throw err;
      }
      if (replicas > 0) await k.rolloutStatus('deployment', target, { timeoutMs: this.o.timeoutMs ?? 300_000, signal: options.signal });
    }
  }

  async current(): Promise<TrafficSplit | undefined> {
    const canary = await this.o.kubectl.get('deployment', canaryName(this.o.deployment));
    const w = canary?.metadata?.annotations?.[ANNOTATION.weight];
    return w === undefined ? undefined : { canaryWeight: Number(w) };
  }
}
