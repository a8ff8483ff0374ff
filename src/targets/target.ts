/**
 * A deployment target behind one interface: `compose` now, `kubernetes` later. Everything a
 * canary, a rolling update and a rollback need, and nothing about any one action.
 */

/** One service's image as deployed (digest when the engine knows it). */
export interface ServiceImage {
  service: string;
  image: string;
  digest?: string;
}

export interface Release {
  services: ServiceImage[];
}

/** A running canary: enough to route to it, promote it or remove it — also from a later process. */
export interface CanaryHandle {
  service: string;
  /** Name of the canary workload (compose: the derived service; kubernetes: the canary deployment). */
  canaryName: string;
  image: string;
  stableImage: string;
  /** Where the router reaches the canary (host:port), when the target knows it. */
  address?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface StartCanaryOptions extends WaitOptions {
  /** Where the router reaches the stable service (host:port), to give the canary a matching address. */
  stableAddress?: string;
  /** Fixed host port for the canary (compose); by default docker picks one. */
  canaryPort?: number;
}

export interface DeploymentTarget {
  readonly kind: 'compose' | 'kubernetes';
  /** Checks the project and that every service exists; throws ConfigurationError before anything runs. */
  validate(services: string[], input: string): Promise<void>;
  /** Images per service; `digests: false` skips looking up registry digests (faster). */
  getCurrentRelease(services: string[], options?: { digests?: boolean }): Promise<Release>;
  /** Starts the canary from the service's own definition with the new image and waits until healthy. */
  startCanary(service: string, image: string, options: StartCanaryOptions): Promise<CanaryHandle>;
  /** The canary left running by an earlier run (for `action: promote | abort`), if any. */
  findCanary(service: string): Promise<CanaryHandle | undefined>;
  /** The stable service takes the canary's image (health-waited); the canary is NOT removed here. */
  promote(canary: CanaryHandle, options: WaitOptions): Promise<void>;
  /** Removes the canary; the stable service and its configuration are left as they are. Idempotent. */
  removeCanary(service: string, options?: { signal?: AbortSignal }): Promise<boolean>;
  /** Deploys services plainly, in order, each health-waited before the next. */
  rollout(updates: ServiceImage[], options: WaitOptions & { onService?: (s: ServiceImage) => void }): Promise<void>;
  waitHealthy(service: string, options: WaitOptions): Promise<void>;
  /** Where the history of this target's deployments is kept (the record reads and writes it). */
  readonly historyLocation: string;
}
