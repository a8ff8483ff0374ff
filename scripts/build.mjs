#!/usr/bin/env node
// Bundles every actions/<action>/{main,post}.ts with ncc into dist/<action>/{index.js,post/index.js}.
// Usage: node scripts/build.mjs [action ...]   (default: all actions)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
const wanted = process.argv.slice(2);
const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'main.ts')))
  .map((d) => d.name)
  .filter((a) => wanted.length === 0 || wanted.includes(a))
  .sort();

const jobs = [];
for (const action of actions) {
  const out = join(root, 'dist', action);
  rmSync(out, { recursive: true, force: true });
  jobs.push({ entry: join('actions', action, 'main.ts'), out: join('dist', action) });
  if (existsSync(join(root, 'actions', action, 'post.ts'))) {
    jobs.push({ entry: join('actions', action, 'post.ts'), out: join('dist', action, 'post') });
  }
}

function build({ entry, out }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ncc, 'build', entry, '-o', out, '--quiet', '--target', 'es2022'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ncc failed for ${entry} (exit ${code})`))));
  });
}

const started = Date.now();
const queue = [...jobs];
const workers = Array.from({ length: 2 }, async () => {
  while (queue.length) await build(queue.shift());
});
await Promise.all(workers);
console.log(`built ${jobs.length} bundle(s) for ${actions.join(', ') || 'no action'} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
