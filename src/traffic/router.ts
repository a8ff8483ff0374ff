/**
 * A traffic router for canaries: `nginx` (upstream weights in a file + reload) now; ingress-nginx
 * annotations, SMI TrafficSplit, Gateway API weights and replica ratio later — same interface.
 */

export interface TrafficSplit {
  /** Percent of requests for the canary, 0..100; the stable gets the rest. */
  canaryWeight: number;
  /** Percent for the baseline, when one is routed (see `splitWeights`). */
  baselineWeight?: number;
}

/**
 * The three tracks' shares for a canary weight `w`: with a baseline it gets the canary's share
 * where it can, b = min(w, 100 − w), and stable the rest (at 50 % stable gets nothing, at 100 %
 * the baseline gets nothing). Without a baseline, stable gets 100 − w.
 */
export function splitWeights(canaryWeight: number, withBaseline: boolean): { stable: number; canary: number; baseline: number } {
  if (!Number.isInteger(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) throw new Error(`canary weight ${canaryWeight} is not 0..100`);
  const baseline = withBaseline ? Math.min(canaryWeight, 100 - canaryWeight) : 0;
  return { stable: 100 - canaryWeight - baseline, canary: canaryWeight, baseline };
}

/**
 * The canary as a router sees it: the target's canary handle (src/targets CanaryHandle satisfies
 * it). An address-based router (nginx) uses `address`; a Kubernetes router uses the workload's
 * name (Service/Deployment `canaryName`) and may read extra fields a Kubernetes handle carries.
 */
export interface RoutedCanary {
  /** The stable service (compose service, Kubernetes Deployment/Service) the canary stands beside. */
  service: string;
  /** The canary workload's name (compose: `<service>-canary`; Kubernetes: the canary Deployment/Service). */
  canaryName: string;
  /** host:port where an address-based router reaches the canary, when the target knows it. */
  address?: string;
  /** The baseline workload (the stable image, fresh, at the canary's share), when one runs. */
  baselineName?: string;
  /** host:port where an address-based router reaches the baseline. */
  baselineAddress?: string;
}

export interface TrafficRouter {
  readonly kind: string;
  /** Checks settings and that the router can be driven (files writable, reload command present). */
  validate(): Promise<void>;
  /**
   * Sends `canaryWeight` % to `canary` (and, when it has a baseline, the baseline's share of
   * `splitWeights`); resolves once the router serves it. `canary` undefined means "stable only":
   * whatever routed to the canary (and the baseline) leaves the router's configuration.
   */
  setWeight(canaryWeight: number, canary: RoutedCanary | undefined, options?: { signal?: AbortSignal }): Promise<void>;
  /** What the router serves now, read back from where it was written; undefined when it was never written. */
  current(): Promise<TrafficSplit | undefined>;
}
