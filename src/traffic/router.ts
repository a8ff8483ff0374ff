/**
 * A traffic router for canaries: `nginx` (upstream weights in a file + reload) now; ingress-nginx
 * annotations, SMI TrafficSplit, Gateway API weights and replica ratio later — same interface.
 */

export interface TrafficSplit {
  /** Percent of requests for the canary, 0..100; the stable gets the rest. */
  canaryWeight: number;
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
}

export interface TrafficRouter {
  readonly kind: string;
  /** Checks settings and that the router can be driven (files writable, reload command present). */
  validate(): Promise<void>;
  /**
   * Sends `canaryWeight` % to `canary`; resolves once the router serves it. `canary` undefined
   * means "stable only": whatever routed to the canary leaves the router's configuration.
   */
  setWeight(canaryWeight: number, canary: RoutedCanary | undefined, options?: { signal?: AbortSignal }): Promise<void>;
  /** What the router serves now, read back from where it was written; undefined when it was never written. */
  current(): Promise<TrafficSplit | undefined>;
}
