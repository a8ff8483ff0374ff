import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';

/** What a run knows about where it is: the GitHub context from the runner's environment. */
export interface RunContext {
  workspace: string;
  ref: string;
  refName: string;
  sha: string;
  eventName: string;
  repository: string;
  serverUrl: string;
  runId: string;
  runAttempt: string;
  actor: string;
  /** Link to this workflow run, or undefined outside GitHub. */
  runUrl?: string;
  /** Directory for temporary files that live as long as the job. */
  tempDir: string;
}

/**
 * The job's temp directory: `RUNNER_TEMP`, or outside a runner a fresh private (0700) directory under
 * `tmp` — never a fixed path in a shared /tmp, which another user could create first or read.
 */
export function jobTempDir(env: NodeJS.ProcessEnv, tmp: string): string {
  return env.RUNNER_TEMP || mkdtempSync(join(tmp, 'deploy-kit-'));
}

export function runContextFromEnv(env: NodeJS.ProcessEnv, cwd: string, tmp: string): RunContext {
  const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
  const repository = env.GITHUB_REPOSITORY || '';
  const runId = env.GITHUB_RUN_ID || '';
  const ref = env.GITHUB_REF || '';
  return {
    workspace: env.GITHUB_WORKSPACE || cwd,
    ref,
    refName: env.GITHUB_REF_NAME || ref.replace(/^refs\/(heads|tags)\//, ''),
    sha: env.GITHUB_SHA || '',
    eventName: env.GITHUB_EVENT_NAME || '',
    repository,
    serverUrl,
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    actor: env.GITHUB_ACTOR || env.USER || '',
    runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined,
    tempDir: env.RUNNER_TEMP || tmp,
  };
}
