#!/usr/bin/env node
// Kubernetes benchmark: the deploy-canary bundle (target: kubernetes, traffic-router: pod-ratio) vs the
// raw kubectl commands that do the same, against the same Kubernetes API server stand-in (no real API
// server can run here; test/support/k8s-standin, run on the Node 24 of the bundles with type stripping):
//  1. per-step overhead: what a step costs the bundle (the time between its "Step i/n:" log lines, less
//     the interval; steps 50 and 100) vs the same raw steps (`kubectl patch` of the replicas + `rollout status`). Goal ≤ 1.15×. Beside it the whole canary with metrics: [] — the
//     bundle's time less its intervals vs `kubectl apply` of the canary + `rollout status`, the three
//     steps, then `kubectl set image` on the stable + `rollout status` and `kubectl delete` of the canary.
//  2. abort: a check that always fails (Prometheus `vector(1)` with max 0) — time from the failing verdict
//     to 100 % on stable, as the bundle reports it. Goal ≤ 1 s.
//
//   node bench/kubernetes.mjs [--runs 3] [--trace]
//
// Run it on a quiet machine: under load (other benches, builds) the bundle's step suffers more than the
// raw one (a Node process with timers and pipes beside each kubectl), e.g. 1.21× at load 3–7 against
// 0.96–0.99× quiet for the same code.
//
// --trace: one more bundle run with a kubectl wrapper on PATH, printed as a timeline (the bundle's
// log lines and each kubectl call with its duration), to see where a step's time goes.
//
// Needs the bundles (node scripts/build.mjs deploy-canary), kubectl on PATH and prometheus on PATH.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { actionNode } from '../scripts/action-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' }, trace: { type: 'boolean', default: false } } });
const runs = Number(args.runs);
const dir = mkdtempSync(join(tmpdir(), 'dk-bench-k8s-'));
const children = [];

// The stand-in is TypeScript importing `./x.js`: a resolve hook maps a missing .js to its .ts.
const hook = `data:text/javascript,${encodeURIComponent(`
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && context.parentURL?.includes('/test/support/')) {
    const url = new URL(specifier, context.parentURL);
    if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) return next(specifier.replace(/\\.js$/, '.ts'), context);
  }
  return next(specifier, context);
}`)}`;
const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;

function startStandin() {
  const script = `
    import { startStandin } from ${JSON.stringify(join(root, 'test/support/k8s-standin/index.ts'))};
    const s = await startStandin({ readyAfterMs: 100 });
    console.log('KUBECONFIG ' + s.writeKubeconfig(${JSON.stringify(dir)}));`;
  const file = join(dir, 'standin.mts');
  writeFileSync(file, script);
  const child = spawn(actionNode(), ['--experimental-transform-types', '--no-warnings', '--import', register, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /KUBECONFIG (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`the stand-in exited (${code})`)));
  });
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = /** @type {import('node:net').AddressInfo} */ (s.address()).port;
      s.close(() => resolve(port));
    });
  });

async function startPrometheus() {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global: { scrape_interval: 1s }\nscrape_configs: []\n');
  const child = spawn(
    process.env.DK_PROMETHEUS_BIN || 'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
    {
      stdio: 'ignore',
    },
  );
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return url;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('prometheus did not start');
}

let kubeconfig;
const env = () => ({ ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache'), HOME: dir });

/** @param {string[]} argv @param {string} [input] */
function kubectlWith(argv, input) {
  const r = spawnSync('kubectl', argv, { env: env(), encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`kubectl ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const kubectl = (...argv) => kubectlWith(argv);

const deployment = (name, image, replicas, labels = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: 'web', ...labels } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web', ...labels } },
    template: { metadata: { labels: { app: 'web', ...labels } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

function apply(object) {
  kubectlWith(['apply', '-f', '-'], JSON.stringify(object));
}

function fresh() {
  kubectl('delete', 'deployment', 'web', 'web-canary', '--ignore-not-found', '--wait=false');
  apply(deployment('web', 'registry.local/web:1', 4));
  kubectl('rollout', 'status', 'deployment/web', '--timeout=120s');
}

/** The raw sequence: what the bundle does for steps 25,50,100 and the promotion; the total and the median step (patch + rollout status). */
function raw() {
  const started = performance.now();
  apply(deployment('web-canary', 'registry.local/web:2', 1, { 'deploy-kit.dev/track': 'canary' }));
  kubectl('rollout', 'status', 'deployment/web-canary', '--timeout=120s');
  const steps = [];
  for (const replicas of [1, 2, 4]) {
    const stepStarted = performance.now();
    kubectl('patch', 'deployment', 'web-canary', '--type', 'merge', '-p', JSON.stringify({ spec: { replicas } }));
    kubectl('rollout', 'status', 'deployment/web-canary', '--timeout=120s');
    // Steps 50 and 100 (2 and 4 replicas), the ones the bundle's times are taken for.
    if (replicas > 1) steps.push(performance.now() - stepStarted);
  }
  kubectl('set', 'image', 'deployment/web', 'app=registry.local/web:2');
  kubectl('rollout', 'status', 'deployment/web', '--timeout=120s');
  kubectl('delete', 'deployment', 'web-canary', '--wait=false');
  return { total: performance.now() - started, step: median(steps) };
}

/** Runs the bundle; `steps` are the times its "Step i/n:" lines arrived (each printed once the step's weight is set). */
function bundle(inputs, extraEnv = {}) {
  const runDir = mkdtempSync(join(dir, 'run-'));
  const files = { GITHUB_OUTPUT: join(runDir, 'out'), GITHUB_STATE: join(runDir, 'state'), GITHUB_STEP_SUMMARY: join(runDir, 'summary') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const all = { target: 'kubernetes', deployment: 'web', 'traffic-router': 'pod-ratio', 'health-timeout': '120s', 'track-label': 'track', ...inputs };
  const inputEnv = Object.fromEntries(Object.entries(all).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, String(v)]));
  const started = performance.now();
  const child = spawn(actionNode(), [join(root, 'dist/deploy-canary/index.js')], {
    env: { ...env(), ...files, ...inputEnv, RUNNER_TEMP: runDir, GITHUB_ACTIONS: 'true', ...extraEnv },
  });
  let log = '';
  let pending = '';
  const steps = [];
  const lines = [];
  const read = (chunk) => {
    log += chunk;
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      lines.push([Date.now(), line]);
      if (/^Step \d+\/\d+: /.test(line)) steps.push(performance.now());
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', (c) => (log += c));
  return new Promise((resolve) => {
    child.on('close', (status) =>
      resolve({ ms: performance.now() - started, status, log, lines, steps, summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8') }),
    );
  });
}

/** One bundle run with a kubectl wrapper on PATH that logs each call's start and end (ms since the epoch). */
async function trace() {
  const bin = join(dir, 'trace-bin');
  const calls = join(dir, 'trace-calls');
  mkdirSync(bin, { recursive: true });
  const real = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(
    join(bin, 'kubectl'),
    `#!/bin/sh\ns=$(date +%s%3N)\n${JSON.stringify(real)} "$@"\nrc=$?\necho "$s $(date +%s%3N) $*" >> ${JSON.stringify(calls)}\nexit $rc\n`,
    {
      mode: 0o755,
    },
  );
  writeFileSync(calls, '');
  fresh();
  const run = await bundle({ image: 'registry.local/web:2', steps: '25,50,100', interval: '1s', metrics: '[]' }, { PATH: `${bin}:${process.env.PATH}` });
  const events = [
    ...run.lines.map(([t, line]) => ({ t, text: `log  ${line.slice(0, 110)}` })),
    ...readFileSync(calls, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [s, e, ...argv] = l.split(' ');
        return { t: Number(s), text: `kubectl ${argv.join(' ').slice(0, 100)} (${Number(e) - Number(s)} ms)` };
      }),
  ].sort((a, b) => a.t - b.t);
  const t0 = events[0]?.t ?? 0;
  console.log(`trace (status ${run.status}):`);
  for (const e of events) console.log(`  ${String(e.t - t0).padStart(6)} ms  ${e.text}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  kubeconfig = await startStandin();
  const intervalMs = 1000;
  const rawTimes = [];
  const rawSteps = [];
  const bundleTimes = [];
  const bundleSteps = [];
  for (let i = 0; i < runs; i++) {
    fresh();
    const r = raw();
    rawTimes.push(r.total);
    rawSteps.push(r.step);
    // The bundle's cost of a step: the time between two "Step i/n:" lines less the interval between them.
    fresh();
    const three = await bundle({ image: 'registry.local/web:2', steps: '25,50,100', interval: '1s', metrics: '[]' });
    if (three.status !== 0 || three.steps.length !== 3) throw new Error(`the bundle failed:\n${three.log}`);
    bundleTimes.push(three.ms - 3 * intervalMs);
    for (let k = 1; k < three.steps.length; k++) bundleSteps.push(three.steps[k] - three.steps[k - 1] - intervalMs);
  }
  const r = median(rawTimes);
  const b = median(bundleTimes);
  const rs = median(rawSteps);
  const bs = median(bundleSteps);
  console.log(`per-step overhead (${runs} runs, medians):`);
  console.log(`  one step: raw kubectl patch + rollout status ${rs.toFixed(0)} ms, bundle ${bs.toFixed(0)} ms → ${(bs / rs).toFixed(2)}× (goal ≤ 1.15×)`);
  console.log(
    `  whole canary (steps 25,50,100 + promote): raw kubectl ${(r / 1000).toFixed(2)} s, bundle less its intervals ${(b / 1000).toFixed(2)} s → ${(b / r).toFixed(2)}× (the bundle also validates, labels the stable pods, checks the Service and writes the record)`,
  );

  if (args.trace) await trace();

  const prometheus = await startPrometheus();
  const aborts = [];
  for (let i = 0; i < runs; i++) {
    fresh();
    const run = await bundle({
      image: 'registry.local/web:2',
      steps: '25,50,100',
      interval: '1s',
      'prometheus-url': prometheus,
      metrics: '- name: always-fails\n  query: vector(1)\n  max: 0',
      'no-data': 'fail',
    });
    const m = /Traffic was back on stable (\d+) ms after the failing verdict/.exec(run.summary);
    if (!m) throw new Error(`no abort timing in the summary:\n${run.summary}\n${run.log}`);
    aborts.push(Number(m[1]));
  }
  console.log(`abort: failing verdict → 100 % stable: median ${median(aborts)} ms, max ${Math.max(...aborts)} ms over ${runs} runs (goal ≤ 1000 ms)`);
} finally {
  for (const c of children) c.kill();
  rmSync(dir, { recursive: true, force: true });
}
