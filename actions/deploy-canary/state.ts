import type { TargetSettings } from '../shared/deployment.js';

/** Saved by main as soon as a canary may exist; the post step cleans up from it. */
export const DEPLOY_STATE = 'deploy';
/** Saved by main when it ended on its own (promoted, aborted, paused): post has nothing to do. */
export const FINISHED_STATE = 'finished';
/** Saved by main as soon as it wrote the kubeconfig input to a temp file: post removes it, whatever happened. */
export const KUBECONFIG_STATE = 'kubeconfig-file';

export interface DeployState {
  /** Target and router settings (a kubeconfig path, never its contents), from which the post step rebuilds them through the factory. */
  target: TargetSettings;
  service: string;
  image: string;
  stableImage: string;
  historyLimit: number;
  healthTimeoutMs: number;
  runUrl?: string;
}
