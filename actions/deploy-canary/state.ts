import type { Colour } from '../../src/targets/blue-green.js';
import type { KubernetesTargetSettings, TargetSettings } from '../shared/deployment.js';

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

/**
 * Saved by a blue-green deploy: as soon as a colour may exist (`deploying`), then once it ended
 * (`kept` with its time when the previous colour is to be scaled to zero by the post step, or `done`).
 */
export const BLUE_GREEN_STATE = 'blue-green';

export interface BlueGreenState {
  target: KubernetesTargetSettings;
  names: { deployment: string; service: string; previewService: string };
  historyLimit: number;
  healthTimeoutMs: number;
  keepPreviousMs: number;
  phase: { kind: 'deploying'; colour: Colour } | { kind: 'kept'; workload: string; until: string } | { kind: 'done' };
}
