/**
 * A traffic router for canaries: `nginx` (upstream weights in a file + reload) now; ingress-nginx
 * annotations, SMI TrafficSplit, Gateway API weights and replica ratio later — same interface.
 */

export interface TrafficSplit {
  /** Percent of requests for the canary, 0..100; the stable gets the rest. */
  canaryWeight: number;
}

export interface TrafficRouter {
  readonly kind: string;
  /** Checks settings and that the router can be driven (files writable, reload command present). */
  validate(): Promise<void>;
  /** Sends `canaryWeight` % to the canary at `canaryAddress`; resolves once the router serves it. */
  setWeight(canaryWeight: number, canaryAddress: string | undefined, options?: { signal?: AbortSignal }): Promise<void>;
  /** What the router serves now, read back from where it was written. */
  current(): Promise<TrafficSplit | undefined>;
}
