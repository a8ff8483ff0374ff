/**
 * Fault matrix (issue #12): SIGTERM mid-restore. migrate-db's bundle runs as the runner runs it; a migration
 * fails and on-failure: restore restores the backup. Another session holds a table, so the restore is
 * provably caught in the middle (PostgreSQL: inside its one transaction; MariaDB: at the RENAME that swaps
 * the restored tables in); the step then gets SIGTERM, as a cancelled job's step does. Per decision 0100 a
 * begun restore runs to its own deadline, not the job's: the step is still running well after the signal,
 * and once the other session lets go the restore completes — the database is exactly the backup, the
 * outputs say restored and name the safety dump. The shared servers are only used, never stopped.
 */
import type { ChildProcess } from 'node:child_process';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../harness/run-action.js';
import {
  createMysqlDatabase,
  createPgDatabase,
  dumpText,
  loadDbServices,
  tempDir,
  useCleanup,
  writeMigrations,
  type Services,
  type TestDatabase,
} from '../integration/db/databases.js';

let services: Services;
const cleanup = useCleanup();
beforeAll(() => {
  services = loadDbServices();
});

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

interface Blocker {
  /** Holds table `keep` so the restore waits for it. */
  hold(): Promise<void>;
  /** Whether the restore's statement is waiting for that hold right now. */
  restoreWaiting(): Promise<boolean>;
  release(): Promise<void>;
}

function pgBlocker(db: TestDatabase): Blocker {
  const client = new pg.Client({ connectionString: db.url });
  client.on('error', () => undefined);
  return {
    async hold() {
      await client.connect();
      await client.query('BEGIN');
      await client.query('LOCK TABLE keep IN ACCESS SHARE MODE');
    },
    restoreWaiting: async () =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'deploy-kit restore' AND wait_event_type = 'Lock' AND datname = current_database()",
        )
      )[0]!.n === 1,
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

function mysqlBlocker(db: TestDatabase): Blocker {
  let conn: mysql.Connection;
  return {
    async hold() {
      conn = await mysql.createConnection(db.url);
      conn.on('error', () => undefined);
      await conn.query('START TRANSACTION');
      await conn.query('SELECT COUNT(*) FROM keep');
    },
    restoreWaiting: async () =>
      Number(
        (
          await db.query<{ n: number }>(
            `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'RENAME TABLE%${db.name}%' AND STATE LIKE '%metadata lock%'`,
          )
        )[0]!.n,
      ) === 1,
    async release() {
      await conn.query('COMMIT');
      await conn.end();
    },
  };
}

async function sigtermMidRestore(db: TestDatabase, blocker: Blocker): Promise<void> {
  const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);', 'V2__broken.sql': 'SELECT * FROM no_such_table;' });
  const before = await dumpText(db.url);
  await blocker.hold();
  let signalled = false;
  let aliveAfterSignal = false;
  const run = await runAction('migrate-db', {
    inputs: { 'database-url': db.url, migrations: dir, 'backup-dir': tempDir(), 'on-failure': 'restore' },
    onSpawn: (child: ChildProcess) => {
      void (async () => {
        if (!(await until(() => blocker.restoreWaiting(), 90_000))) return void (await blocker.release());
        child.kill('SIGTERM');
        signalled = true;
        // A cancelled step that gave up would be gone by now: this one keeps restoring.
        await new Promise((r) => setTimeout(r, 2000));
        aliveAfterSignal = child.exitCode === null && child.signalCode === null;
        await blocker.release();
      })();
    },
    timeoutMs: 150_000,
  });
  const context = run.log.slice(-4000);
  expect(signalled, context).toBe(true);
  expect(aliveAfterSignal, context).toBe(true);
  // The migration failed, so the step fails; but the database is the backup again, and the outputs say so.
  expect(run.exitCode, context).toBe(1);
  expect(run.outputs.restored, context).toBe('true');
  expect(run.outputs['safety-backup'], context).toMatch(/before-restore/);
  expect(run.errors.at(-1), context).toMatch(/V2__broken\.sql/);
  expect(run.errors.at(-1), context).toMatch(/restored/);
  expect(await dumpText(db.url)).toBe(before);
}

describe('fault matrix: SIGTERM mid-restore (migrate-db bundle, on-failure: restore)', () => {
  it('SIGTERM mid-restore (PostgreSQL): the restore runs to completion on its own deadline; the database is the backup, the outputs say restored', async () => {
    const db = await createPgDatabase(services, 'dk_sigterm');
    cleanup(() => db.drop());
    await db.query('CREATE TABLE keep (id int PRIMARY KEY, v text)');
    await db.query("INSERT INTO keep SELECT g, 'v' || g FROM generate_series(1, 100) g");
    await sigtermMidRestore(db, pgBlocker(db));
  }, 200_000);

  it('SIGTERM mid-restore (MariaDB): the restore runs to completion on its own deadline; every table is the backup, the outputs say restored', async () => {
    const db = await createMysqlDatabase(services, 'dk_sigterm');
    cleanup(() => db.drop());
    await db.query('CREATE TABLE keep (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB');
    await db.query("INSERT INTO keep VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    await sigtermMidRestore(db, mysqlBlocker(db));
  }, 200_000);
});
