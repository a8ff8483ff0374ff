#!/usr/bin/env node
// Bundles every actions/<action>/{main,post}.ts with ncc into dist/<action>/{index.js,post/index.js},
// and the CLI (src/cli/main.ts) into dist/cli/index.js.
// Usage: node scripts/build.mjs [--out DIR] [--no-typecheck] [action|cli ...]   (default: everything, into dist/)
// The type check (tsc, the root tsconfig) runs first; ncc then only transpiles (--transpile-only, with the
// bundling tsconfig beside the entries: actions/tsconfig.json, src/cli/tsconfig.json), which gives the same
// bundles as a type-checking ncc at a third of its time.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const argv = process.argv.slice(2);
let outDir = join(root, 'dist');
const outFlag = argv.indexOf('--out');
if (outFlag >= 0) {
  outDir = resolve(argv[outFlag + 1]);
  argv.splice(outFlag, 2);
}
const noTypecheck = argv.indexOf('--no-typecheck');
if (noTypecheck >= 0) argv.splice(noTypecheck, 1);
const wanted = argv;
const want = (name) => wanted.length === 0 || wanted.includes(name);
const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'main.ts')))
  .map((d) => d.name)
  .filter(want)
  .sort();

const jobs = [];
if (want('cli')) jobs.push({ name: 'cli', entry: join('src', 'cli', 'main.ts'), out: join(outDir, 'cli') });
for (const action of actions) {
  jobs.push({ name: action, entry: join('actions', action, 'main.ts'), out: join(outDir, action) });
  if (existsSync(join(root, 'actions', action, 'post.ts'))) {
    jobs.push({ name: `${action}/post`, entry: join('actions', action, 'post.ts'), out: join(outDir, action, 'post') });
  }
}
// Type-check before anything in the output is removed.
if (noTypecheck < 0) {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(root, 'tsconfig.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) {
    console.error('build: the type check failed; nothing was bundled.');
    process.exit(1);
  }
}
for (const name of new Set(jobs.map((j) => j.name.split('/')[0]))) rmSync(join(outDir, name), { recursive: true, force: true });

function build({ entry, out }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [ncc, 'build', entry, '-o', out, '--quiet', '--target', 'es2022', '--transpile-only'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`ncc failed for ${entry} (exit ${code})`))));
  });
}

const started = Date.now();
const queue = [...jobs];
await Promise.all(
  Array.from({ length: 2 }, async () => {
    while (queue.length) await build(queue.shift());
  }),
);
console.log(`built ${jobs.map((j) => j.name).join(', ') || 'nothing'} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
