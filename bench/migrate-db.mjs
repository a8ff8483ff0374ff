#!/usr/bin/env node
// migrate-db benchmark: 500 small migrations (create table / add column / index) on a fresh
// PostgreSQL database — the migrate-db bundle (history + checksums written) vs `psql -1 -f` of the
// same SQL concatenated (the floor) vs `node-pg-migrate up` on the same files (the peer, installed
// under the OS temp dir, never a project dependency). Then the backup step on a ~500 MB pgbench
// database (`pgbench -i -s 35`, about a minute in all) vs a raw `pg_dump -Fc` of it; skip it with
// --skip-backup (or DK_BENCH_BACKUP=0), or run only it with --backup-only.
//
//   node bench/migrate-db.mjs [--count 500] [--runs 5] [--skip-backup | --backup-only] [--scale 35]
//
// Needs DK_PG_URL (or .services/env from scripts/services.sh) and a built bundle.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { actionNode } from '../scripts/action-node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '500' },
    runs: { type: 'string', default: '5' },
    'skip-backup': { type: 'boolean', default: process.env.DK_BENCH_BACKUP === '0' },
    scale: { type: 'string', default: '35' },
    'backup-only': { type: 'boolean', default: false },
  },
});
const COUNT = Number(args.count);
const RUNS = Number(args.runs);

function servicesUrl() {
  if (process.env.DK_PG_URL) return process.env.DK_PG_URL;
  const file = join(root, '.services', 'env');
  const m = existsSync(file) ? /^DK_PG_URL=(.*)$/m.exec(readFileSync(file, 'utf8')) : null;
  if (m) return m[1];
  throw new Error('DK_PG_URL is not set: run `bash scripts/services.sh up` (and load .services/env) first');
}
const adminUrl = new URL(servicesUrl());
const pgEnv = (db) => ({
  ...process.env,
  PGHOST: adminUrl.hostname,
  PGPORT: adminUrl.port || '5432',
  PGUSER: decodeURIComponent(adminUrl.username),
  PGPASSWORD: decodeURIComponent(adminUrl.password),
  PGDATABASE: db,
});
const dbUrl = (db) => {
  const u = new URL(adminUrl);
  u.pathname = `/${db}`;
  return u.toString();
};

/** @param {string} cmd @param {string[]} argv @param {{ env?: NodeJS.ProcessEnv, input?: string, quiet?: boolean }} [options] */
function run(cmd, argv, { env, input, quiet = true } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.stdin.end(input ?? '');
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}:\n${err || out}`));
      if (!quiet) process.stdout.write(out);
      resolve({ ms, out, err });
    });
  });
}

const psqlAdmin = (sql) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: pgEnv('postgres') });
let dbSeq = 0;
async function freshDb() {
  const name = `dk_bench_${process.pid}_${++dbSeq}`;
  await psqlAdmin(`DROP DATABASE IF EXISTS ${name}`);
  await psqlAdmin(`CREATE DATABASE ${name}`);
  return name;
}
const dropDb = (name) => psqlAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);

function migrationSql(i) {
  switch (i % 3) {
    case 1:
      return `CREATE TABLE t${i} (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now());\n`;
    case 2:
      return `ALTER TABLE t${i - 1} ADD COLUMN c${i} INTEGER;\n`;
    default:
      return `CREATE INDEX t${i - 2}_c${i - 1}_idx ON t${i - 2} (c${i - 1});\n`;
  }
}

function writeMigrations() {
  const dir = mkdtempSync(join(tmpdir(), 'dk-bench-migrations-'));
  const all = [];
  for (let i = 1; i <= COUNT; i++) {
    const sql = migrationSql(i);
    writeFileSync(join(dir, `${String(i).padStart(4, '0')}_m${i}.up.sql`), sql);
    all.push(sql);
  }
  const allFile = join(mkdtempSync(join(tmpdir(), 'dk-bench-all-')), 'all.sql');
  writeFileSync(allFile, all.join(''));
  return { dir, allFile };
}

function actionEnv(inputs) {
  const env = { ...process.env, GITHUB_ACTIONS: 'true', RUNNER_TEMP: mkdtempSync(join(tmpdir(), 'dk-bench-runner-')) };
  for (const k of Object.keys(env)) if (k.startsWith('INPUT_')) delete env[k];
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = String(v);
  return env;
}

function ensurePeer() {
  const prefix = join(tmpdir(), 'deploy-kit-bench-peer');
  const bin = join(prefix, 'node_modules', '.bin', 'node-pg-migrate');
  if (!existsSync(bin)) {
    mkdirSync(prefix, { recursive: true });
    if (!existsSync(join(prefix, 'package.json'))) writeFileSync(join(prefix, 'package.json'), '{"private":true}\n');
    console.log(`installing node-pg-migrate under ${prefix} (bench only) …`);
    const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', 'node-pg-migrate@9', 'pg@8'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm install node-pg-migrate failed');
  }
  return bin;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

const min = (xs) => Math.min(...xs);

/** Runs each contender once per round, in turn, on a fresh database: background load hits all alike. */
async function interleaved(contenders) {
  const times = contenders.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    for (const [i, c] of contenders.entries()) {
      const db = await freshDb();
      try {
        times[i].push(await c.run(db));
      } finally {
        await dropDb(db);
      }
    }
  }
  for (const [i, c] of contenders.entries()) {
    console.log(`${c.label.padEnd(44)} best ${fmt(min(times[i]))}  median ${fmt(median(times[i]))}  (runs: ${times[i].map(fmt).join(', ')})`);
  }
  return times;
}

async function migrationsBench() {
  const bundle = join(root, 'dist', 'migrate-db', 'index.js');
  if (!existsSync(bundle)) throw new Error('dist/migrate-db/index.js is missing: node scripts/build.mjs migrate-db');
  const { dir, allFile } = writeMigrations();
  const peer = ensurePeer();
  console.log(`\n== ${COUNT} migrations on a fresh database, ${RUNS} interleaved rounds (PostgreSQL at ${adminUrl.host}) ==`);
  const [floor, dk, dkBackup, npm] = await interleaved([
    {
      label: 'psql -1 -f all.sql (floor)',
      run: async (db) => (await run('psql', ['-X', '-q', '-1', '-v', 'ON_ERROR_STOP=1', '-f', allFile], { env: pgEnv(db) })).ms,
    },
    {
      label: 'deploy-kit migrate-db (backup: false)',
      run: async (db) => {
        const r = await run(actionNode(), [bundle], { env: actionEnv({ 'database-url': dbUrl(db), migrations: dir, backup: 'false' }) });
        const check = await run('psql', ['-XAtc', 'SELECT count(*) FROM deploy_kit_migrations WHERE checksum IS NOT NULL'], { env: pgEnv(db) });
        if (check.out.trim() !== String(COUNT)) throw new Error(`deploy-kit recorded ${check.out.trim()} rows, expected ${COUNT}`);
        return r.ms;
      },
    },
    {
      label: 'deploy-kit migrate-db (default: backup on)',
      run: async (db) => (await run(actionNode(), [bundle], { env: actionEnv({ 'database-url': dbUrl(db), migrations: dir }) })).ms,
    },
    {
      label: 'node-pg-migrate up (peer)',
      run: async (db) => {
        const r = await run(peer, ['up', '-m', dir, '--single-transaction', '--no-check-order', '--no-verbose'], {
          env: { ...process.env, DATABASE_URL: dbUrl(db) },
        });
        const check = await run('psql', ['-XAtc', 'SELECT count(*) FROM pgmigrations'], { env: pgEnv(db) });
        if (check.out.trim() !== String(COUNT)) throw new Error(`node-pg-migrate recorded ${check.out.trim()} rows, expected ${COUNT}`);
        return r.ms;
      },
    },
  ]);
  const ratio = (a, b) => `${(min(a) / min(b)).toFixed(2)}× best-of-${RUNS}, ${(median(a) / median(b)).toFixed(2)}× median`;
  console.log(`\nratio deploy-kit / floor            = ${ratio(dk, floor)}  (target ≤ 1.25×)`);
  console.log(`ratio deploy-kit+backup / floor     = ${ratio(dkBackup, floor)}`);
  console.log(`ratio node-pg-migrate / floor       = ${ratio(npm, floor)}`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(dirname(allFile), { recursive: true, force: true });
}

async function backupBench() {
  const bundle = join(root, 'dist', 'migrate-db', 'index.js');
  const db = await freshDb();
  const out = mkdtempSync(join(tmpdir(), 'dk-bench-backup-'));
  try {
    console.log(`\n== backup step on pgbench -i -s ${args.scale} ==`);
    const init = await run('pgbench', ['-i', '-q', '-s', args.scale], { env: pgEnv(db) });
    const size = (await run('psql', ['-XAtc', 'SELECT pg_size_pretty(pg_database_size(current_database()))'], { env: pgEnv(db) })).out.trim();
    console.log(`pgbench -i -s ${args.scale}: ${fmt(init.ms)}, database size ${size}`);
    const raws = [];
    const steps = [];
    for (let r = 0; r < RUNS; r++) {
      const rawFile = join(out, `raw-${r}.dump`);
      raws.push((await run('pg_dump', ['-Fc', '-f', rawFile], { env: pgEnv(db) })).ms);
      const bytes = statSync(rawFile).size;
      rmSync(rawFile);
      // The action's backup step as it runs it: one pending migration, backup on; the log says how long
      // the step (pg_dump -Fc, then pg_restore --list to read it back) took.
      const migDir = mkdtempSync(join(tmpdir(), 'dk-bench-one-'));
      writeFileSync(join(migDir, `V${r + 1}__noop.sql`), 'SELECT 1;\n');
      for (let k = 1; k <= r; k++) writeFileSync(join(migDir, `V${k}__noop.sql`), 'SELECT 1;\n');
      const res = await run(actionNode(), [bundle], { env: actionEnv({ 'database-url': dbUrl(db), migrations: migDir, 'backup-dir': out }) });
      const m = /read back in ([\d.]+)(ms|s)\b/.exec(res.out);
      if (!m) throw new Error(`no backup timing in the action's log:\n${res.out}`);
      steps.push(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
      console.log(`  run ${r + 1}: raw pg_dump -Fc ${fmt(raws.at(-1))} (${(bytes / 1e6).toFixed(0)} MB), deploy-kit backup step ${fmt(steps.at(-1))}`);
      for (const f of spawnSync('ls', [out]).stdout.toString().split('\n').filter(Boolean)) rmSync(join(out, f));
      rmSync(migDir, { recursive: true, force: true });
    }
    console.log(
      `\nratio deploy-kit backup step / raw pg_dump -Fc = ${(min(steps) / min(raws)).toFixed(2)}× best-of-${RUNS}, ${(median(steps) / median(raws)).toFixed(2)}× median  (target ≤ 1.1×)`,
    );
  } finally {
    await dropDb(db);
    rmSync(out, { recursive: true, force: true });
  }
}

if (!args['backup-only']) await migrationsBench();
if (!args['skip-backup'] || args['backup-only']) await backupBench();
