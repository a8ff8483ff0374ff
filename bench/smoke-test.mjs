#!/usr/bin/env node
// Benchmark: 100 checks against a loopback server that answers after 100 ms.
//   deploy-kit smoke-test (node dist/smoke-test/index.js on Node 24, run as the runner runs it, INPUT_* env)
//   vs a sequential curl loop (what the runbooks' scripts do) and xargs -P <same concurrency> curl.
// Plus start-up: the bundle failing fast on its missing `checks` input vs `node -e 0`.
// Usage: node bench/smoke-test.mjs [--checks 100] [--delay 100] [--runs 3] [--startup-runs 20] [--concurrency N]
// Targets (not asserted): ≥ 15× faster than the loop, within 1.3× of xargs -P, start-up ≤ 2× node -e 0.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { actionNode } from '../scripts/action-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    checks: { type: 'string', default: '100' },
    delay: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    'startup-runs': { type: 'string', default: '20' },
    concurrency: { type: 'string' },
  },
});
const N = Number(args.checks);
const DELAY = Number(args.delay);
const RUNS = Number(args.runs);
const STARTUP_RUNS = Number(args['startup-runs']);
const bundle = join(root, 'dist', 'smoke-test', 'index.js');
// The bundle runs on Node 24, as on a runner; `node -e 0` beside it on the same binary.
const node24 = actionNode();
const meta = parse(readFileSync(join(root, 'smoke-test', 'action.yml'), 'utf8'));
const concurrency = Number(args.concurrency ?? meta.inputs.concurrency.default);

function run(cmd, argv, env = process.env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - started, code, out }));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// On a shared machine the fastest run is the least disturbed one: printed beside the median.
const best = (xs) => Math.min(...xs);
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

for (const tool of ['curl', 'xargs', 'bash']) {
  const probe = await run('sh', ['-c', `command -v ${tool}`]);
  if (probe.code !== 0) {
    console.error(`${tool} is not installed (Debian: apt-get install -y ${tool})`);
    process.exit(2);
  }
}

// The server runs in its own process so that the bench's own event loop does not slow it.
const serverSource = `
const http = require('node:http');
const server = http.createServer((req, res) => setTimeout(() => {
  const body = JSON.stringify({ status: 'ok', path: req.url });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}, ${DELAY}));
server.keepAliveTimeout = 10000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;
const server = spawn(process.execPath, ['-e', serverSource], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => server.stdout.once('data', (c) => resolve(Number(String(c).trim()))));
const base = `http://127.0.0.1:${port}`;

const dir = mkdtempSync(join(tmpdir(), 'dk-bench-smoke-'));
try {
  const checks = Array.from({ length: N }, (_, i) => `  - name: item ${i + 1}\n    url: /items/${i + 1}\n    expect: { status: 200 }`).join('\n');
  writeFileSync(join(dir, 'smoke.yml'), `checks:\n${checks}\n`);
  const runnerEnv = () => {
    /** @type {NodeJS.ProcessEnv} */
    const env = { ...process.env, GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir, RUNNER_TEMP: dir };
    for (const f of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_ENV']) {
      env[f] = join(dir, f.toLowerCase());
      writeFileSync(env[f], '');
    }
    // Inputs as the runner passes them, defaults from action.yml.
    for (const [name, spec] of Object.entries(meta.inputs)) if (spec.default !== undefined) env[`INPUT_${name.toUpperCase()}`] = String(spec.default);
    env.INPUT_CHECKS = 'smoke.yml';
    env['INPUT_BASE-URL'] = base;
    env.INPUT_CONCURRENCY = String(concurrency);
    return env;
  };

  const contenders = {
    'deploy-kit smoke-test': () => run(node24, [bundle], runnerEnv()),
    'sequential curl loop': () => run('bash', ['-c', `for i in $(seq 1 ${N}); do curl -s -o /dev/null ${base}/items/$i; done`]),
    [`xargs -P ${concurrency} curl`]: () => run('bash', ['-c', `seq 1 ${N} | xargs -P ${concurrency} -I{} curl -s -o /dev/null ${base}/items/{}`]),
  };
  const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  await run('curl', ['-s', '-o', '/dev/null', `${base}/warm-up`]);
  for (let r = 0; r < RUNS; r++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const result = await fn();
      if (result.code !== 0) {
        console.error(`${name} failed (exit ${result.code}):\n${result.out}`);
        process.exitCode = 1;
      }
      times[name].push(result.ms);
    }
  }
  const dk = median(times['deploy-kit smoke-test']);
  const seq = median(times['sequential curl loop']);
  const xargs = median(times[`xargs -P ${concurrency} curl`]);
  console.log(
    `${N} checks, server answers after ${DELAY} ms, concurrency ${concurrency}${args.concurrency ? '' : ' (action.yml default)'}; median of ${RUNS} runs`,
  );
  for (const [name, ts] of Object.entries(times)) console.log(`  ${name.padEnd(24)} ${fmt(median(ts)).padStart(10)}   (runs: ${ts.map(fmt).join(', ')})`);
  const xName = `xargs -P ${concurrency} curl`;
  const [dkBest, seqBest, xBest] = [best(times['deploy-kit smoke-test']), best(times['sequential curl loop']), best(times[xName])];
  console.log(`  speed-up vs sequential loop: ${(seq / dk).toFixed(1)}× (best runs ${(seqBest / dkBest).toFixed(1)}×)   (target ≥ 15×)`);
  console.log(`  vs xargs -P ${concurrency}: ${(dk / xargs).toFixed(2)}× (best runs ${(dkBest / xBest).toFixed(2)}×)   (target ≤ 1.3×)`);

  // Start-up: interleaved runs so that machine load hits both alike. Wall time, and CPU time
  // (user + system, read by a preloaded hook at exit), which a busy machine disturbs far less.
  const hook = join(dir, 'cpu-hook.cjs');
  writeFileSync(hook, "process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(2, `\\ncpu-us ${u.user + u.system}\\n`); });\n");
  const cpuOf = (out) => Number(/cpu-us (\d+)/.exec(out)?.[1] ?? NaN) / 1000;
  const startup = async (label, env) => {
    const bare = { wall: [], cpu: [] };
    const action = { wall: [], cpu: [] };
    for (let i = 0; i < STARTUP_RUNS; i++) {
      const b = await run(node24, ['-r', hook, '-e', '0'], env);
      bare.wall.push(b.ms);
      bare.cpu.push(cpuOf(b.out));
      const r = await run(node24, ['-r', hook, bundle], env);
      if (r.code !== 1 || !r.out.includes('Input required and not supplied: checks')) console.error(`unexpected start-up run: exit ${r.code}\n${r.out}`);
      action.wall.push(r.ms);
      action.cpu.push(cpuOf(r.out));
    }
    const [bw, aw, bc, ac] = [median(bare.wall), median(action.wall), median(bare.cpu), median(action.cpu)];
    const bestOf = `best runs ${(best(action.wall) / best(bare.wall)).toFixed(2)}×`;
    console.log(`start-up (${label}), median of ${STARTUP_RUNS} (target ≤ 2×):`);
    console.log(`  wall: node -e 0 ${fmt(bw)}, bundle failing on missing input ${fmt(aw)}: ${(aw / bw).toFixed(2)}× (${bestOf})`);
    console.log(`  cpu:  node -e 0 ${fmt(bc)}, bundle failing on missing input ${fmt(ac)}: ${(ac / bc).toFixed(2)}×`);
  };
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('INPUT_')));
  await startup('this environment', env);
  if (env.NODE_EXTRA_CA_CERTS) {
    const { NODE_EXTRA_CA_CERTS: _, ...without } = env;
    await startup('without NODE_EXTRA_CA_CERTS, as on a runner', without);
  }
} finally {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
