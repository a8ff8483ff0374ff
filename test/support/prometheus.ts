/**
 * A real Prometheus for tests: Debian's `prometheus` binary on 127.0.0.1:<free port>, a temp data
 * dir, 1 s scrape and evaluation, and targets from a file_sd file that `setTargets` rewrites.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { watchLeftovers } from './watchdog.js';

export interface PrometheusTarget {
  /** host:port, e.g. 127.0.0.1:32768 */
  address: string;
  labels: Record<string, string>;
}

export interface SetTargetsOptions {
  /** 'up' (default): until every target was scraped successfully; 'discovered': until Prometheus lists them; 'none'. */
  wait?: 'up' | 'discovered' | 'none';
  timeoutMs?: number;
}

export interface TestPrometheus {
  url: string;
  setTargets(targets: PrometheusTarget[], options?: SetTargetsOptions): Promise<void>;
  stop(): Promise<void>;
  /** Prometheus's own log so far (for a failing test's message). */
  log(): string;
}

export const PROMETHEUS_BIN = process.env.DK_PROMETHEUS_BIN || 'prometheus';
export const SCRAPE_INTERVAL_SECONDS = 1;

const CONFIG = (targetsFile: string): string => `global:
  scrape_interval: ${SCRAPE_INTERVAL_SECONDS}s
  scrape_timeout: ${SCRAPE_INTERVAL_SECONDS}s
  evaluation_interval: ${SCRAPE_INTERVAL_SECONDS}s
scrape_configs:
  - job_name: app
    file_sd_configs:
      - files: [${JSON.stringify(targetsFile)}]
        refresh_interval: 1s
`;

export async function startPrometheus(
  options: { targets?: PrometheusTarget[]; timeoutMs?: number; /** a fixed 127.0.0.1 port instead of a free one */ port?: number } = {},
): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'dk-prometheus-'));
  const targetsFile = join(dir, 'targets.json');
  const configFile = join(dir, 'prometheus.yml');
  await writeTargets(targetsFile, options.targets ?? []);
  await writeFile(configFile, CONFIG(targetsFile));

  let child: ChildProcess | undefined;
  let watchdog: { cancel(): void } | undefined;
  let output = '';
  let url = '';
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    watchdog?.cancel();
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  // A port taken between freePort() and prometheus' bind is retried with another one.
  for (let attempt = 0; attempt < (options.port ? 1 : 3) && !url; attempt++) {
    const port = options.port ?? (await freePort());
    output = '';
    const c = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    watchdog?.cancel();
    if (c.pid) watchdog = watchLeftovers({ pids: [c.pid], dirs: [dir] });
    const collect = (b: Buffer): void => {
      output = (output + b.toString()).slice(-20_000);
    };
    c.stdout?.on('data', collect);
    c.stderr?.on('data', collect);
    const spawnError = new Promise<Error>((r) => c.once('error', r));
    const candidate = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      const failed = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
      if (failed) {
        await stop();
        throw new Error(`cannot run ${PROMETHEUS_BIN}: ${failed.message} (apt-get install prometheus)`);
      }
      if (c.exitCode !== null) break;
      if (await isReady(candidate)) {
        url = candidate;
        break;
      }
    }
    if (!url && c.exitCode === null) {
      const log = output;
      await stop();
      throw new Error(`prometheus did not become ready within the deadline:\n${log}`);
    }
  }
  if (!url) {
    const log = output;
    await stop();
    throw new Error(`prometheus exited at start:\n${log}`);
  }

  const prom: TestPrometheus = {
    url,
    log: () => output,
    stop,
    async setTargets(targets, opts = {}) {
      await writeTargets(targetsFile, targets);
      const wait = opts.wait ?? 'up';
      if (wait === 'none') return;
      await waitForTargets(url, targets, wait, opts.timeoutMs ?? 20_000);
    },
  };
  if (options.targets?.length) {
    try {
      await waitForTargets(url, options.targets, 'up', 20_000);
    } catch (err) {
      await stop();
      throw err;
    }
  }
  return prom;
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Written to a temp file and renamed, so Prometheus never reads half a file. */
async function writeTargets(file: string, targets: PrometheusTarget[]): Promise<void> {
  const body = targets.map((t) => ({ targets: [t.address], labels: t.labels }));
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(body, null, 2));
  await rename(tmp, file);
}

interface ActiveTarget {
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  labels: Record<string, string>;
}

async function waitForTargets(url: string, targets: PrometheusTarget[], wait: 'up' | 'discovered', timeoutMs: number): Promise<void> {
  const want = new Set(targets.map((t) => t.address));
  const deadline = Date.now() + timeoutMs;
  let seen: ActiveTarget[] = [];
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { data?: { activeTargets?: ActiveTarget[] } };
      seen = body.data?.activeTargets ?? [];
      const addresses = new Set(seen.map((t) => t.labels.instance ?? new URL(t.scrapeUrl).host));
      const sameSet = addresses.size === want.size && [...want].every((a) => addresses.has(a));
      if (sameSet && (wait === 'discovered' || seen.every((t) => t.health === 'up'))) return;
    } catch {
      // not answering for a moment: keep polling until the deadline
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const state = seen.map((t) => `${t.scrapeUrl} ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`).join('; ') || 'none';
  throw new Error(`prometheus targets not ${wait} within ${timeoutMs}ms: want ${[...want].join(', ') || 'none'}; have ${state}`);
}
