/**
 * Faults from issue #12's matrix that no other test covered, each ending in a known, reported state with
 * nothing half-applied: the database session killed mid-migration, and a full disk while backing up
 * (a small tmpfs mounted for the test; the tests run as root).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun, type RunActionOptions } from '../harness/run-action.js';
import { createPgDatabase, dumpText, loadDbServices, tempDir, writeMigrations, useCleanup, type Services } from '../integration/db/databases.js';

let services: Services;
const cleanup = useCleanup();
beforeAll(() => {
  services = loadDbServices();
});

const STACK = /^\s+at .+(?:\(.+:\d+:\d+\)|:\d+:\d+)$/m;

/**
 * A clean failure: exit 1, one plain error line (beside at most one annotation on the file that failed),
 * no stack trace, not reported as a bug.
 */
function expectReportedFailure(run: ActionRun, message: RegExp): void {
  const context = run.log.slice(0, 4000);
  expect(run.exitCode, context).toBe(1);
  const plain = [...run.log.matchAll(/^::error::(.*)$/gm)];
  const annotations = [...run.log.matchAll(/^::error [^:]*file=[^:]*::/gm)];
  expect(plain, context).toHaveLength(1);
  expect(annotations.length, context).toBeLessThanOrEqual(1);
  expect(run.errors.at(-1), context).toMatch(message);
  expect(run.log, context).not.toMatch(STACK);
  expect(run.log, context).not.toContain('this is a bug in deploy-kit');
}

/** Calls `act` once `text` shows in the run's log. */
function when(text: string, act: () => Promise<void> | void): NonNullable<RunActionOptions['onSpawn']> {
  return (child: ChildProcess, output: () => string) => {
    const poll = setInterval(() => {
      if (!output().includes(text)) return;
      clearInterval(poll);
      setTimeout(() => void act(), 300);
    }, 50);
    child.on('close', () => clearInterval(poll));
  };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('fault matrix: faults no other test covers (real PostgreSQL, a real full disk)', () => {
  it('database session killed mid-migration (pg_terminate_backend): a reported failure, the transaction rolled back, the lock free, a re-run completes', async () => {
    const db = await createPgDatabase(services, 'dk_fault');
    cleanup(() => db.drop());
    const dir = writeMigrations({
      'V1__a.sql': 'CREATE TABLE a (id int);',
      'V2__slow.sql': 'INSERT INTO a VALUES (2);\nSELECT pg_sleep(60);',
      'V3__c.sql': 'CREATE TABLE c (id int);',
    });
    const before = await dumpText(db.url);
    const inputs = { 'database-url': db.url, migrations: dir, 'backup-dir': tempDir(), 'lock-timeout': '20s' };
    let terminated = 0;
    const run = await runAction('migrate-db', {
      inputs,
      onSpawn: when('Applying V2__slow.sql', async () => {
        const rows = await db.query<{ ok: boolean }>(
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'deploy-kit migrate-db%' AND query LIKE '%pg_sleep%'",
        );
        terminated = rows.filter((r) => r.ok).length;
      }),
      timeoutMs: 90_000,
    });
    expect(terminated).toBe(1);
    expectReportedFailure(run, /terminat|connection|V2__slow/i);
    expect(run.summary).toMatch(/rolled back|failed/i);
    expect(await dumpText(db.url)).toBe(before);
    const locks = async (): Promise<number> =>
      Number(
        (
          await db.query<{ n: string }>(
            "SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
          )
        )[0]!.n,
      );
    expect(await waitUntil(async () => (await locks()) === 0, 5000)).toBe(true);

    // The same files with a fast V2: the re-run takes the lock and applies everything once.
    writeFileSync(join(dir, 'V2__slow.sql'), 'INSERT INTO a VALUES (2);\nSELECT pg_sleep(0.1);');
    const rerun = await runAction('migrate-db', { inputs, timeoutMs: 90_000 });
    expect(rerun.errors).toEqual([]);
    expect(JSON.parse(rerun.outputs.applied!).map((a: { version: string }) => a.version)).toEqual(['1', '2', '3']);
  }, 180_000);

  describe('disk full while backing up', () => {
    let mount: string;
    beforeAll(() => {
      mount = mkdtempSync(join(tmpdir(), 'dk-full-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount]);
    });
    afterAll(() => {
      if (!mount) return;
      execFileSync('umount', [mount]);
      rmdirSync(mount);
    });

    it('disk full while backing up (a 256 KiB tmpfs): a reported failure naming the disk, nothing migrated, no partial backup left behind', async () => {
      const db = await createPgDatabase(services, 'dk_fault');
      cleanup(() => db.drop());
      // About 3 MB of random hex: even compressed, far more than the 256 KiB the backup directory has.
      await db.query('CREATE TABLE payload AS SELECT g AS id, md5(random()::text) || md5(random()::text) AS v FROM generate_series(1, 50000) g');
      const before = await dumpText(db.url);
      const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);', 'V2__b.sql': 'ALTER TABLE payload ADD COLUMN note text;' });
      const run = await runAction('migrate-db', { inputs: { 'database-url': db.url, migrations: dir, 'backup-dir': mount }, timeoutMs: 120_000 });
      expectReportedFailure(run, /No space left on device/);
      expect(run.errors[0]).toMatch(/backup|pg_dump/i);
      // Nothing was applied: the database is as it was, without even the history table.
      expect(await dumpText(db.url)).toBe(before);
      // A half-written dump that looks like a backup would be worse than none: nothing is left.
      expect(readdirSync(mount)).toEqual([]);
      expect(run.outputs['backup-path'] ?? '').toBe('');
      expect(existsSync(join(mount, 'lost+found'))).toBe(false);
    }, 180_000);
  });
});
