#!/usr/bin/env node
// Benchmark: the build-push bundle vs the raw docker commands it replaces, on the same fixture and
// the same real engine + registry (scripts/services.sh up first).
//   1. build + push: `docker build && docker push` (two tags) vs the action (same two tags). Target ≤ 1.05×.
//   2. promote: the action's promote (registry API) vs rebuilding and pushing. Target ≥ 10× faster.
// Usage: node bench/build-push.mjs [iterations=5]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { actionNode } from '../scripts/action-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const iterations = Number(process.argv[2] ?? 5);
const services = {};
for (const f of [join(root, '.services', 'env'), '/work/main/.services/env']) {
  if (!existsSync(f)) continue;
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) services[m[1]] = m[2];
  }
  break;
}
const env = (k) => process.env[k] || services[k];
const registry = env('DK_REGISTRY');
const base = env('DK_BASE_BUSYBOX');
if (!registry || !base) throw new Error('DK_REGISTRY / DK_BASE_BUSYBOX unknown: run bash scripts/services.sh up');
const context = join(root, 'test', 'fixtures', 'images', 'app');
const repo = `dk-bench-${randomBytes(3).toString('hex')}`;
const sha = randomBytes(20).toString('hex');
const tags = ['bench', `sha-${sha.slice(0, 7)}`];

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 2).join(' ')} failed (${r.status}):\n${r.stderr || r.stdout}`);
  return r;
}

function time(fn) {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

// The labels the action sets, for a raw command that does the same work.
const ociLabels = () => [
  `org.opencontainers.image.revision=${sha}`,
  'org.opencontainers.image.version=bench',
  `org.opencontainers.image.created=${new Date().toISOString()}`,
];

function rawBuildPush(name, nonce, { noCache = false, labels = false } = {}) {
  const refs = tags.map((t) => `${registry}/${name}:${t}`);
  const args = ['build', '--build-arg', `BASE=${base}`, '--build-arg', `NONCE=${nonce}`, ...refs.flatMap((r) => ['--tag', r])];
  if (labels) args.push(...ociLabels().flatMap((l) => ['--label', l]));
  if (noCache) args.push('--no-cache');
  run('docker', [...args, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  for (const r of refs) run('docker', ['push', r]);
}

function actionRun(inputs) {
  const dir = mkdtempSync(join(tmpdir(), 'dk-bench-'));
  const files = { GITHUB_OUTPUT: join(dir, 'out'), GITHUB_STATE: join(dir, 'state'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const e = { ...process.env, ...files, RUNNER_TEMP: dir, GITHUB_WORKSPACE: root, GITHUB_REF: 'refs/heads/bench', GITHUB_SHA: sha, GITHUB_EVENT_NAME: 'push' };
  for (const [k, v] of Object.entries(inputs)) e[`INPUT_${k.toUpperCase()}`] = v;
  run(actionNode(), [join(root, 'dist', 'build-push', 'index.js')], { env: e, cwd: root });
}

function actionBuildPush(name, nonce) {
  actionRun({ registry, image: name, context: 'test/fixtures/images/app', 'build-args': `BASE=${base}\nNONCE=${nonce}`, builder: 'classic' });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// On a shared machine the fastest run is the least disturbed one: print it beside the median.
const best = (xs) => Math.min(...xs);
const fmt = (ms) => `${(ms / 1000).toFixed(3)}s`;

// Warm-up: the base layer is in the registry and the engine's cache for both sides.
rawBuildPush(`${repo}/raw`, 'warm');
actionBuildPush(`${repo}/action`, 'warm');

const raw = [];
const rawLabelled = [];
const action = [];
const sides = [
  (n) => raw.push(time(() => rawBuildPush(`${repo}/raw`, `r${n}`))),
  (n) => rawLabelled.push(time(() => rawBuildPush(`${repo}/raw`, `l${n}`, { labels: true }))),
  (n) => action.push(time(() => actionBuildPush(`${repo}/action`, `a${n}`))),
];
for (let i = 0; i < iterations; i++) {
  const nonce = `${i}-${randomBytes(4).toString('hex')}`;
  // Rotate the order so no side always runs on a warmer (or busier) engine.
  for (let k = 0; k < sides.length; k++) sides[(i + k) % sides.length](nonce);
}
console.log(`build+push  raw docker build && docker push:          median ${fmt(median(raw))}  [${raw.map(fmt).join(' ')}]`);
console.log(`build+push  raw, with the same OCI labels as the action: median ${fmt(median(rawLabelled))}  [${rawLabelled.map(fmt).join(' ')}]`);
console.log(`build+push  build-push action (classic):              median ${fmt(median(action))}  [${action.map(fmt).join(' ')}]`);
console.log(
  `build+push  overhead ratio action/raw = ${(median(action) / median(raw)).toFixed(3)}× (best runs ${(best(action) / best(raw)).toFixed(3)}×); action/raw-with-labels = ${(median(action) / median(rawLabelled)).toFixed(3)}× (best runs ${(best(action) / best(rawLabelled)).toFixed(3)}×) (target ≤ 1.05×)`,
);

const promote = [];
const rebuild = [];
const rebuildCached = [];
const retag = [];
const skopeo = [];
const source = `${registry}/${repo}/action:${tags[1]}`;
for (let i = 0; i < iterations; i++) {
  promote.push(time(() => actionRun({ registry, image: `${repo}/action`, 'promote-from': tags[1], 'promote-to': `prod-${i}` })));
  rebuild.push(time(() => rawBuildPush(`${repo}/raw`, `rebuild-${i}`, { noCache: true })));
  rebuildCached.push(time(() => rawBuildPush(`${repo}/raw`, `rebuild-${i}`)));
  // The manual way when the image is still local: docker tag + docker push.
  retag.push(
    time(() => {
      run('docker', ['tag', source, `${registry}/${repo}/action:retag-${i}`]);
      run('docker', ['push', `${registry}/${repo}/action:retag-${i}`]);
    }),
  );
  skopeo.push(
    time(() =>
      run('skopeo', [
        'copy',
        '-q',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${source}`,
        `docker://${registry}/${repo}/action:skopeo-${i}`,
      ]),
    ),
  );
}
console.log(`promote     build-push promote (registry API): median ${fmt(median(promote))}  [${promote.map(fmt).join(' ')}]`);
console.log(`promote     rebuild --no-cache + push:         median ${fmt(median(rebuild))}`);
console.log(`promote     rebuild (cached) + push:           median ${fmt(median(rebuildCached))}`);
console.log(`promote     docker tag + push (image local):   median ${fmt(median(retag))}`);
console.log(`promote     skopeo copy (registry to registry): median ${fmt(median(skopeo))}`);
console.log(
  `promote     speed-up rebuild/promote = ${(median(rebuild) / median(promote)).toFixed(1)}× (best runs ${(best(rebuild) / best(promote)).toFixed(1)}×) (target ≥ 10×); vs cached rebuild ${(median(rebuildCached) / median(promote)).toFixed(1)}×; promote/skopeo = ${(median(promote) / median(skopeo)).toFixed(1)}×`,
);

const local = run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'])
  .stdout.split('\n')
  .filter((r) => r.includes(`${repo}/`));
if (local.length) spawnSync('docker', ['rmi', '--force', ...local]);
