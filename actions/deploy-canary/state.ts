import type { ComposeTargetOptions } from '../../src/targets/compose.js';
import type { NginxRouterOptions } from '../../src/traffic/nginx.js';

/** Saved by main as soon as a canary may exist; the post step cleans up from it. */
export const DEPLOY_STATE = 'deploy';
/** Saved by main when it ended on its own (promoted, aborted, paused): post has nothing to do. */
export const FINISHED_STATE = 'finished';

export interface DeployState {
  // Target and router settings, from which the post step rebuilds them through the factory.
  compose: ComposeTargetOptions;
  router: NginxRouterOptions;
  service: string;
  image: string;
  stableImage: string;
  /** A baseline was started with the canary (removed with it). */
  baseline?: boolean;
  historyLimit: number;
  healthTimeoutMs: number;
  runUrl?: string;
}
