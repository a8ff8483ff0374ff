#!/usr/bin/env node
// verify-gates benchmark, with the built bundle against a real Prometheus (1 s scrape) and a local
// service on 127.0.0.1 that serves /health and Prometheus metrics:
//  1. CPU cost of a watch with 10 conditions (6 Prometheus, 4 HTTP): a time-scaled watch (many
//     evaluations at a short interval) and a single evaluation give the CPU seconds of one evaluation
//     (the process's user+system time, from process.cpuUsage() at exit); × the 181 evaluations of a
//     30-minute watch at 10 s, as % of one core over the 30 minutes. The raw alternative: the same 10
//     requests made with plain fetch() in a loop, in this process.
//  2. detection: /health starts failing mid-watch; the time from the breach to the RED line in the
//     log, in intervals.
//
//   node bench/verify-gates.mjs [--evaluations 30] [--interval 1s]   (the shortest interval the action takes)
//
// Needs `prometheus` on PATH and dist/verify-gates (node scripts/build.mjs verify-gates).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { evaluations: { type: 'string', default: '30' }, interval: { type: 'string', default: '1s' } } });
const N = Number(args.evaluations);
const intervalMs = Number(/^(\d+)ms$/.exec(args.interval)?.[1] ?? Number(args.interval.replace(/s$/, '')) * 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'dk-bench-gates-'));
const cleanups = [() => rmSync(dir, { recursive: true, force: true })];

// The service: /health (switchable), /api (counted, 1 % errors), /metrics.
let healthy = true;
let served = 0;
const codes = { 200: 0, 500: 0 };
const buckets = [0.005, 0.01, 0.05, 0.1, 0.5, 1];
const bucketCounts = buckets.map(() => 0);
const app = createServer((req, res) => {
  const send = (status, type, body) => res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
  if (req.url === '/health') return healthy ? send(200, 'application/json', '{"status":"ok"}') : send(503, 'application/json', '{"status":"failing"}');
  if (req.url === '/metrics') {
    const lines = [
      '# TYPE http_requests_total counter',
      ...Object.entries(codes).map(([c, n]) => `http_requests_total{code="${c}"} ${n}`),
      '# TYPE http_request_duration_seconds histogram',
      ...buckets.map((le, i) => `http_request_duration_seconds_bucket{le="${le}"} ${bucketCounts[i]}`),
      `http_request_duration_seconds_bucket{le="+Inf"} ${served}`,
      `http_request_duration_seconds_count ${served}`,
      `http_request_duration_seconds_sum ${served * 0.004}`,
    ];
    return send(200, 'text/plain; version=0.0.4', `${lines.join('\n')}\n`);
  }
  served++;
  const fail = served % 100 === 0;
  codes[fail ? 500 : 200]++;
  buckets.forEach((le, i) => (0.004 <= le ? bucketCounts[i]++ : 0));
  return send(fail ? 500 : 200, 'application/json', '{"ok":true}');
});
await new Promise((r) => app.listen(0, '127.0.0.1', () => r(undefined)));
const appUrl = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (app.address()).port}`;
cleanups.push(() => app.close());
const load = setInterval(
  () =>
    fetch(`${appUrl}/api`)
      .then((r) => r.arrayBuffer())
      .catch(() => {}),
  20,
);
cleanups.push(() => clearInterval(load));

// Prometheus scraping it every second.
const promPort = await new Promise((r) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = /** @type {import('node:net').AddressInfo} */ (s.address()).port;
    s.close(() => r(p));
  });
});
writeFileSync(
  join(dir, 'prometheus.yml'),
  `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: app\n    static_configs: [{ targets: ['${appUrl.replace('http://', '')}'] }]\n`,
);
const prom = spawn(
  'prometheus',
  [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=error',
  ],
  { stdio: 'ignore' },
);
cleanups.push(() => prom.kill('SIGTERM'));
const promUrl = `http://127.0.0.1:${promPort}`;
for (let i = 0; ; i++) {
  const up = /** @type {any} */ (
    await fetch(`${promUrl}/api/v1/query?query=up`)
      .then((r) => r.json())
      .catch(() => undefined)
  );
  if (up?.data?.result?.[0]?.value?.[1] === '1') break;
  if (i > 300) throw new Error('prometheus did not scrape the service');
  await sleep(100);
}
await sleep(3000); // a few scrapes, so rate() has data

const GATES = `gates:
  - name: service
    checks:
      - { name: health, url: /health, expect: { status: 200, json: { status: ok } } }
      - { name: api, url: /api, expect: { status: [200, 500] } }
      - { name: health 2, url: /health, expect: { status: 200 } }
      - { name: api 2, url: /api, expect: { status: [200, 500] } }
      - { name: error rate, prometheus: { error-rate: 'job="app"', window: 5s }, max: 5% }
      - { name: p95, prometheus: { latency: p95, selector: 'job="app"', window: 5s }, max: 1s }
      - { name: targets, prometheus: { targets-up: 'job="app"' } }
      - { name: alerts, prometheus: no-firing-alerts }
      - { name: request rate, prometheus: 'sum(rate(http_requests_total[5s]))', min: 1 }
      - { name: ok rate, prometheus: 'sum(rate(http_requests_total{code="200"}[5s]))', min: 1 }
`;
writeFileSync(join(dir, 'gates.yml'), GATES);

// Reports the child's own CPU time when it exits (the bundle ends with process.exit()).
const CPU_HOOK = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('CPU '+JSON.stringify(u)+'\\n')})`;

/** @param {(line: string, atMs: number) => void} [onLine] */
function runBundle(inputs, onLine = () => {}) {
  const env = { ...process.env, GITHUB_WORKSPACE: dir, RUNNER_TEMP: dir };
  for (const [k, v] of Object.entries({
    'base-url': appUrl,
    'prometheus-url': promUrl,
    gates: 'gates.yml',
    interval: '1m',
    'failure-limit': '1',
    'fail-on-red': 'false',
    incident: 'none',
    ...inputs,
  })) {
    env[`INPUT_${k.toUpperCase()}`] = v;
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', CPU_HOOK, join(root, 'dist', 'verify-gates', 'index.js')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let cpu;
    const started = performance.now();
    child.stdout.on('data', (c) => {
      out += c;
      for (const line of String(c).split('\n')) if (line) onLine(line, performance.now() - started);
    });
    child.stderr.on('data', (c) => {
      const m = /CPU (\{.*\})/.exec(String(c));
      if (m) cpu = JSON.parse(m[1]);
      else out += c;
    });
    child.on('close', (code) => resolve({ code, out, cpuS: cpu ? (cpu.user + cpu.system) / 1e6 : NaN, wallMs: performance.now() - started }));
  });
}

const evaluationsOf = (out) => Number(/::set-output name=evaluations::(\d+)/.exec(out)?.[1] ?? [...out.matchAll(/^\[(\d+)\]/gm)].length);

try {
  // 1. CPU per evaluation.
  const once = await runBundle({ watch: '0' });
  const watchMs = (N - 1) * intervalMs;
  const scaled = await runBundle({ watch: `${watchMs}ms`, interval: `${intervalMs}ms` });
  const n = evaluationsOf(scaled.out);
  if (once.code !== 0 || scaled.code !== 0 || n < 2) throw new Error(`a bundle run failed:\n${once.out}\n${scaled.out}`);
  const perEvalS = (scaled.cpuS - once.cpuS) / (n - 1);
  const evals30m = 30 * 6 + 1;
  const watchCpuS = once.cpuS + perEvalS * (evals30m - 1);
  const pctCore = (watchCpuS / 1800) * 100;

  // The raw alternative: the same 10 requests with plain fetch(), timed in this process.
  const queries = [
    'sum(rate(http_requests_total{job="app",code=~"5.."}[5s])) / sum(rate(http_requests_total{job="app"}[5s]))',
    'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="app"}[5s])))',
    'up{job="app"}',
    'ALERTS{alertstate="firing"}',
    'sum(rate(http_requests_total[5s]))',
    'sum(rate(http_requests_total{code="200"}[5s]))',
  ];
  const rawOnce = () =>
    Promise.all([
      ...['/health', '/api', '/health', '/api'].map((p) => fetch(`${appUrl}${p}`).then((r) => r.text())),
      ...queries.map((q) => fetch(`${promUrl}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: q }) }).then((r) => r.json())),
    ]);
  await rawOnce();
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await rawOnce();
    await sleep(intervalMs);
  }
  const used = process.cpuUsage(before);
  // This process also serves the app and the load; subtract the same idle span measured alone.
  const idleBefore = process.cpuUsage();
  await sleep(n * intervalMs);
  const idle = process.cpuUsage(idleBefore);
  const rawPerEvalS = (used.user + used.system - idle.user - idle.system) / 1e6 / n;

  console.log(`10 conditions (6 Prometheus, 4 HTTP); time-scaled watch: ${n} evaluations every ${intervalMs} ms`);
  console.log(`  start-up + 1 evaluation:   ${(once.cpuS * 1000).toFixed(0)} ms CPU`);
  console.log(
    `  per evaluation:            ${(perEvalS * 1000).toFixed(2)} ms CPU (raw fetch loop: ${(rawPerEvalS * 1000).toFixed(2)} ms; ratio ${(perEvalS / rawPerEvalS).toFixed(2)}×)`,
  );
  console.log(`  30-min watch at 10 s:      ${evals30m} evaluations ≈ ${watchCpuS.toFixed(2)} CPU s = ${pctCore.toFixed(3)} % of one core (target < 1 %)`);

  // 2. Detection: /health fails after 3 evaluations; RED must follow within one interval.
  const detectInterval = 1000;
  let breachAt = 0;
  let redAt = 0;
  const detect = await runBundle({ watch: '60s', interval: `${detectInterval}ms` }, (line, t) => {
    if (line.startsWith('[3]') && breachAt === 0) {
      healthy = false;
      breachAt = t;
    }
    if (/^\[\d+\] .*🔴/.test(line) && redAt === 0 && breachAt > 0) redAt = t;
  });
  healthy = true;
  const delay = redAt - breachAt;
  console.log(
    `detection: RED ${(delay / 1000).toFixed(2)} s after the breach = ${(delay / detectInterval).toFixed(2)} intervals of ${detectInterval} ms (target ≤ 1); run ended after ${(detect.wallMs / 1000).toFixed(1)} s of a 60 s watch`,
  );
} finally {
  for (const c of cleanups.reverse()) c();
}
