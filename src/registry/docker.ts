/**
 * The docker CLI, run with argument arrays through src/exec: engine and buildx detection, login
 * into a per-run DOCKER_CONFIG (so credentials are never shared with other jobs or left behind),
 * build, push.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExecError, lastLines, runProgram, type RunResult } from '../exec/run.js';
import { ConfigurationError, OperationFailedError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { credentialServer, normaliseConfigKey, readConfigFile, type RegistryCredentials } from './docker-credentials.js';
import { DOCKER_HUB } from './reference.js';

export interface DockerOptions {
  command?: string;
  /** DOCKER_CONFIG for every command (the per-run directory after login). */
  configDir?: string;
  log: Logger;
  signal?: AbortSignal;
  redact?: (text: string) => string;
  env?: NodeJS.ProcessEnv;
}

/** The DOCKER_CONFIG the user has now: $DOCKER_CONFIG or ~/.docker. */
export function currentDockerConfig(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

/**
 * A fresh DOCKER_CONFIG under `parent` holding a copy of the user's config.json (their other
 * logins keep working) and links to their CLI plugins and buildx builders (setup-buildx-action's
 * builder stays selected). Only this directory receives our login; the post step deletes it.
 * A credential store or helper for `loginRegistry` is dropped from the copy: with one, `docker
 * login` would put the password into the machine's keychain, beyond this run.
 */
export function createRunDockerConfig(
  parent: string,
  source: string = currentDockerConfig(),
  loginRegistry?: string | string[],
  /** Logins found in the dropped credential store, for registries this run pushes to without logging in. */
  carried: Record<string, RegistryCredentials> = {},
): string {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'dk-docker-config-'));
  const config = readConfigFile(source);
  delete config.credsStore;
  const logins = loginRegistry === undefined ? [] : Array.isArray(loginRegistry) ? loginRegistry : [loginRegistry];
  if (config.credHelpers && typeof config.credHelpers === 'object') {
    const helpers = config.credHelpers as Record<string, unknown>;
    for (const key of Object.keys(helpers)) if (logins.includes(normaliseConfigKey(key))) delete helpers[key];
  }
  const auths = (config.auths && typeof config.auths === 'object' ? config.auths : {}) as Record<string, unknown>;
  for (const [registry, c] of Object.entries(carried)) {
    auths[credentialServer(registry)] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  }
  if (Object.keys(auths).length) config.auths = auths;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
  for (const sub of ['cli-plugins', 'buildx', 'contexts']) {
    if (existsSync(join(source, sub))) symlinkSync(join(source, sub), join(dir, sub));
  }
  return dir;
}

export function removeRunDockerConfig(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** `<tag>: digest: sha256:… size: N` — the last line `docker push` prints. */
export function parsePushDigest(output: string): { digest: string; size?: number } | undefined {
  const m = /digest: (sha256:[a-f0-9]{64})(?: size: (\d+))?/.exec(output);
  return m ? { digest: m[1]!, size: m[2] ? Number(m[2]) : undefined } : undefined;
}

/** The pushed digest from `docker buildx build --metadata-file` (`containerimage.digest`). */
export function parseBuildxMetadata(text: string): string | undefined {
  try {
    const digest = (JSON.parse(text) as Record<string, unknown>)['containerimage.digest'];
    return typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : undefined;
  } catch {
    return undefined;
  }
}

export class DockerCli {
  readonly command: string;

  constructor(private readonly options: DockerOptions) {
    this.command = options.command ?? 'docker';
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env = { ...(this.options.env ?? process.env), ...extra };
    if (this.options.configDir) env.DOCKER_CONFIG = this.options.configDir;
    return env;
  }

  withConfig(configDir: string): DockerCli {
    return new DockerCli({ ...this.options, configDir });
  }

  run(
    args: string[],
    options: {
      env?: NodeJS.ProcessEnv;
      input?: string;
      timeoutMs?: number;
      onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
      allowFailure?: boolean;
    } = {},
  ): Promise<RunResult> {
    return runProgram(this.command, args, {
      env: options.env ?? this.env(),
      input: options.input,
      timeoutMs: options.timeoutMs ?? 60_000,
      signal: this.options.signal,
      onLine: options.onLine,
      allowFailure: options.allowFailure,
      redact: this.options.redact,
    });
  }

  /** Fails with a ConfigurationError when no engine answers (the build cannot start). */
  async assertEngine(): Promise<string> {
    try {
      const r = await this.run(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 });
      return r.stdout.trim();
    } catch (err) {
      const detail = err instanceof ExecError ? lastLines(err.result.stderr || err.message, 3) : String(err);
      throw new ConfigurationError(`No Docker engine answers (docker version failed): ${detail}. Start Docker, or run on a runner that has it.`);
    }
  }

  async buildxAvailable(): Promise<boolean> {
    const r = await this.run(['buildx', 'version'], { timeoutMs: 15_000, allowFailure: true }).catch(() => undefined);
    return r?.exitCode === 0;
  }

  async login(registry: string, username: string, password: string): Promise<void> {
    const args = ['login', '--username', username, '--password-stdin'];
    if (registry !== DOCKER_HUB) args.push(registry);
    const r = await this.run(args, { input: password, timeoutMs: 60_000, allowFailure: true });
    if (r.exitCode !== 0) {
      const why = this.redact(lastLines(r.stderr || r.stdout, 5));
      const credentials = /unauthorized|denied|incorrect|401|authentication/i.test(why);
      const message = `docker login to ${registry} as ${username} failed: ${why}${credentials ? '\nCheck the username and password (or token) inputs.' : ''}`;
      throw credentials ? new ConfigurationError(message, { input: 'password' }) : new OperationFailedError(message);
    }
  }

  async logout(registry: string): Promise<void> {
    await this.run(registry === DOCKER_HUB ? ['logout'] : ['logout', registry], { timeoutMs: 30_000, allowFailure: true });
  }

  private redact(text: string): string {
    return this.options.redact ? this.options.redact(text) : text;
  }
}

/** What the container queries below need: the docker program and a cancellation signal. */
export interface DockerQueryOptions {
  command?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Ids of the running containers carrying every one of `labels` (`docker ps -q --filter label=k=v …`); with `all`, stopped ones too. */
export async function runningContainerIds(labels: Record<string, string>, options: DockerQueryOptions & { all?: boolean } = {}): Promise<string[]> {
  const filters = Object.entries(labels).flatMap(([key, value]) => ['--filter', `label=${key}=${value}`]);
  const out = await runProgram(options.command ?? 'docker', ['ps', '-q', ...(options.all ? ['-a'] : []), ...filters], {
    timeoutMs: options.timeoutMs ?? 30_000,
    signal: options.signal,
  });
  return out.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Each container's `.State` as docker inspect prints it; a container gone meanwhile is left out. */
export async function containerStates(ids: string[], options: DockerQueryOptions = {}): Promise<Array<Record<string, unknown>>> {
  if (ids.length === 0) return [];
  const out = await runProgram(options.command ?? 'docker', ['inspect', '--format', '{{json .State}}', ...ids], {
    timeoutMs: options.timeoutMs ?? 30_000,
    signal: options.signal,
    allowFailure: true,
  });
  return out.stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The registry digest of a local image (`repo@sha256:…` → `sha256:…`), when it has one; never throws. */
export async function localImageDigest(image: string, options: DockerQueryOptions = {}): Promise<string | undefined> {
  if (!image) return undefined;
  try {
    const out = await runProgram(options.command ?? 'docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', image], {
      timeoutMs: options.timeoutMs ?? 15_000,
      signal: options.signal,
      allowFailure: true,
    });
    if (out.exitCode !== 0) return undefined;
    const digests = JSON.parse(out.stdout.trim() || '[]') as string[];
    return digests[0]?.split('@')[1];
  } catch {
    return undefined;
  }
}
