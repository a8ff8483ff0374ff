/**
 * Wraps a deploy or a rollback in a GitHub Deployment: created for the environment at the commit
 * (its payload carries the images), in_progress while it runs, then success (and the deployment it
 * replaced inactive) or failure. A failure to record on GitHub is reported, never fatal to the
 * release itself: the release already happened.
 */
import type { DeployedImage, DeploymentState, DeploymentStatusOptions } from '../github/deployments.js';

/** What the use case needs of GitHub Deployments (GitHubDeployments implements it). */
export interface DeploymentRecorder {
  create(options: { ref: string; environment: string; images: DeployedImage[]; action: string; description?: string }): Promise<number>;
  setStatus(id: number, state: DeploymentState, options?: DeploymentStatusOptions): Promise<void>;
  markReplaced(environment: string, current: number): Promise<number | undefined>;
}

export interface TrackedDeployment {
  ref: string;
  environment: string;
  action: string;
  images: DeployedImage[];
  environmentUrl?: string;
  logUrl?: string;
}

export interface TrackOutcome<T> {
  result: T;
  deploymentId?: number;
  replaced?: number;
  /** Why GitHub could not be told, when it could not (a warning for the log). */
  warning?: string;
}

export async function withGitHubDeployment<T>(
  recorder: DeploymentRecorder,
  deployment: TrackedDeployment,
  release: () => Promise<T>,
  /** success, failure, or pending (e.g. a paused canary: it stays in_progress until promoted or aborted). */
  judge: (result: T) => 'success' | 'failure' | 'pending',
): Promise<TrackOutcome<T>> {
  const urls = { environmentUrl: deployment.environmentUrl, logUrl: deployment.logUrl };
  let id: number | undefined;
  let warning: string | undefined;
  const note = (what: string, err: unknown): void => {
    warning ??= `GitHub Deployments: could not ${what}: ${err instanceof Error ? err.message : String(err)}`;
  };
  try {
    id = await recorder.create(deployment);
    await recorder.setStatus(id, 'in_progress', urls);
  } catch (err) {
    note(id === undefined ? 'create the deployment' : 'set it in_progress', err);
  }
  let result: T;
  try {
    result = await release();
  } catch (err) {
    if (id !== undefined) await recorder.setStatus(id, 'failure', { ...urls, description: short(err) }).catch((e: unknown) => note('set it failure', e));
    throw err;
  }
  if (id === undefined) return { result, ...(warning ? { warning } : {}) };
  const state = judge(result);
  let replaced: number | undefined;
  try {
    if (state !== 'pending') await recorder.setStatus(id, state, urls);
    if (state === 'success') replaced = await recorder.markReplaced(deployment.environment, id);
  } catch (err) {
    note(`set it ${state}`, err);
  }
  return { result, deploymentId: id, ...(replaced !== undefined ? { replaced } : {}), ...(warning ? { warning } : {}) };
}

function short(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 140);
}
