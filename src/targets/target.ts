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

/**
 * A running canary: enough to route to it, promote it or remove it — also from a later process.
 * It satisfies the router's RoutedCanary (src/traffic/router.ts); a target may add fields its routers read.
 */
export interface CanaryHandle {
  service: string;
  /** Name of the canary workload (compose: the derived service; kubernetes: the canary deployment). */
  canaryName: string;
  image: string;
  stableImage: string;
  /** Where the router reaches the canary (host:port), when the target knows it. */
  address?: string;
  /** The baseline (stable image, started with the canary, same share of traffic), when the target runs one. */
  baselineName?: string;
  /** Where the router reaches the baseline (host:port). */
  baselineAddress?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Target-specific placement (compose: the routed port; kubernetes: replicas…) is the target's own setting. */
export type StartCanaryOptions = WaitOptions;

export interface RolloutOptions extends WaitOptions {
  /** Called as each service's update begins (for the log). */
  onService?: (service: ServiceImage) => void;
}

/**
 * What the release use cases (src/release) drive: a canary beside the stable workload, a plain
 * in-order rollout, and reading what runs. Built by the entries' factory; nothing in src/release
 * knows which target it has.
 */
export interface DeploymentTarget {
  readonly kind: 'compose' | 'kubernetes';
  /** Checks the project and that every service exists; throws ConfigurationError before anything runs. */
  validate(services: string[], input: string): Promise<void>;
  /** Images per service; `digests: false` skips looking up registry digests (faster). */
  getCurrentRelease(services: string[], options?: { digests?: boolean }): Promise<Release>;
  /** The registry digest of `image` as this target knows it (for the record), or undefined. Never throws. */
  imageDigest(image: string): Promise<string | undefined>;
  /** Starts the canary from the service's own definition with the new image and waits until healthy. */
  startCanary(service: string, image: string, options: StartCanaryOptions): Promise<CanaryHandle>;
  /** The canary left running by an earlier run (for `action: promote | abort`), if any. */
  findCanary(service: string): Promise<CanaryHandle | undefined>;
  /** The stable service takes the canary's image (health-waited); the canary is NOT removed here. */
  promote(canary: CanaryHandle, options: WaitOptions): Promise<void>;
  /** Removes the canary (and its baseline); the stable service and its configuration are left as they are. Idempotent: false when none ran. */
  removeCanary(service: string, options?: { signal?: AbortSignal }): Promise<boolean>;
  /** Deploys services plainly, in order, each health-waited before the next. */
  rollout(updates: ServiceImage[], options: RolloutOptions): Promise<void>;
  waitHealthy(service: string, options: WaitOptions): Promise<void>;
  /**
   * The revisions the target keeps of a workload, oldest first, the current one last (Kubernetes:
   * the Deployment's ReplicaSets). Absent on targets that keep none (compose).
   */
  revisions?(service: string): Promise<WorkloadRevision[]>;
  /** Puts a workload back on one of its kept revisions and waits until it is ready (Kubernetes: `rollout undo --to-revision`). */
  undoTo?(service: string, revision: string, options: WaitOptions): Promise<void>;
}

export interface WorkloadRevision {
  revision: string;
  image: string;
}
