/**
 * `kubectl-version`: use the kubectl on PATH when it is that version; otherwise the tool cache's, or
 * download it (find → download → verify the SHA-256 → extract when it is an archive → cache). The
 * download URL is a template, so a mirror or a local archive can stand in for dl.k8s.io.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath, runProgram } from '../exec/run.js';
import { httpRequest } from '../http/index.js';
import { ConfigurationError, OperationFailedError } from '../runtime/errors.js';
import type { ToolCacheApi } from '../runtime/tool-cache.js';

export const DEFAULT_KUBECTL_URL = 'https://dl.k8s.io/release/v{version}/bin/linux/{arch}/kubectl';

export interface KubectlInstallOptions {
  version: string;
  /** URL template with {version} and {arch}; the checksum is read from `<url>.sha256` unless given. */
  url?: string;
  sha256?: string;
  arch?: string;
  cache: ToolCacheApi;
  log?: (message: string) => void;
}

/** Pure: `1.31`, `v1.31.4` → the version without "v"; anything else is a configuration error. */
export function normaliseKubectlVersion(text: string): string {
  const v = text.trim().replace(/^v/, '');
  if (!/^\d+\.\d+(\.\d+)?$/.test(v)) {
    throw new ConfigurationError(
      `kubectl-version is "${text}": give a version such as 1.31.4 (or 1.31 to accept any patch release on PATH or in the tool cache).`,
      {
        input: 'kubectl-version',
      },
    );
  }
  return v;
}

/** Pure: does kubectl's gitVersion (`v1.31.4`, `v1.32.4-dispatcher`) satisfy the wanted version? */
export function versionMatches(gitVersion: string, wanted: string): boolean {
  const have = /^v?(\d+)\.(\d+)\.(\d+)/.exec(gitVersion);
  if (!have) return false;
  const parts = wanted.split('.');
  return parts.every((p, i) => p === have[i + 1]);
}

export function nodeArch(arch = process.arch): string {
  return arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : arch;
}

export async function kubectlClientVersion(binary: string): Promise<string> {
  const out = await runProgram(binary, ['version', '--client', '-o', 'json'], { timeoutMs: 30_000 });
  return (JSON.parse(out.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? '';
}

/** The path of a kubectl binary of the wanted version. */
export async function ensureKubectl(o: KubectlInstallOptions): Promise<{ binary: string; version: string; source: 'path' | 'cache' | 'download' }> {
  const wanted = normaliseKubectlVersion(o.version);
  const arch = o.arch ?? nodeArch();
  const onPath = findOnPath('kubectl');
  if (onPath) {
    const v = await kubectlClientVersion(onPath).catch(() => '');
    if (versionMatches(v, wanted)) return { binary: onPath, version: v, source: 'path' };
    o.log?.(`kubectl on PATH is ${v || 'unusable'}, not ${wanted}.`);
  }
  const cached = await o.cache.find('kubectl', wanted, arch);
  if (cached && existsSync(join(cached, 'kubectl'))) {
    const binary = join(cached, 'kubectl');
    return { binary, version: await kubectlClientVersion(binary), source: 'cache' };
  }
  if (wanted.split('.').length !== 3) {
    throw new ConfigurationError(`kubectl-version ${wanted} is not on this runner: give the full version (e.g. ${wanted}.0) so it can be downloaded.`, {
      input: 'kubectl-version',
    });
  }
  const url = (o.url ?? DEFAULT_KUBECTL_URL).replaceAll('{version}', wanted).replaceAll('{arch}', arch);
  o.log?.(`Downloading kubectl ${wanted} from ${url}`);
  const file = await o.cache.download(url);
  const expected = (o.sha256 ?? (await checksumFor(url))).trim().split(/\s+/)[0]!.toLowerCase();
  const actual = await sha256File(file);
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new OperationFailedError(`The checksum for ${url} is not a SHA-256 (${expected.slice(0, 80)}).`);
  if (actual !== expected)
    throw new OperationFailedError(`kubectl from ${url} does not match its checksum (got sha256 ${actual}, expected ${expected}); nothing was installed.`);
  const dir = await binaryDir(file, url, o.cache);
  const cachedDir = await o.cache.cacheDir(dir, 'kubectl', wanted, arch);
  const binary = join(cachedDir, 'kubectl');
  await chmod(binary, 0o755);
  const version = await kubectlClientVersion(binary);
  if (!versionMatches(version, wanted)) throw new OperationFailedError(`The kubectl downloaded from ${url} reports ${version}, not ${wanted}.`);
  return { binary, version, source: 'download' };
}

/** A directory holding just `kubectl`: the download itself, or the one found in the archive. */
async function binaryDir(file: string, url: string, cache: ToolCacheApi): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'dk-kubectl-'));
  const format = /\.zip$/i.test(url) ? 'zip' : /\.(tar\.gz|tgz)$/i.test(url) ? 'tar.gz' : undefined;
  const source = format ? await findFile(await cache.extract(file, format), 'kubectl') : file;
  if (!source) throw new OperationFailedError(`The archive at ${url} holds no file named kubectl.`);
  await copyFile(source, join(out, 'kubectl'));
  return out;
}

async function findFile(dir: string, name: string, depth = 4): Promise<string | undefined> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isFile() && entry.name === name && (await stat(p)).size > 0) return p;
  }
  if (depth === 0) return undefined;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const found = await findFile(join(dir, entry.name), name, depth - 1);
    if (found) return found;
  }
  return undefined;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

async function checksumFor(url: string): Promise<string> {
  // A checksum file is one line: anything larger is not one.
  const res = await httpRequest({ url: `${url}.sha256`, timeoutMs: 30_000, maxBytes: 64 << 10 });
  if (res.status !== 200)
    throw new OperationFailedError(`No checksum at ${url}.sha256 (HTTP ${res.status}): give kubectl-sha256, or a URL that publishes one.`);
  return res.body;
}
