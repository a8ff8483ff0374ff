/**
 * Throw-away databases on the shared PostgreSQL and MariaDB servers: each test gets its own,
 * named with a random suffix, and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach } from 'vitest';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { loadServices } from '../../support/services.js';

export interface Services {
  pgUrl: string;
  mysqlUrl: string;
}

/** The shared servers, from test/support/services.ts (process.env, then .services/env). */
export function loadDbServices(): Services {
  const env = loadServices();
  return { pgUrl: env.DK_PG_URL, mysqlUrl: env.DK_MYSQL_URL };
}

/** Cleanups run after each test, last registered first; returns the function that registers one. */
export function useCleanup(): (fn: () => Promise<unknown>) => void {
  const list: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    while (list.length) await list.pop()!().catch(() => undefined);
  });
  return (fn) => void list.push(fn);
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Runs SQL (one statement) and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createPgDatabase(services: Services, prefix = 'dk_mig'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: services.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(services.pgUrl, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    name,
    url,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async drop() {
      await client.end().catch(() => undefined);
      const a = new pg.Client({ connectionString: services.pgUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export async function createMysqlDatabase(services: Services, prefix = 'dk_mig'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = await mysql.createConnection(services.mysqlUrl);
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  const url = withDatabase(services.mysqlUrl, name);
  const conn = await mysql.createConnection(url);
  return {
    name,
    url,
    async query<T>(sql: string, params: unknown[] = []) {
      const [rows] = await conn.query(sql, params);
      return rows as T[];
    },
    async drop() {
      await conn.end().catch(() => undefined);
      const a = await mysql.createConnection(services.mysqlUrl);
      await a.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await a.end();
    },
  };
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../../../src/exec/run.js';
import { clientEnvironment, mysqlClientArgs, parseDatabaseUrl, pgConnectionArgs } from '../../../src/db/url.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh migrations directory holding `files` (name → SQL); removed after the test file. */
export function writeMigrations(files: Record<string, string>): string {
  const dir = tempDir('dk-migrations-');
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

/** A temp directory (backups, migrations), removed after the test file. */
export function tempDir(prefix = 'dk-backups-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** The whole database as the dump tool prints it (schema and data), to compare states exactly. */
export async function dumpText(url: string): Promise<string> {
  const t = parseDatabaseUrl(url);
  const env = clientEnvironment(t);
  if (t.engine === 'postgres') {
    // pg_dump 15.14+ brackets the script with a random \\restrict key: the one line that differs between runs.
    return (await runProgram('pg_dump', pgConnectionArgs(t), { env })).stdout.replace(/^\\(un)?restrict .*$/gm, '');
  }
  const r = await runProgram('mysqldump', [...mysqlClientArgs(t), '--single-transaction', '--routines', '--triggers', '--skip-dump-date', t.database], { env });
  return r.stdout;
}
