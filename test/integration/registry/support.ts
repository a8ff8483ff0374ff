/** Helpers for the registry tests: unique names, the registry's own view of a tag, clean-up. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../harness/run-action.js';

export const exec = promisify(execFile);
export const fixtures = join(repoRoot, 'test', 'fixtures', 'images');

/** A repository name no other test run uses. */
export function uniqueRepo(prefix = 'dk-test'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function basicHeader(auth?: { username: string; password: string }): Record<string, string> {
  return auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
}

export const ACCEPT_ALL =
  'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json';

/** The registry's Docker-Content-Digest for repo:tag, read with plain fetch (not the code under test). */
export async function registryDigest(host: string, repo: string, tag: string, auth?: { username: string; password: string }): Promise<string | undefined> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept: ACCEPT_ALL, ...basicHeader(auth) } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`HEAD ${repo}:${tag} → ${res.status}`);
  return res.headers.get('docker-content-digest') ?? undefined;
}

export async function registryTags(host: string, repo: string, auth?: { username: string; password: string }): Promise<string[]> {
  const res = await fetch(`http://${host}/v2/${repo}/tags/list`, { headers: basicHeader(auth) });
  if (res.status === 404) return [];
  const body = (await res.json()) as { tags?: string[] | null };
  return body.tags ?? [];
}

/** `skopeo inspect --raw` of a tag: the exact manifest bytes, and their digest as skopeo computes it. */
export async function skopeoRaw(ref: string, creds?: { username: string; password: string }): Promise<string> {
  const args = ['inspect', '--raw', '--tls-verify=false'];
  if (creds) args.push('--creds', `${creds.username}:${creds.password}`);
  const { stdout } = await exec('skopeo', [...args, `docker://${ref}`], { maxBuffer: 16 << 20 });
  return stdout;
}

export async function skopeoDigest(ref: string, creds?: { username: string; password: string }): Promise<string> {
  const args = ['inspect', '--tls-verify=false', '--format', '{{.Digest}}'];
  if (creds) args.push('--creds', `${creds.username}:${creds.password}`);
  const { stdout } = await exec('skopeo', [...args, `docker://${ref}`]);
  return stdout.trim();
}

/** Removes local images by reference; missing ones are fine. */
export async function removeImages(refs: string[]): Promise<void> {
  if (refs.length === 0) return;
  await exec('docker', ['rmi', '--force', ...refs]).catch(() => undefined);
}

/** Runs an image once and returns what it printed. */
export async function runImage(ref: string): Promise<string> {
  const name = uniqueRepo('dk-run');
  const { stdout } = await exec('docker', ['run', '--rm', '--name', name, '--network', 'none', ref], { timeout: 60_000 });
  return stdout;
}
