import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import {
  advisoryLockKey,
  applyMigrations,
  backupDatabase,
  MigrationFailedError,
  migrateTo,
  parseDatabaseUrl,
  readMigrationDirectory,
  restoreBackup,
  type MigrateOptions,
} from '../../../src/db/index.js';
import { createPgDatabase, dumpText, loadDbServices, tempDir, writeMigrations, useCleanup, type Services, type TestDatabase } from './databases.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'migrations', 'postgres');
let services: Services;
const cleanup = useCleanup();

beforeAll(() => {
  services = loadDbServices();
});

async function database(): Promise<TestDatabase> {
  const db = await createPgDatabase(services);
  cleanup(() => db.drop());
  return db;
}

function options(db: TestDatabase, dir: string, extra: Partial<MigrateOptions> = {}): MigrateOptions {
  return {
    target: parseDatabaseUrl(db.url),
    migrations: readMigrationDirectory(dir, 'postgres'),
    backupDir: tempDir(),
    lockTimeoutMs: 20_000,
    appliedBy: 'vitest',
    ...extra,
  };
}

async function versions(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ version: string }>('SELECT version::text AS version FROM deploy_kit_migrations ORDER BY version');
  return rows.map((r) => r.version);
}

describe('migrate-db engine on PostgreSQL 15 (real server)', () => {
  it('applies a set with history and checksums, takes a readable backup first, and a re-run applies nothing', async () => {
    const db = await database();
    const first = await applyMigrations(options(db, fixtures));
    expect(first.applied.map((a) => a.version)).toEqual(['1', '2', '3', '4']);
    expect(first.previousVersion).toBeUndefined();
    expect(first.currentVersion).toBe('4');
    expect(first.backup && existsSync(first.backup.path)).toBe(true);
    expect(first.backup!.path).toMatch(new RegExp(`${db.name}-\\d{8}T\\d{6}Z\\.dump$`));
    // The seeds' verify query works unchanged.
    const [top] = await db.query<{ version: string }>('SELECT version FROM deploy_kit_migrations ORDER BY version DESC LIMIT 1');
    expect(String(top!.version)).toBe('4');
    const rows = await db.query<{ version: string; name: string; checksum: string; applied_by: string; execution_ms: number }>(
      'SELECT version::text, name, checksum, applied_by, execution_ms FROM deploy_kit_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.name)).toEqual(['create users', 'add email', 'create orders', 'index orders concurrently']);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum) && r.applied_by === 'vitest' && r.execution_ms >= 0)).toBe(true);
    const [idx] = await db.query<{ valid: boolean }>("SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'orders_user_id_idx'::regclass");
    expect(idx!.valid).toBe(true);

    const before = await dumpText(db.url);
    const again = await applyMigrations(options(db, fixtures));
    expect(again.applied).toEqual([]);
    expect(again.pendingCount).toBe(0);
    expect(again.backup).toBeUndefined();
    expect(await dumpText(db.url)).toBe(before);
  });

  it('a failing migration in the middle leaves the database exactly as before the run (transaction-mode all), with the error line', async () => {
    const db = await database();
    const dir = writeMigrations({
      'V1__base.sql': 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n',
    });
    await applyMigrations(options(db, dir));
    const before = await dumpText(db.url);
    writeFileSync(join(dir, 'V2__ok.sql'), 'CREATE TABLE b (id int);\nINSERT INTO a VALUES (2);\n');
    writeFileSync(join(dir, 'V3__broken.sql'), 'CREATE TABLE c (id int);\n\nSELEC 1;\n');
    writeFileSync(join(dir, 'V4__never.sql'), 'CREATE TABLE d (id int);\n');
    const log = memoryLogger();
    const err = await applyMigrations(options(db, dir, { log })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationFailedError);
    const f = (err as MigrationFailedError).result.failure!;
    expect(f.file).toBe('V3__broken.sql');
    expect(f.line).toBe(3);
    expect(f.message).toMatch(/syntax error at or near "SELEC"/);
    expect(f.outcome).toBe('rolled-back');
    expect(f.undone).toEqual(['2', '3']);
    expect((err as MigrationFailedError).result.applied).toEqual([]);
    expect(await dumpText(db.url)).toBe(before);
    expect(await versions(db)).toEqual(['1']);
  });

  it('per-migration mode stops at the last good version with a consistent history', async () => {
    const db = await database();
    const dir = writeMigrations({
      'V1__base.sql': 'CREATE TABLE a (id int);',
      'V2__ok.sql': 'CREATE TABLE b (id int);',
      'V3__broken.sql': 'CREATE TABLE c (id int);\nINSERT INTO c VALUES (1 / 0);',
      'V4__never.sql': 'CREATE TABLE d (id int);',
    });
    const err = await applyMigrations(options(db, dir, { transactionMode: 'per-migration' })).catch((e: unknown) => e);
    const result = (err as MigrationFailedError).result;
    expect(result.failure!.message).toMatch(/division by zero/);
    expect(result.failure!.outcome).toBe('rolled-back');
    expect(result.applied.map((a) => a.version)).toEqual(['1', '2']);
    expect(result.currentVersion).toBe('2');
    expect(await versions(db)).toEqual(['1', '2']);
    const tables = await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    expect(tables.map((t) => t.t)).toEqual(['a', 'b', 'deploy_kit_migrations']);
  });

  it('refuses a changed checksum before applying anything, and allow-changed repairs it', async () => {
    const db = await database();
    const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);' });
    await applyMigrations(options(db, dir));
    writeFileSync(join(dir, 'V1__a.sql'), 'CREATE TABLE a (id bigint);');
    writeFileSync(join(dir, 'V2__b.sql'), 'CREATE TABLE b (id int);');
    const before = await dumpText(db.url);
    const err = await applyMigrations(options(db, dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/V1__a\.sql was changed after it was applied/);
    expect(await dumpText(db.url)).toBe(before);
    const repaired = await applyMigrations(options(db, dir, { allowChanged: true }));
    expect(repaired.applied.map((a) => a.version)).toEqual(['2']);
    expect((await applyMigrations(options(db, dir))).applied).toEqual([]);
  });

  it('dry-run prints the plan and changes nothing (not even the history table)', async () => {
    const db = await database();
    const before = await dumpText(db.url);
    const r = await applyMigrations(options(db, fixtures, { dryRun: true }));
    expect(r.plan.steps.map((s) => [s.version, s.statementCount, s.transactional])).toEqual([
      ['1', 1, true],
      ['2', 2, true],
      ['3', 3, true],
      ['4', 1, false],
    ]);
    expect(r.plan.batches.map((b) => b.steps.length)).toEqual([3, 1]);
    expect(r.backup).toBeUndefined();
    expect(await dumpText(db.url)).toBe(before);
  });

  it('lock-timeout: a second run fails naming who holds the lock, and nothing changes', async () => {
    const db = await database();
    const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);' });
    const pg = (await import('pg')).default;
    const holder = new pg.Client({ connectionString: db.url, application_name: 'release-42 by alice' });
    await holder.connect();
    cleanup(() => holder.end());
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockKey('public.deploy_kit_migrations').toString()]);
    const t0 = Date.now();
    const err = await applyMigrations(options(db, dir, { lockTimeoutMs: 800 })).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((err as Error).message).toMatch(/another migration run holds the lock.*"release-42 by alice" \(pid \d+/);
    expect((err as Error).message).toMatch(/lock-timeout 800ms/);
    const [t] = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'public'");
    expect(t!.n).toBe('0');
  });

  it('two runs at once apply each migration exactly once', async () => {
    const db = await database();
    await db.query('CREATE TABLE hits (v int)');
    const dir = writeMigrations({
      'V1__slow.sql': 'INSERT INTO hits VALUES (1);\nSELECT pg_sleep(1.5);',
      'V2__two.sql': 'INSERT INTO hits VALUES (2);',
    });
    const [a, b] = await Promise.all([applyMigrations(options(db, dir, { backup: false })), applyMigrations(options(db, dir, { backup: false }))]);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, 2]);
    expect(Math.max(a.lockWaitMs, b.lockWaitMs)).toBeGreaterThan(200);
    const hits = await db.query<{ v: number }>('SELECT v FROM hits ORDER BY v');
    expect(hits.map((h) => h.v)).toEqual([1, 2]);
  });

  it('CREATE INDEX CONCURRENTLY completes while another run waits on the lock', async () => {
    const db = await database();
    await db.query('CREATE TABLE big AS SELECT g AS id FROM generate_series(1, 20000) g');
    const dir = writeMigrations({
      'V1__slow.sql': 'SELECT pg_sleep(2);',
      'V2__index.sql': '-- deploy-kit:no-transaction\nCREATE INDEX CONCURRENTLY big_id_idx ON big (id);\n',
    });
    const first = applyMigrations(options(db, dir, { backup: false, lockTimeoutMs: 30_000 }));
    await new Promise((r) => setTimeout(r, 300));
    const log = memoryLogger();
    const second = applyMigrations(options(db, dir, { backup: false, lockTimeoutMs: 30_000, log }));
    const t0 = Date.now();
    const [a, b] = await Promise.all([first, second]);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(a.applied.map((x) => x.version)).toEqual(['1', '2']);
    expect(b.applied).toEqual([]);
    expect(log.lines.some((l) => /Waiting up to .* held by "deploy-kit migrate-db vitest"/.test(l))).toBe(true);
    const [idx] = await db.query<{ valid: boolean }>("SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'big_id_idx'::regclass");
    expect(idx!.valid).toBe(true);
  });

  it('a failing no-transaction file restores the backup by default (on-failure auto)', async () => {
    const db = await database();
    const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (1), (1);' });
    await applyMigrations(options(db, dir));
    const before = await dumpText(db.url);
    writeFileSync(join(dir, 'V2__b.sql'), 'CREATE TABLE b (id int);');
    writeFileSync(join(dir, 'V3__idx.sql'), '-- deploy-kit:no-transaction\nCREATE TABLE c (id int);\nCREATE UNIQUE INDEX CONCURRENTLY a_id ON a (id);\n');
    const err = await applyMigrations(options(db, dir)).catch((e: unknown) => e);
    const f = (err as MigrationFailedError).result.failure!;
    expect(f.file).toBe('V3__idx.sql');
    expect(f.line).toBe(3);
    expect(f.outcome).toBe('restored');
    expect(f.undone.sort()).toEqual(['2', '3']);
    // The invalid index CIC left behind, table c and V2's table b are all gone.
    expect(await dumpText(db.url)).toBe(before);
  });

  it('backup → restore round trip gives an identical pg_dump', async () => {
    const db = await database();
    await applyMigrations(options(db, fixtures, { backup: false }));
    await db.query("INSERT INTO users (login, email) VALUES ('a', 'A@x'), ('b', 'b@x')");
    await db.query("INSERT INTO orders (user_id, state) SELECT id, 'paid' FROM users");
    const original = await dumpText(db.url);
    const target = parseDatabaseUrl(db.url);
    const backup = await backupDatabase(target, tempDir());
    expect(backup.entries).toBeGreaterThan(10);
    await db.query('DELETE FROM orders');
    await db.query('ALTER TABLE users ADD COLUMN extra int');
    await db.query('CREATE TABLE later (id int)');
    await db.query('CREATE SCHEMA side');
    await db.query("CREATE FUNCTION side.f() RETURNS int AS 'SELECT 1' LANGUAGE sql");
    expect(await dumpText(db.url)).not.toBe(original);
    const r = await restoreBackup(target, backup.path, { safetyBackupDir: tempDir() });
    expect(r.dropped).toEqual(expect.arrayContaining(['TABLE public.later', 'SCHEMA side']));
    expect(await dumpText(db.url)).toBe(original);
  });

  it('goes down with allow-down only, running .down files in reverse order', async () => {
    const db = await database();
    await applyMigrations(options(db, fixtures, { backup: false }));
    await expect(migrateTo('2', options(db, fixtures))).rejects.toThrow(/to-version 2 is below the database's current version 4.*allow-down: true/);
    const down = await migrateTo('2', { ...options(db, fixtures), allowDown: true });
    expect(down.applied.map((a) => `${a.direction}:${a.version}`)).toEqual(['down:4', 'down:3']);
    expect(down.previousVersion).toBe('4');
    expect(down.currentVersion).toBe('2');
    expect(await versions(db)).toEqual(['1', '2']);
    const [o] = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_tables WHERE tablename = 'orders'");
    expect(o!.n).toBe('0');
  });

  it('baseline-version adopts an existing database; expect-version checks the end state before anything runs', async () => {
    const db = await database();
    await db.query('CREATE TABLE users (id bigserial primary key, login text not null unique, created_at timestamptz not null default now())');
    const dir = tempDir('dk-migrations-');
    cpSync(fixtures, dir, { recursive: true });
    await expect(applyMigrations(options(db, dir, { baselineVersion: '1', expectVersion: '3' }))).rejects.toThrow(
      /expect-version is 3, but after this run the database would be at 4/,
    );
    expect(await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'deploy_kit_migrations'")).toEqual([]);
    const r = await applyMigrations(options(db, dir, { baselineVersion: '1', expectVersion: '4' }));
    expect(r.applied.map((a) => a.version)).toEqual(['2', '3', '4']);
    const rows = await db.query<{ version: string; name: string; checksum: string | null }>(
      'SELECT version::text, name, checksum FROM deploy_kit_migrations ORDER BY version',
    );
    expect(rows[0]).toEqual({ version: '1', name: '<< baseline >>', checksum: null });
    expect(readFileSync(join(dir, 'V1__create_users.sql'), 'utf8')).toContain('CREATE TABLE users');
  });

  it('honours sslmode: prefer falls back to plain on a server without TLS; require refuses it clearly', async () => {
    const db = await database();
    const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);' });
    const prefer = await applyMigrations(options(db, dir, { target: parseDatabaseUrl(`${db.url}?sslmode=prefer`), backup: true }));
    expect(prefer.applied).toHaveLength(1);
    expect(existsSync(prefer.backup!.path)).toBe(true);
    const err = await applyMigrations(options(db, dir, { target: parseDatabaseUrl(`${db.url}?sslmode=require`) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/does not support SSL connections \(use sslmode=disable or prefer\)/);
  });

  it('a schema-qualified history table is created in its schema, and the lock is per history table', async () => {
    const db = await database();
    const dir = writeMigrations({
      'V1.1__a.sql': 'CREATE TABLE a (id int);',
      'V1.10__b.sql': 'CREATE TABLE b (id int);',
      'V1.9__c.sql': 'CREATE TABLE c (id int);',
    });
    const r = await applyMigrations(options(db, dir, { historyTable: 'ops.migrations', backup: false }));
    expect(r.applied.map((a) => a.version)).toEqual(['1.1', '1.9', '1.10']);
    expect(r.currentVersion).toBe('1.10');
    const rows = await db.query<{ version: string }>('SELECT version FROM ops.migrations ORDER BY version_key DESC LIMIT 1');
    expect(rows).toEqual([{ version: '1.10' }]);
  });

  it("refuses golang-migrate's schema_migrations as history-table instead of misreading it; import-history: none adopts with a baseline instead", async () => {
    const db = await database();
    await db.query('CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
    await db.query('INSERT INTO schema_migrations VALUES (1, false)');
    await db.query('CREATE TABLE a (id int)');
    const dir = writeMigrations({ '1_a.up.sql': 'CREATE TABLE a (id int);', '2_b.up.sql': 'CREATE TABLE b (id int);' });
    await expect(applyMigrations(options(db, dir, { historyTable: 'schema_migrations' }))).rejects.toThrow(/looks like golang-migrate's/);
    const r = await applyMigrations(options(db, dir, { importHistory: 'none', baselineVersion: '1' }));
    expect(r.historyTable).toBe('deploy_kit_migrations');
    expect(r.applied.map((a) => a.version)).toEqual(['2']);
  });

  it('keeps the history under the old default name schema_migrations for a database an older deploy-kit migrated', async () => {
    const db = await database();
    const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);', 'V2__b.sql': 'CREATE TABLE b (id int);' });
    await applyMigrations(options(db, writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);' }), { historyTable: 'schema_migrations', backup: false }));
    const log = memoryLogger();
    const r = await applyMigrations(options(db, dir, { backup: false, log }));
    expect(r.historyTable).toBe('schema_migrations');
    expect(r.applied.map((a) => a.version)).toEqual(['2']);
    expect(log.lines.join('\n')).toMatch(/old default name/);
    expect(await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'deploy_kit_migrations'")).toEqual([]);
  });
});
