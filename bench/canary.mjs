#!/usr/bin/env node
// deploy-canary / rollback benchmark, with the built bundles against real components (docker-compose,
// nginx, Prometheus with a 1 s scrape, the fixture app under 50 rps through nginx), per judge
// (`threshold` with the default checks, as users get it, and `compare` against a baseline):
//  1. detection: canaries with 5 %, 1 %, 0.5 % 5xx, +100 ms and +30 % p95 latency beside a noisy
//     stable (its own 0.3 % 5xx, latency 40 ± 20 ms at random) — time from the canary's first
//     request (the step-1 log line: its first request is a bad one) to traffic 100 % on stable, in
//     seconds and in analysis intervals; "not caught" when the canary was promoted;
//  2. false aborts: N healthy canaries (the same behaviour as the noisy stable) with short steps —
//     how many were wrongly aborted (target 0);
//  3. rollback: the rollback bundle to the last good release, until healthy, vs the raw tool
//     (`docker-compose up -d --no-deps` of the old tag, plus waiting for the health check, as by hand).
//
//   node bench/canary.mjs [--judges threshold,compare] [--scenarios err5,err1,err05,lat100,lat30]
//     [--bad-runs 1] [--interval 30s] [--steps 25,50,100] [--healthy-runs 20] [--rollback-runs 3]
//
// Needs scripts/services.sh up (docker, DK_BASE_NODE; read from this checkout's .services/env) and the
// deploy-canary and rollback bundles (node scripts/build.mjs deploy-canary rollback).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { actionNode } from '../scripts/action-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    judges: { type: 'string', default: 'threshold,compare' },
    scenarios: { type: 'string', default: 'err5,err1,err05,lat100,lat30' },
    'bad-runs': { type: 'string', default: '1' },
    interval: { type: 'string', default: '30s' },
    steps: { type: 'string', default: '25,50,100' },
    'healthy-runs': { type: 'string', default: '20' },
    'rollback-runs': { type: 'string', default: '3' },
    // loose: compare runs with bounds nothing here reaches (success rate >= 90 %, p95 <= 5 s), so only the
    // statistical comparison can abort; default: the default checks (>= 99 %, <= 1 s) are guard rails too.
    'compare-bounds': { type: 'string', default: 'default' },
  },
});
const JUDGES = args.judges.split(',').filter(Boolean);
const env = { ...loadEnv(), ...process.env };
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const COMPOSE = (env.DK_COMPOSE || 'docker-compose').trim() === 'docker compose' ? ['docker', 'compose'] : ['docker-compose'];
const cleanups = [];

/** This checkout's .services/env (written by scripts/services.sh up). */
function loadEnv() {
  const f = join(root, '.services', 'env');
  if (!existsSync(f)) throw new Error(`no ${f}: run bash scripts/services.sh up in this checkout first`);
  return Object.fromEntries(
    readFileSync(f, 'utf8')
      .split('\n')
      .map((l) => /^([A-Z_]+)=(.*)$/.exec(l))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
}
const sh = (cmd, a, opts = {}) => {
  const r = spawnSync(cmd, a, { encoding: 'utf8', ...opts });
  if (r.status !== 0 && !opts.allowFailure) throw new Error(`${cmd} ${a.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = /** @type {import('node:net').AddressInfo} */ (s.address()).port;
      s.close(() => res(p));
    });
  });
async function waitHttp(url, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${url} not up`);
}

function image(tag, buildArgs = {}) {
  const a = ['build', '-q', '-t', `deploy-kit/fixture-app:${tag}`, '--build-arg', `BASE=${env.DK_BASE_NODE}`];
  for (const [k, v] of Object.entries(buildArgs)) a.push('--build-arg', `${k}=${v}`);
  sh('docker', [...a, join(root, 'test', 'fixtures', 'app')]);
  return `deploy-kit/fixture-app:${tag}`;
}

async function prometheus() {
  const dir = mkdtempSync(join(tmpdir(), 'dk-bench-prom-'));
  const port = await freePort();
  writeFileSync(join(dir, 'targets.json'), '[]');
  writeFileSync(
    join(dir, 'p.yml'),
    `global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\nscrape_configs:\n  - job_name: app\n    file_sd_configs: [{files: ["${join(dir, 'targets.json')}"], refresh_interval: 1s}]\n`,
  );
  const child = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'p.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'],
    { stdio: 'ignore' },
  );
  cleanups.push(() => (child.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })));
  await waitHttp(`http://127.0.0.1:${port}/-/ready`);
  return { url: `http://127.0.0.1:${port}`, setTargets: (t) => writeFileSync(join(dir, 'targets.json'), JSON.stringify(t)) };
}

/** A compose project + nginx in front of it; Prometheus scrapes stable and the canary's port. */
async function stage(prom, stableImage) {
  const dir = mkdtempSync(join(tmpdir(), 'dk-bench-'));
  const project = `dkb${Math.random().toString(16).slice(2, 10)}`;
  const port = await freePort();
  const canaryPort = await freePort();
  let baselinePort = await freePort();
  while (baselinePort === canaryPort) baselinePort = await freePort();
  writeFileSync(join(dir, 'docker-compose.yml'), `version: "3.8"\nservices:\n  app:\n    image: ${stableImage}\n    ports: ["127.0.0.1:${port}:8080"]\n`);
  const compose = (a, extra = []) =>
    sh(COMPOSE[0], [...COMPOSE.slice(1), '-p', project, '-f', join(dir, 'docker-compose.yml'), ...extra.flatMap((f) => ['-f', f]), ...a], { cwd: dir });
  compose(['up', '-d']);
  await waitHttp(`http://127.0.0.1:${port}/health`);
  mkdirSync(join(dir, 'nginx', 'logs'), { recursive: true });
  const ngPort = await freePort();
  const upstream = join(dir, 'nginx', 'app.conf');
  writeFileSync(upstream, `upstream app { server 127.0.0.1:${port} weight=100; }\n`);
  const conf = join(dir, 'nginx', 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1; pid ${dir}/nginx/pid; error_log ${dir}/nginx/logs/error.log;\nevents {}\nhttp { access_log off; client_body_temp_path ${dir}/nginx/b; proxy_temp_path ${dir}/nginx/p; fastcgi_temp_path ${dir}/nginx/f; uwsgi_temp_path ${dir}/nginx/u; scgi_temp_path ${dir}/nginx/s;\n include ${upstream};\n server { listen 127.0.0.1:${ngPort}; location / { proxy_pass http://app; } } }\n`,
  );
  const ng = spawn(NGINX, ['-p', join(dir, 'nginx'), '-c', conf, '-e', join(dir, 'nginx', 'logs', 'error.log'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const stop = () => {
    ng.kill('SIGKILL');
    const ids = sh('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).trim();
    if (ids) sh('docker', ['rm', '-f', ...ids.split('\n')], { allowFailure: true });
    sh('docker', ['network', 'rm', `${project}_default`], { allowFailure: true });
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  await sleep(300);
  prom.setTargets([
    { targets: [`127.0.0.1:${port}`], labels: { track: 'stable', scenario: project } },
    { targets: [`127.0.0.1:${canaryPort}`], labels: { track: 'canary', scenario: project } },
    { targets: [`127.0.0.1:${baselinePort}`], labels: { track: 'baseline', scenario: project } },
  ]);
  // The pre-flight needs the stable series: wait until Prometheus has scraped them (file_sd refresh + a scrape).
  const query = encodeURIComponent(`http_requests_total{scenario="${project}",track="stable"}`);
  for (const end = Date.now() + 60_000; ; await sleep(250)) {
    const body = /** @type {{ data?: { result?: unknown[] } } | undefined} */ (
      await fetch(`${prom.url}/api/v1/query?query=${query}`)
        .then((r) => r.json())
        .catch(() => undefined)
    );
    if (body?.data?.result?.length) break;
    if (Date.now() > end) throw new Error(`Prometheus did not scrape the stable service of ${project} within 60 s`);
  }
  const inputs = {
    'compose-file': join(dir, 'docker-compose.yml'),
    project,
    'compose-command': COMPOSE.join(' '),
    service: 'app',
    'nginx-upstream-file': upstream,
    'nginx-config': conf,
    'nginx-prefix': join(dir, 'nginx'),
    'stable-address': `127.0.0.1:${port}`,
    'canary-port': String(canaryPort),
    'baseline-port': String(baselinePort),
    'prometheus-url': prom.url,
    'metric-labels': `scenario=${project}`,
    'health-timeout': '60s',
  };
  return { dir, project, port, url: `http://127.0.0.1:${ngPort}`, compose, inputs, stop };
}

/** Runs a bundle as the runner does; resolves with exit code, outputs and each log line's arrival time. */
function runBundle(action, inputs) {
  const meta = parse(readFileSync(join(root, action, 'action.yml'), 'utf8'));
  const tmp = mkdtempSync(join(tmpdir(), 'dk-bench-run-'));
  const e = { ...process.env, GITHUB_OUTPUT: join(tmp, 'out'), GITHUB_STATE: join(tmp, 'state'), GITHUB_STEP_SUMMARY: join(tmp, 'sum'), RUNNER_TEMP: tmp };
  for (const f of ['out', 'state', 'sum']) writeFileSync(join(tmp, f), '');
  for (const [k, v] of Object.entries(meta.inputs ?? {})) if (v.default !== undefined) e[`INPUT_${k.toUpperCase()}`] = String(v.default);
  for (const [k, v] of Object.entries(inputs)) e[`INPUT_${k.toUpperCase()}`] = String(v);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(actionNode(), [join(root, 'dist', action, 'index.js')], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let partial = '';
    child.stdout.on('data', (b) => {
      const parts = (partial + b).split('\n');
      partial = parts.pop();
      for (const l of parts) lines.push({ t: Date.now(), l });
    });
    child.stderr.on('data', () => {});
    child.on('close', (code) => {
      const out = readFileSync(join(tmp, 'out'), 'utf8');
      const result = /^result<<(.+)\n(.*)\n/m.exec(out)?.[2];
      const analysis = /^analysis<<(.+)\n([\s\S]*?)\n\1$/m.exec(out)?.[2];
      rmSync(tmp, { recursive: true, force: true });
      resolve({ code, result, lines, ms: Date.now() - started, analysis: analysis ? JSON.parse(analysis) : [] });
    });
  });
}

function load(url, rps) {
  const timeline = [];
  let stop = false;
  const loop = (async () => {
    const start = Date.now();
    for (let i = 0; !stop; i++) {
      const due = start + (i * 1000) / rps;
      if (due > Date.now()) await sleep(due - Date.now());
      fetch(url, { signal: AbortSignal.timeout(5000) })
        .then(async (r) => (await r.arrayBuffer(), timeline.push({ t: Date.now(), status: r.status })))
        .catch(() => timeline.push({ t: Date.now(), status: 0 }));
    }
  })();
  return async () => ((stop = true), await loop, await sleep(200), timeline);
}

const fmt = (xs) => `median ${median(xs).toFixed(2)}, min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The fixture's behaviour per image: a noisy stable, healthy canaries like it, and the bad ones. */
// Fine buckets (5 ms apart around the stable's latency), as Micrometer's percentile histogram or a
// tuned client has: with the Go/JS defaults (50, 100 ms) +30 % of a 60 ms p95 is invisible to any judge.
const BUCKETS = [
  0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, 0.065, 0.07, 0.075, 0.08, 0.085, 0.09, 0.1, 0.11, 0.125, 0.15, 0.175, 0.2, 0.25,
  0.3, 0.5, 1, 2.5,
].join(',');
const NOISY = { ERROR_RATE: '0.003', LATENCY_MS: '40', LATENCY_JITTER_MS: '20', BUCKETS };
const SCENARIOS = {
  err5: { what: '5% 5xx', build: { ...NOISY, ERROR_RATE: '0.05' } },
  err1: { what: '1% 5xx', build: { ...NOISY, ERROR_RATE: '0.01' } },
  err05: { what: '0.5% 5xx', build: { ...NOISY, ERROR_RATE: '0.005' } },
  lat100: { what: '+100 ms', build: { ...NOISY, LATENCY_MS: '140' } },
  // Uniform 26..78 ms against 20..60 ms: every quantile, p95 included, is 1.3 × the stable's.
  lat30: { what: '+30% p95', build: { ...NOISY, LATENCY_MS: '52', LATENCY_JITTER_MS: '26' } },
};

/** The inputs of each judge: threshold with the default checks; compare against the baseline, 2 s samples. */
function judgeInputs(judge) {
  if (judge !== 'compare') return { judge: 'threshold' };
  const loose = args['compare-bounds'] === 'loose' ? { metrics: '- name: success-rate\n  min: 90\n- name: latency\n  quantile: p95\n  max: 5s\n' } : {};
  return { judge: 'compare', 'sample-window': '2s', ...loose };
}

/** The abort reason from the bundle's error line, shortened. */
const reasonOf = (run) =>
  run.lines
    .filter((x) => x.l.startsWith('::error'))
    .map((x) =>
      x.l
        .replace(/^::error[^:]*::/, '')
        .replace(/%0A.*$/, '')
        .slice(0, 300),
    )
    .join(' ');

const seconds = (text) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new Error(`--interval ${text}: give e.g. 30s`);
  return Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
};

async function main() {
  console.log('building fixture images…');
  const good = [image('bench-good-a', { VERSION: 'a', ...NOISY }), image('bench-good-b', { VERSION: 'b', ...NOISY })];
  const prom = await prometheus();
  const interval = seconds(args.interval);
  const detection = {};

  // 1. detection, per scenario and judge
  for (const key of args.scenarios.split(',').filter(Boolean)) {
    const scenario = SCENARIOS[key];
    if (!scenario) throw new Error(`--scenarios: unknown ${key}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    const bad = image(`bench-${key}`, { VERSION: key, ...scenario.build });
    for (const judge of JUDGES) {
      for (let i = 0, retries = 0; i < Number(args['bad-runs']); i++) {
        const s = await stage(prom, good[0]);
        const stopLoad = load(`${s.url}/api/x`, 50);
        const run = await runBundle('deploy-canary', {
          ...s.inputs,
          ...judgeInputs(judge),
          steps: args.steps,
          interval: args.interval,
          'analysis-window': `${Math.min(interval, 30)}s`,
          image: bad,
        });
        await stopLoad();
        const first = run.lines.find((x) => x.l.includes('Step 1/'))?.t;
        const stable = run.lines.find((x) => x.l.includes('Traffic: 100% on stable.'))?.t;
        const steps = run.lines
          .filter((x) => /^Step \d+ at \d+%: analysis /.test(x.l))
          .map((x) => x.l.replace(/^Step (\d+) at (\d+)%: analysis (\w+).*$/, '$1:$2%:$3'));
        s.stop();
        cleanups.pop();
        // A canary that did not start (an overloaded machine fails its health check) measured nothing: run it again.
        if (run.result === 'aborted' && /the canary did not start/.test(reasonOf(run)) && retries++ < 2) {
          console.log(`  ${scenario.what}, ${judge}: the canary did not start (${reasonOf(run)}); not counted, run again`);
          i--;
          continue;
        }
        const row = (detection[`${key}/${judge}`] ??= { scenario: scenario.what, judge, runs: [] });
        if (run.result === 'aborted' && first && stable) {
          const s2 = (stable - first) / 1000;
          row.runs.push({ caught: true, seconds: s2, intervals: s2 / interval, steps });
          console.log(
            `  ${scenario.what}, ${judge}: aborted; first canary request → 100% stable ${s2.toFixed(1)} s = ${(s2 / interval).toFixed(2)} intervals [${steps.join(' ')}] — ${reasonOf(run)}`,
          );
        } else {
          row.runs.push({ caught: false, result: run.result, steps });
          const why = run.lines
            .filter((x) => x.l.startsWith('::error'))
            .map((x) => x.l)
            .join(' ');
          console.log(`  ${scenario.what}, ${judge}: NOT caught — ${run.result} [${steps.join(' ')}] ${why}`);
          // What each look saw: a miss is read off its p-values (compare) or values (threshold).
          for (const step of run.analysis) {
            const seen = step.metrics.map((m) => `${m.name} ${m.pValue !== undefined ? `p=${m.pValue ?? '-'} α=${m.alpha} (${m.difference})` : `${m.value}`}`);
            console.log(`      step ${step.step} at ${step.weight}%: ${seen.join('; ')}`);
          }
        }
      }
    }
  }
  console.log(
    `\nDETECTION (steps ${args.steps}, interval ${args.interval}, 50 rps, noisy stable 0.3% 5xx, 40±20 ms; compare bounds: ${args['compare-bounds']}):`,
  );
  for (const { scenario, judge, runs } of Object.values(detection)) {
    const caught = runs.filter((r) => r.caught);
    const text = caught.length ? `${fmt(caught.map((r) => r.intervals))} intervals (${fmt(caught.map((r) => r.seconds))} s)` : 'not caught';
    console.log(`  ${scenario.padEnd(9)} ${judge.padEnd(9)} caught ${caught.length}/${runs.length}: ${text}`);
  }

  // 2. false aborts, per judge, with the noisy stable; healthy canaries alternate between two images like it.
  const n = Number(args['healthy-runs']);
  const s2 = await stage(prom, good[0]);
  const stopLoad2 = load(`${s2.url}/api/x`, 50);
  let current = 0;
  for (const judge of JUDGES) {
    let wrong = 0;
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      const next = (current + 1) % 2;
      const run = await runBundle('deploy-canary', {
        ...s2.inputs,
        ...judgeInputs(judge),
        steps: '50,100',
        interval: '8s',
        'analysis-window': '5s',
        image: good[next],
      });
      if (run.result === 'promoted') current = next;
      else {
        wrong++;
        const why = run.lines.filter((x) => x.l.startsWith('::error') || x.l.includes(': analysis fail')).map((x) => x.l);
        console.log(`  healthy run ${i + 1} (${judge}): ${run.result} — ${why.join(' ')}`);
      }
    }
    const each = (Date.now() - t0) / 1000 / Math.max(1, n);
    console.log(`FALSE ABORTS (${judge}): ${wrong} of ${n} healthy canaries (steps 50,100; interval 8s; window 5s; ${each.toFixed(1)} s per canary)`);
  }
  await stopLoad2();

  // 3. rollback vs raw
  const runs = Number(args['rollback-runs']);
  if (runs > 0) await rollbackBench(s2, good, runs);
}

async function rollbackBench(s2, good, runs) {
  const rb = [];
  const raw = [];
  const rawUpOnly = [];
  const release = join(s2.dir, '.deploy-kit', `${s2.project}.release.yml`);
  const override = join(s2.dir, 'bench-override.yml');
  const healthy = async () => {
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(100)) {
      const id = sh('docker', [
        'ps',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${s2.project}`,
        '--filter',
        'label=com.docker.compose.service=app',
      ]).trim();
      if (id && sh('docker', ['inspect', '-f', '{{.State.Health.Status}}', id], { allowFailure: true }).trim() === 'healthy') return;
    }
    throw new Error('not healthy');
  };
  for (let i = 0; i < runs; i++) {
    const current = existsSync(release) ? parse(readFileSync(release, 'utf8')).services.app.image : good[0];
    const other = current === good[0] ? good[1] : good[0];
    // A good release of `other`, then roll back from it.
    await runBundle('deploy-canary', { ...s2.inputs, strategy: 'rolling', services: `app=${other}` });
    // rollback takes the Compose inputs, not deploy-canary's own (service, router, metrics): it refuses what it would ignore.
    const { 'compose-file': composeFile, project, 'compose-command': composeCommand } = s2.inputs;
    const r = await runBundle('rollback', { 'compose-file': composeFile, project, 'compose-command': composeCommand, services: 'app' });
    if (r.code !== 0) throw new Error(`rollback failed: ${r.lines.map((x) => x.l).join('\n')}`);
    rb.push(r.ms / 1000);
    // Raw: the old tag by hand — up -d, then wait for the health check.
    writeFileSync(override, `version: "3.8"\nservices:\n  app:\n    image: ${other}\n`);
    s2.compose(['up', '-d', '--no-deps', 'app'], [release, override]);
    await healthy();
    writeFileSync(override, `version: "3.8"\nservices:\n  app:\n    image: ${current}\n`);
    const t0 = Date.now();
    s2.compose(['up', '-d', '--no-deps', 'app'], [release, override]);
    rawUpOnly.push((Date.now() - t0) / 1000);
    await healthy();
    raw.push((Date.now() - t0) / 1000);
  }
  console.log(`ROLLBACK: rollback bundle to healthy ${fmt(rb)} s; raw docker-compose up -d + health wait ${fmt(raw)} s (up -d alone ${fmt(rawUpOnly)} s)`);
  console.log(
    `ROLLBACK RATIO: ${(median(rb) / median(raw)).toFixed(2)}x of raw up -d + health wait (target <= 1.2x); ${(median(rb) / median(rawUpOnly)).toFixed(2)}x of up -d alone`,
  );
}

function cleanUp() {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      c();
    } catch {}
  }
}
// Stopped by hand (Ctrl-C, kill <pid>): containers, nginx and Prometheus go too.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.error(`${sig}: cleaning up`);
    cleanUp();
    process.exit(130);
  });
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(cleanUp);
