/**
 * Two runs at once on one project (issue #12): deploy-canary and rollback take the project lock beside the
 * deployment record (`.deploy-kit/<project>.lock`) before they touch anything — real Compose, nginx and
 * Prometheus, the bundles run as the runner runs them. And the fault row "a container dying during
 * rollback" (beside test/e2e/faults.test.ts, whose style it follows, because it needs this file's stacks).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../harness/run-action.js';
import { createComposeProject, serviceContainers, startCanaryStage, type CanaryStage, type TestComposeProject } from '../support/compose.js';
import { ensureFixtureAppVersion } from '../support/fixture-app.js';
import { startLoad } from '../support/load.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { runProgram } from '../../src/exec/run.js';

const FAST = { steps: '50,100', interval: '3s', 'analysis-window': '5s' };
const STACK = /^\s+at .+(?:\(.+:\d+:\d+\)|:\d+:\d+)$/m;
const HOST = hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The run URL a job of run `id` has (GITHUB_SERVER_URL/GITHUB_REPOSITORY/GITHUB_RUN_ID). */
const job = (id: string): Record<string, string> => ({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'shop/app', GITHUB_RUN_ID: id });

interface Entry {
  action: string;
  result: string;
  services: Array<{ image: string }>;
}

function historyOf(p: TestComposeProject): Entry[] {
  const file = `${p.dir}/.deploy-kit/${p.project}.history.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { entries: Entry[] }).entries : [];
}

const lockFile = (p: TestComposeProject): string => `${p.dir}/.deploy-kit/${p.project}.lock`;
const holderOf = (p: TestComposeProject): Record<string, unknown> => JSON.parse(readFileSync(lockFile(p), 'utf8')) as Record<string, unknown>;

/** Calls `act` once `text` shows in the run's log. */
function when(text: string, act: () => void): (child: ChildProcess, output: () => string) => void {
  return (child, output) => {
    const poll = setInterval(() => {
      if (!output().includes(text)) return;
      clearInterval(poll);
      act();
    }, 50);
    child.on('close', () => clearInterval(poll));
  };
}

/** A clean failure: exit 1, exactly one `::error::` line, no stack trace, not reported as a bug. */
function expectReportedFailure(run: ActionRun, message: RegExp): void {
  const context = run.log.slice(-4000);
  expect(run.exitCode, context).toBe(1);
  expect([...run.log.matchAll(/^::error(?: [^:]*)?::/gm)], context).toHaveLength(1);
  expect(run.errors[0], context).toMatch(message);
  expect(run.log, context).not.toMatch(STACK);
  expect(run.log, context).not.toContain('this is a bug in deploy-kit');
}

/** A pid that surely is not running: a process that ran and ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('two runs at once: the project lock beside the record (real Compose + nginx + Prometheus)', () => {
  let prometheus: TestPrometheus;
  let good1: string;
  let good2: string;
  let good3: string;
  const stages: CanaryStage[] = [];
  const stage = async (): Promise<CanaryStage> => {
    const s = await startCanaryStage({ stableImage: good1, prometheus });
    stages.push(s);
    return s;
  };
  const rollbackInputs = (s: CanaryStage): Record<string, string> => ({
    'compose-file': s.inputs['compose-file']!,
    project: s.inputs.project!,
    'compose-command': s.inputs['compose-command']!,
    services: 'app',
    'health-timeout': '60s',
  });

  beforeAll(async () => {
    [good1, good2, good3] = await Promise.all([ensureFixtureAppVersion('lk-1'), ensureFixtureAppVersion('lk-2'), ensureFixtureAppVersion('lk-3')]);
    prometheus = await startPrometheus({});
  }, 240_000);
  afterAll(async () => {
    for (const s of stages) await s.stop();
    await prometheus?.stop();
  });

  it('two concurrent canaries: with a short lock-timeout the second fails naming the holder and changes nothing; with a long one it runs after the first', async () => {
    const s = await stage();
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 40 });
    let short: Promise<ActionRun & { endedAt: number }> | undefined;
    let long: Promise<ActionRun> | undefined;
    let holderSeen: Record<string, unknown> | undefined;
    const first = await runAction('deploy-canary', {
      inputs: { ...s.inputs, ...FAST, image: good2 },
      env: job('1001'),
      timeoutMs: 180_000,
      onSpawn: when('Step 1/2: 50% of traffic on the canary', () => {
        holderSeen = holderOf(s.project);
        short = runAction('deploy-canary', { inputs: { ...s.inputs, ...FAST, image: good3, 'lock-timeout': '2s' }, env: job('1002'), timeoutMs: 90_000 }).then(
          (r) => ({ ...r, endedAt: Date.now() }),
        );
        long = runAction('deploy-canary', { inputs: { ...s.inputs, ...FAST, image: good3, 'lock-timeout': '5m' }, env: job('1003'), timeoutMs: 300_000 });
      }),
    });
    const firstEndedAt = Date.now();
    const second = await short!;
    const third = await long!;
    await load.stop();

    // The first held the lock while it ran: a file beside the record naming it.
    expect(holderSeen).toMatchObject({ action: 'deploy-canary', host: hostname(), runUrl: 'https://github.com/shop/app/actions/runs/1001' });
    expect(first.errors).toEqual([]);
    expect(first.outputs.result).toBe('promoted');

    // The second gave up after 2 s, before the first ended, with one error naming the holder, its run and age.
    expectReportedFailure(
      second,
      new RegExp(
        `another run holds the lock on this project: deploy-canary \\(pid ${String(holderSeen!.pid)} on ${HOST}, https://github.com/shop/app/actions/runs/1001, holding it for [^)]+\\)\\. Gave up after lock-timeout 2s; nothing was changed`,
      ),
    );
    expect(second.endedAt).toBeLessThan(firstEndedAt);
    expect(second.outputs).toEqual({});
    expect(second.state.deploy).toBeUndefined();
    expect(second.log).not.toContain(good3);

    // The third waited for it, then ran its own canary from what the first promoted.
    expect(third.log).toMatch(/Waiting up to 5m for deploy-canary \(pid \d+ .*runs\/1001, holding it for/);
    expect(third.errors).toEqual([]);
    expect(third.outputs.result).toBe('promoted');
    expect(third.outputs['previous-image']).toBe(good2);
    expect(historyOf(s.project).map((e) => [e.result, e.services[0]!.image])).toEqual([
      ['promoted', good2],
      ['promoted', good3],
    ]);
    expect(await s.nginx.sample(20)).toEqual({ 'lk-3': 20 });
    expect(await serviceContainers(s.project.project, 'app-canary')).toEqual([]);
    expect(existsSync(lockFile(s.project))).toBe(false);
  }, 420_000);

  it('a rollback started while a canary runs waits for it, then rolls back from the release the canary promoted', async () => {
    const s = await stage();
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 40 });
    let rollback: Promise<ActionRun> | undefined;
    const canary = await runAction('deploy-canary', {
      inputs: { ...s.inputs, ...FAST, image: good2 },
      env: job('2001'),
      timeoutMs: 180_000,
      onSpawn: when('Step 1/2: 50% of traffic on the canary', () => {
        rollback = runAction('rollback', { inputs: { ...rollbackInputs(s), 'lock-timeout': '5m' }, env: job('2002'), timeoutMs: 300_000 });
      }),
    });
    const rb = await rollback!;
    await load.stop();
    expect(canary.errors).toEqual([]);
    expect(canary.outputs.result).toBe('promoted');
    expect(rb.log).toMatch(/Waiting up to 5m for deploy-canary \(pid \d+ .*runs\/2001, holding it for/);
    expect(rb.errors).toEqual([]);
    expect(rb.exitCode).toBe(0);
    expect(rb.outputs['rolled-back-from']).toBe(good2);
    expect(rb.outputs['rolled-back-to']).toBe(good1);
    expect(historyOf(s.project).map((e) => [e.action, e.result])).toEqual([
      ['deploy-canary', 'promoted'],
      ['rollback', 'rolled-back'],
    ]);
    expect(await s.nginx.sample(20)).toEqual({ 'lk-1': 20 });
    expect(existsSync(lockFile(s.project))).toBe(false);
  }, 420_000);

  it('post step after SIGTERM mid-canary cleans up under the lock main left and releases it; never removes a lock someone else holds; a stale lock is taken over with a warning', async () => {
    const s = await stage();
    const main = await runAction('deploy-canary', {
      inputs: { ...s.inputs, steps: '50,100', interval: '30s', image: good2 },
      env: job('3001'),
      timeoutMs: 120_000,
      onSpawn: (child, output) =>
        when('Step 1/2: 50% of traffic on the canary', () => {
          child.kill('SIGTERM');
        })(child, output),
    });
    expect(main.exitCode).not.toBe(0);
    expect(main.state.deploy).toBeTruthy();
    // Main left the lock to the post step: a release now would let another run in before the canary is gone.
    expect(main.log).toMatch(/The project lock .*\.lock stays held for the post step/);
    expect(holderOf(s.project)).toMatchObject({ action: 'deploy-canary', runUrl: 'https://github.com/shop/app/actions/runs/3001' });
    const post = await runAction('deploy-canary', { post: true, state: main.state, inputs: s.inputs, env: job('3001'), timeoutMs: 120_000 });
    expect(post.errors).toEqual([]);
    expect(post.exitCode).toBe(0);
    expect(post.log).toMatch(/The main step left the project lock .* behind: this post step holds it/);
    expect(post.log).toMatch(/Canary of app aborted \(cancelled\): traffic is 100%25 on stable/);
    expect(post.log).toMatch(/Released the project lock/);
    expect(existsSync(lockFile(s.project))).toBe(false);
    expect(await s.nginx.sample(20)).toEqual({ 'lk-1': 20 });
    expect(historyOf(s.project).map((e) => e.result)).toEqual(['aborted (cancelled)']);

    // Someone else (a live process on this host) holds the lock: the post step of the earlier job waits
    // up to lock-timeout, fails naming it, and leaves its lock and the project alone.
    const other = {
      pid: process.pid,
      host: hostname(),
      action: 'rollback',
      runUrl: 'https://github.com/shop/app/actions/runs/3999',
      since: new Date().toISOString(),
    };
    writeFileSync(lockFile(s.project), `${JSON.stringify(other)}\n`);
    const late = await runAction('deploy-canary', {
      post: true,
      state: main.state,
      inputs: { ...s.inputs, 'lock-timeout': '1s' },
      env: job('3001'),
      timeoutMs: 60_000,
    });
    expectReportedFailure(
      late,
      /another run holds the lock on this project: rollback \(pid \d+ .*runs\/3999, holding it for [^)]+\)\. Gave up after lock-timeout 1s/,
    );
    expect(holderOf(s.project)).toEqual(other);

    // A lock whose holder process is gone is stale: the next run takes it over with a warning and goes on.
    const gone = { ...other, pid: await deadPid(), action: 'deploy-canary', runUrl: 'https://github.com/shop/app/actions/runs/3002' };
    writeFileSync(lockFile(s.project), `${JSON.stringify(gone)}\n`);
    const load = startLoad(`${s.nginx.url}/api/orders`, { rps: 40 });
    const next = await runAction('deploy-canary', { inputs: { ...s.inputs, ...FAST, image: good2 }, env: job('3003'), timeoutMs: 180_000 });
    await load.stop();
    expect(next.log).toMatch(
      new RegExp(
        `::warning::Taking over the lock .*\\.lock: its holder deploy-canary \\(pid ${gone.pid} on ${HOST}, .*runs/3002, holding it for [^)]+\\) is gone\\.`,
      ),
    );
    expect(next.errors).toEqual([]);
    expect(next.outputs.result).toBe('promoted');
    expect(existsSync(lockFile(s.project))).toBe(false);
  }, 420_000);
});

/** `base` whose first health check runs 15 s after start: the window in which the test kills it. */
async function slowHealthImage(base: string): Promise<string> {
  const tag = `${base}-slowhealth`;
  const dockerfile = `FROM ${base}\nHEALTHCHECK --interval=15s --timeout=5s --retries=3 CMD wget -q -O /dev/null "http://127.0.0.1:8080/health" || exit 1\n`;
  await runProgram('docker', ['build', '-q', '-t', tag, '-'], { input: dockerfile, timeoutMs: 120_000 });
  return tag;
}

describe('fault matrix: a container dying during rollback (real Compose)', () => {
  let v1: string;
  let v2: string;
  let p: TestComposeProject;
  const base = (): Record<string, string> => ({
    'compose-file': p.file,
    project: p.project,
    'compose-command': p.flavor === 'v2' ? 'docker compose' : 'docker-compose',
    'health-timeout': '90s',
  });

  beforeAll(async () => {
    [v1, v2] = await Promise.all([ensureFixtureAppVersion('lk-1').then(slowHealthImage), ensureFixtureAppVersion('lk-2')]);
    p = await createComposeProject({ image: v1, service: 'backend' });
    await p.compose(['up', '-d']);
  }, 240_000);
  afterAll(async () => {
    await p?.down();
  });

  it('a container dying during rollback (docker kill mid-health-wait): a reported failure, never success; the record says failed, not good', async () => {
    const deploy = await runAction('deploy-canary', { inputs: { ...base(), strategy: 'rolling', services: `backend=${v2}` }, timeoutMs: 120_000 });
    expect(deploy.errors).toEqual([]);
    let killed = '';
    const run = await runAction('rollback', {
      inputs: { ...base(), services: 'backend' },
      timeoutMs: 150_000,
      onSpawn: when('Rolling backend back', () => {
        // The container compose creates with the image rolled back to, killed before its first health check.
        const poll = setInterval(() => {
          void (async () => {
            if (killed) return;
            for (const id of await serviceContainers(p.project, 'backend')) {
              const image = (await runProgram('docker', ['inspect', '--format', '{{.Config.Image}}', id], { allowFailure: true })).stdout.trim();
              if (image !== v1 || killed) continue;
              killed = id;
              clearInterval(poll);
              await runProgram('docker', ['kill', id], { allowFailure: true });
            }
          })();
        }, 50);
        setTimeout(() => clearInterval(poll), 60_000);
      }),
    });
    expect(killed).not.toBe('');
    expectReportedFailure(run, /backend did not roll back: backend is not healthy: a container exited with code \d+/);
    expect(run.outputs['rolled-back-to']).toBe('');
    expect(run.log).not.toMatch(/::notice::.*[Rr]olled back/);
    expect(run.summary).not.toMatch(/yes, healthy/);
    // The record keeps the failure; no entry claims the rollback (or its target) good.
    const entries = historyOf(p);
    expect(entries.map((e) => [e.action, e.result])).toEqual([
      ['rolling', 'deployed'],
      ['rollback', 'failed'],
    ]);
    expect(existsSync(lockFile(p))).toBe(false);
  }, 300_000);
});
