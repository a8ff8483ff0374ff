/**
 * Fault matrix (issue #12): the database server killed mid-restore, on PostgreSQL 15 and MariaDB. Each test
 * starts a throwaway server of its own (private data directory and port: the shared servers are never
 * touched), holds a lock from another session so the restore is provably caught in the middle (PostgreSQL:
 * inside its one transaction, after the drops of objects newer than the backup; MariaDB: after the dump was
 * loaded into the scratch database, at the RENAME that would swap the tables in), kills every process of
 * the server with SIGKILL, restarts it, and checks what is provable:
 * - the restore fails with a reported error that names the safety dump;
 * - after crash recovery the database is exactly as it was before the restore began.
 */
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase, parseDatabaseUrl, restoreBackup } from '../../../src/db/index.js';
import { RestoreFailedError } from '../../../src/db/restore.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { dumpText, tempDir } from './databases.js';
import { startTlsMariadb, startTlsPostgres, type TlsServer } from './tls-servers.js';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

/** A throwaway server for the describe block, stopped after it. */
function useThrowawayServer(start: () => Promise<TlsServer>): () => TlsServer {
  let server: TlsServer | undefined;
  beforeAll(async () => {
    server = await start();
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
  }, 120_000);
  return () => server!;
}

/** The restore's error: a RestoreFailedError naming the safety dump it wrote into `safetyDir`. */
function expectSafetyDumpNamed(err: Error, safetyDir: string): void {
  expect(err).toBeInstanceOf(RestoreFailedError);
  const safety = (err as RestoreFailedError).safetyBackup;
  expect(safety.startsWith(join(safetyDir, 'dk_killed-before-restore-'))).toBe(true);
  expect(err.message).toContain(`The state before the restore is kept in ${safety}.`);
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

describe('fault matrix: database killed mid-restore (a throwaway PostgreSQL 15 of the test)', () => {
  const server = useThrowawayServer(() => startTlsPostgres());

  it('database killed mid-restore (PostgreSQL): the restore fails naming the safety dump, and after recovery the database is as it was before the restore', async () => {
    const admin = new pg.Client({ connectionString: server().url });
    await admin.connect();
    await admin.query('CREATE DATABASE dk_killed');
    await admin.end();
    const url = withDatabase(server().url, 'dk_killed');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query('CREATE TABLE users (id serial PRIMARY KEY, login text NOT NULL UNIQUE)');
    await db.query('CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users (id), note text)');
    await db.query("INSERT INTO users (login) SELECT 'u' || g FROM generate_series(1, 500) g");
    await db.query("INSERT INTO orders (user_id, note) SELECT id, 'n' || id FROM users");
    const target = parseDatabaseUrl(url);
    const backup = await backupDatabase(target, tempDir());
    // The state the restore would replace: rows gone, a table newer than the backup.
    await db.query('DELETE FROM orders WHERE id % 2 = 0');
    await db.query('CREATE TABLE later (id int)');
    await db.query('INSERT INTO later VALUES (42)');
    await db.end();
    const before = await dumpText(url);

    // Another session reads users: the restore's DROP TABLE users waits for it, mid-transaction.
    const blocker = new pg.Client({ connectionString: url });
    blocker.on('error', () => undefined);
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE users IN ACCESS SHARE MODE');

    const log = memoryLogger();
    const safetyDir = tempDir();
    const restoring = restoreBackup(target, backup.path, { safetyBackupDir: safetyDir, log }).then(
      () => new Error('the restore finished'),
      (err: unknown) => err as Error,
    );
    const watcher = new pg.Client({ connectionString: url });
    watcher.on('error', () => undefined);
    await watcher.connect();
    await until('the restore waiting on the lock', async () => {
      const r = await watcher.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'deploy-kit restore' AND wait_event_type = 'Lock' AND datname = 'dk_killed'",
      );
      return r.rows[0].n === 1;
    });
    await server().kill();
    const err = await restoring;

    expectSafetyDumpNamed(err, safetyDir);
    expect(err.message).toMatch(/rolled back: the database is as it was before/);

    await server().restart();
    // Crash recovery: the one transaction never committed, so not even the drop of `later` happened. A sequence
    // comes back ahead of its last value after a crash (PostgreSQL logs 32 values ahead): not data.
    const withoutCounters = (dump: string) => dump.replace(/(pg_catalog\.setval\('[^']+', )\d+/g, '$1N');
    expect(withoutCounters(await dumpText(url))).toBe(withoutCounters(before));
    expect(before).toContain("pg_catalog.setval('public.orders_id_seq', 500, true)");
  }, 240_000);
});

describe('fault matrix: database killed mid-restore (a throwaway MariaDB of the test)', () => {
  const server = useThrowawayServer(() => startTlsMariadb());

  it('database killed mid-restore (MariaDB): the restore fails naming the safety dump, and after recovery every table is as it was before the restore', async () => {
    const admin = await mysql.createConnection(server().url);
    await admin.query('CREATE DATABASE dk_killed');
    await admin.end();
    const url = withDatabase(server().url, 'dk_killed');
    const db = await mysql.createConnection(url);
    await db.query('CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, login VARCHAR(100) NOT NULL UNIQUE) ENGINE=InnoDB');
    await db.query(
      'CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, n INT NOT NULL DEFAULT 0, CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE=InnoDB',
    );
    await db.query("INSERT INTO users (login) VALUES ('a'), ('b'), ('c'), ('d')");
    await db.query('INSERT INTO orders (user_id) SELECT id FROM users');
    const target = parseDatabaseUrl(url);
    const backup = await backupDatabase(target, tempDir());
    await db.query('DELETE FROM orders WHERE user_id > 2');
    await db.query('CREATE TABLE later (id int) ENGINE=InnoDB');
    await db.query('INSERT INTO later VALUES (42)');
    await db.end();
    const before = await dumpText(url);

    // Another session holds users: the RENAME that swaps the restored tables in waits for its metadata lock.
    const blocker = await mysql.createConnection(url);
    blocker.on('error', () => undefined);
    await blocker.query('START TRANSACTION');
    await blocker.query('SELECT COUNT(*) FROM users');

    const log = memoryLogger();
    const safetyDir = tempDir();
    const restoring = restoreBackup(target, backup.path, { safetyBackupDir: safetyDir, log }).then(
      () => new Error('the restore finished'),
      (err: unknown) => err as Error,
    );
    const watcher = await mysql.createConnection(url);
    watcher.on('error', () => undefined);
    await until('the restore waiting at its RENAME', async () => {
      const [rows] = await watcher.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'RENAME TABLE%' AND STATE LIKE '%metadata lock%'",
      );
      return Number((rows as Array<{ n: number }>)[0]!.n) === 1;
    });
    await server().kill();
    const err = await restoring;

    expectSafetyDumpNamed(err, safetyDir);

    await server().restart();
    // The RENAME is atomic: it never happened, so every table (and row) is the one from before. InnoDB's
    // next AUTO_INCREMENT value is not kept across a crash (it is recomputed from the rows): not data.
    const withoutCounters = (dump: string) => dump.replace(/ AUTO_INCREMENT=\d+/g, '');
    expect(withoutCounters(await dumpText(url))).toBe(withoutCounters(before));
    // The scratch databases it could not drop with the server gone are named in the log for the operator.
    const check = await mysql.createConnection(server().url);
    const [schemas] = await check.query("SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'dk\\_re%'");
    await check.end();
    for (const { n } of schemas as Array<{ n: string }>) expect(log.lines.join('\n')).toContain(n);
  }, 300_000);
});
