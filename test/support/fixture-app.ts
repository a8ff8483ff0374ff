/**
 * The fixture web app (test/fixtures/app) as a docker image, and containers of it published on
 * 127.0.0.1 ephemeral ports. Images are named `deploy-kit/fixture-app:<tag>` and rebuilt only
 * when server.mjs or the Dockerfile change (a hash label on the image says which source made it).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram } from '../../src/exec/run.js';
import { loadServices } from './services.js';
import { watchLeftovers } from './watchdog.js';

export const FIXTURE_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'app');
export const FIXTURE_APP_REPOSITORY = 'deploy-kit/fixture-app';
const HASH_LABEL = 'deploy-kit.fixture-hash';

export interface FixtureBehaviour {
  /** Fraction 0..1 of requests to / and /api/* answered 500 (deterministic: evenly spread). */
  errorRate?: number;
  /** Delay added to every request to / and /api/*, ms. */
  latencyMs?: number;
  /** Each request's delay is uniform in latencyMs ± this (random), ms. */
  jitterMs?: number;
  /** Histogram upper bounds in seconds (default the Go/JS client's list). */
  buckets?: number[];
}

/** DK_BASE_NODE: the node image scripts/services.sh imports (throws, saying to run it, when missing). */
function baseImage(): string {
  return loadServices().DK_BASE_NODE;
}

/** Hash of what goes into the image: the app, the Dockerfile, the base and the baked settings. */
function sourceHash(extra: string): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(FIXTURE_APP_DIR, 'server.mjs')));
  h.update(readFileSync(join(FIXTURE_APP_DIR, 'Dockerfile')));
  h.update(baseImage());
  h.update(extra);
  return h.digest('hex').slice(0, 16);
}

const building = new Map<string, Promise<string>>();

async function ensureBuilt(tag: string, buildArgs: Record<string, string>): Promise<string> {
  const hash = sourceHash(JSON.stringify(buildArgs));
  const key = `${tag}@${hash}`;
  let pending = building.get(key);
  if (!pending) {
    pending = (async () => {
      const seen = await runProgram('docker', ['image', 'inspect', '-f', `{{index .Config.Labels "${HASH_LABEL}"}}`, tag], {
        allowFailure: true,
        timeoutMs: 30_000,
      });
      if (seen.exitCode === 0 && seen.stdout.trim() === hash) return tag;
      const args = ['build', '-q', '-t', tag, '--build-arg', `BASE=${baseImage()}`, '--build-arg', `SOURCE_HASH=${hash}`];
      for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
      await runProgram('docker', [...args, FIXTURE_APP_DIR], { timeoutMs: 180_000 });
      return tag;
    })();
    building.set(key, pending);
    pending.catch(() => building.delete(key));
  }
  return pending;
}

/** Builds the fixture image once per tag (skipped when the image exists from the same source); returns the tag. */
export function ensureFixtureAppImage(tag = `${FIXTURE_APP_REPOSITORY}:test`): Promise<string> {
  return ensureBuilt(tag, {});
}

/**
 * An image `deploy-kit/fixture-app:<version>` with VERSION, ERROR_RATE and LATENCY_MS baked in as
 * ENV defaults, so deploying "a new image" changes behaviour without any env in the compose file.
 */
export function ensureFixtureAppVersion(version: string, behaviour: FixtureBehaviour = {}): Promise<string> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version)) throw new Error(`"${version}" is not a valid docker tag`);
  return ensureBuilt(`${FIXTURE_APP_REPOSITORY}:${version}`, {
    VERSION: version,
    ERROR_RATE: String(behaviour.errorRate ?? 0),
    LATENCY_MS: String(behaviour.latencyMs ?? 0),
    ...(behaviour.jitterMs ? { LATENCY_JITTER_MS: String(behaviour.jitterMs) } : {}),
    ...(behaviour.buckets ? { BUCKETS: behaviour.buckets.join(',') } : {}),
  });
}

export interface FixtureContainer {
  name: string;
  /** 127.0.0.1:<port> — for Prometheus targets. */
  address: string;
  /** http://127.0.0.1:<port> */
  url: string;
  stop(): Promise<void>;
}

export interface FixtureContainerOptions extends FixtureBehaviour {
  image?: string;
  /** Container name; a unique one is made when not given. */
  name?: string;
  version?: string;
  healthFail?: boolean;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Wait until /health answers 200 (default true, unless healthFail). */
  waitHealthy?: boolean;
  timeoutMs?: number;
}

/** Runs a fixture container published on a 127.0.0.1 ephemeral port; waits until /health answers. */
export async function startFixtureContainer(options: FixtureContainerOptions = {}): Promise<FixtureContainer> {
  const image = options.image ?? (await ensureFixtureAppImage());
  const name = options.name ?? `dk-fixture-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = { ...options.env };
  if (options.version !== undefined) env.VERSION = options.version;
  if (options.errorRate !== undefined) env.ERROR_RATE = String(options.errorRate);
  if (options.latencyMs !== undefined) env.LATENCY_MS = String(options.latencyMs);
  if (options.jitterMs !== undefined) env.LATENCY_JITTER_MS = String(options.jitterMs);
  if (options.buckets !== undefined) env.BUCKETS = options.buckets.join(',');
  if (options.healthFail) env.HEALTH_FAIL = '1';
  const args = ['run', '-d', '--name', name, '-p', '127.0.0.1::8080', '--label', 'deploy-kit.test=fixture-app'];
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  const watchdog = watchLeftovers({ containers: [name] });
  const stop = async (): Promise<void> => {
    await runProgram('docker', ['rm', '-f', '-v', name], { allowFailure: true, timeoutMs: 30_000 });
    watchdog.cancel();
  };
  try {
    await runProgram('docker', [...args, image], { timeoutMs: 60_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  try {
    const port = await runProgram('docker', ['port', name, '8080/tcp'], { timeoutMs: 15_000 });
    const address = port.stdout
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith('127.0.0.1:'));
    if (!address) throw new Error(`docker port ${name}: no 127.0.0.1 binding in "${port.stdout.trim()}"`);
    const url = `http://${address}`;
    if (options.waitHealthy ?? !options.healthFail) await waitForHttp(`${url}/health`, options.timeoutMs ?? 30_000);
    return { name, address, url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls a URL until it answers 200, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs}ms (last: ${last})`);
}
