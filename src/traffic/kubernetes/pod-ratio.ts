/**
 * Pod ratio: no router, only replicas behind the existing Service. The canary Deployment gets
 * `round(stable replicas × weight / 100)` replicas, at least 1 while the weight is above 0, and as many
 * as the stable at 100 %; the stable keeps its replicas. The share the Service gives the canary is
 * canary / (stable + canary): 10 % of 10 replicas is 1 canary pod (1/11 ≈ 9 %), and with 1 stable
 * replica every weight from 1 to 100 is 1 canary pod (50 %). The weight asked for is kept on the
 * canary Deployment as `deploy-kit.dev/weight`.
 */
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
    const name = canary?.canaryName ?? canaryName(this.o.deployment);
    const stable = await k.get('deployment', this.o.deployment, options);
    const weight = canary ? canaryWeight : 0;
    const replicas = canaryReplicasFor(stable?.spec?.replicas ?? 1, weight);
    for (const target of [name, baselineName(this.o.deployment)]) {
      if (!(await k.get('deployment', target, options))) continue;
      await k.patch('deployment', target, 'merge', { metadata: { annotations: { [ANNOTATION.weight]: String(weight) } }, spec: { replicas } }, options);
      if (replicas > 0) await k.rolloutStatus('deployment', target, { timeoutMs: this.o.timeoutMs ?? 300_000, signal: options.signal });
    }
  }

  async current(): Promise<TrafficSplit | undefined> {
    const canary = await this.o.kubectl.get('deployment', canaryName(this.o.deployment));
    const w = canary?.metadata?.annotations?.[ANNOTATION.weight];
    return w === undefined ? undefined : { canaryWeight: Number(w) };
  }
}
