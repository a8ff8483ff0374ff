/**
 * Workflow artifacts through `@actions/artifact` (only src/runtime may import `@actions/*`): upload
 * one file as it is (no zip) and fetch a file back by artifact name from the same workflow run. The
 * package is loaded on first use, so actions that never upload start without it.
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigurationError } from './errors.js';

export interface UploadedArtifact {
  name: string;
  id: number;
  size: number;
}

/** The runner's artifact service is reachable only inside a job: it hands the step these two variables. */
export function artifactServiceMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((k) => !env[k]);
  return missing.length ? missing.join(' and ') : undefined;
}

/** Fails with a ConfigurationError naming `input` when the artifact service cannot be reached. */
export function requireArtifactService(input: string, env: NodeJS.ProcessEnv = process.env): void {
  const missing = artifactServiceMissing(env);
  if (missing) {
    throw new ConfigurationError(
      `${input} needs the workflow run's artifact service, but ${missing} ${missing.includes(' and ') ? 'are' : 'is'} not set: it runs only inside a GitHub Actions job (not from the CLI or a container step without them). Set ${input} off, or run it in the job.`,
      { input },
    );
  }
}

async function client(): Promise<import('@actions/artifact').ArtifactClient> {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  return new DefaultArtifactClient();
}

/** Uploads one file as an artifact named after the file (kept `retentionDays`, or the repository's default). */
export async function uploadFileArtifact(path: string, options: { retentionDays?: number } = {}): Promise<UploadedArtifact> {
  const artifacts = await client();
  const r = await artifacts.uploadArtifact(basename(path), [path], dirnameOf(path), { skipArchive: true, retentionDays: options.retentionDays });
  if (r.id === undefined) throw new Error(`uploading ${basename(path)} as an artifact returned no id`);
  return { name: basename(path), id: r.id, size: r.size ?? 0 };
}

/** Downloads the artifact `name` of this workflow run into `dir`; returns the file's path. */
export async function downloadFileArtifact(name: string, dir: string): Promise<string> {
  const artifacts = await client();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let id: number;
  try {
    id = (await artifacts.getArtifact(name)).artifact.id;
  } catch (err) {
    throw new ConfigurationError(`No artifact named "${name}" in this workflow run (${err instanceof Error ? err.message : String(err)}).`, {
      input: 'restore-backup',
    });
  }
  // A directory of its own: the service names the file (Content-Disposition) or it is called "artifact".
  const into = mkdtempSync(join(dir, 'artifact-'));
  const r = await artifacts.downloadArtifact(id, { path: into });
  if (r.digestMismatch) throw new Error(`the artifact "${name}" did not match its recorded digest`);
  const files = readdirSync(r.downloadPath ?? into);
  const file = files.includes(name) ? name : files.length === 1 ? files[0]! : undefined;
  if (!file) throw new Error(`the artifact "${name}" downloaded as ${files.length} files (${files.join(', ')}), expected one`);
  return join(r.downloadPath ?? into, file);
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
