/**
 * Logins made before this step (docker/login-action, `docker login`): read from the Docker config
 * the docker CLI itself would use — `auths` entries, and `credHelpers`/`credsStore` through
 * `docker-credential-<helper> get`, as the CLI does. Nothing is written back.
 */
import { isObject } from '../util/shape.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram } from '../exec/run.js';
import { DOCKER_HUB } from './reference.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Where a registry's login lives in a Docker config: inline, or in a helper. */
export type CredentialSource = { kind: 'auth'; credentials: RegistryCredentials } | { kind: 'helper'; helper: string } | undefined;

/** The server address the CLI stores Docker Hub under; other registries by host. */
export function credentialServer(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

/** `https://ghcr.io/v2/` → `ghcr.io`; Docker Hub's aliases → docker.io. */
export function normaliseConfigKey(key: string): string {
  const host = key
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(host) ? DOCKER_HUB : host;
}

const HELPER = /^[A-Za-z0-9_.-]+$/;

/** Pure: what the config says about `registry` (credHelpers first, then auths, then credsStore — the CLI's order). */
export function credentialSource(config: Record<string, unknown>, registry: string): CredentialSource {
  const want = normaliseConfigKey(registry);
  const helpers = config.credHelpers && typeof config.credHelpers === 'object' ? (config.credHelpers as Record<string, unknown>) : {};
  for (const [key, helper] of Object.entries(helpers)) {
    if (normaliseConfigKey(key) === want && typeof helper === 'string' && HELPER.test(helper)) return { kind: 'helper', helper };
  }
  const auths = config.auths && typeof config.auths === 'object' ? (config.auths as Record<string, unknown>) : {};
  for (const [key, entry] of Object.entries(auths)) {
    if (normaliseConfigKey(key) !== want || !entry || typeof entry !== 'object') continue;
    const e = entry as { auth?: unknown; username?: unknown; password?: unknown };
    if (typeof e.auth === 'string' && e.auth) {
      const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { kind: 'auth', credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } };
    }
    if (typeof e.username === 'string' && typeof e.password === 'string') return { kind: 'auth', credentials: { username: e.username, password: e.password } };
  }
  if (typeof config.credsStore === 'string' && HELPER.test(config.credsStore)) return { kind: 'helper', helper: config.credsStore };
  return undefined;
}

/** The helper's `get` answer: `{ "ServerURL", "Username", "Secret" }`; identity tokens (`<token>`) are not usable here. */
export function parseHelperAnswer(text: string): RegistryCredentials | undefined {
  try {
    const json = JSON.parse(text) as { Username?: unknown; Secret?: unknown };
    if (typeof json.Username !== 'string' || typeof json.Secret !== 'string' || !json.Secret || json.Username === '<token>') return undefined;
    return { username: json.Username, password: json.Secret };
  } catch {
    return undefined;
  }
}

export function readConfigFile(configDir: string): Record<string, unknown> {
  const path = join(configDir, 'config.json');
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

export interface LookupOptions {
  configDir: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Called with each secret found, before anything else sees it. */
  mask: (secret: string) => void;
  /** For a log line: where the login came from. */
  onFound?: (registry: string, where: string) => void;
}

/** The login the user's Docker config holds for `registry`, or undefined. A helper that fails or has none answers undefined. */
export async function lookupDockerCredentials(registry: string, options: LookupOptions): Promise<RegistryCredentials | undefined> {
  const source = credentialSource(readConfigFile(options.configDir), registry);
  if (!source) return undefined;
  if (source.kind === 'auth') {
    options.mask(source.credentials.password);
    options.onFound?.(registry, `${join(options.configDir, 'config.json')} (auths)`);
    return source.credentials;
  }
  const r = await runProgram(`docker-credential-${source.helper}`, ['get'], {
    input: credentialServer(registry),
    env: options.env,
    timeoutMs: 30_000,
    signal: options.signal,
    allowFailure: true,
    maxBuffer: 1 << 20,
  }).catch(() => undefined);
  if (!r || r.exitCode !== 0) return undefined;
  const found = parseHelperAnswer(r.stdout);
  if (found) {
    options.mask(found.password);
    options.onFound?.(registry, `docker-credential-${source.helper}`);
  }
  return found;
}
