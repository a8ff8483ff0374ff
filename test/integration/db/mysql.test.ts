import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import {
  applyMigrations,
  backupDatabase,
  MigrationFailedError,
  migrateTo,
  mysqlLockName,
  parseDatabaseUrl,
  readMigrationDirectory,
  restoreBackup,
  type MigrateOptions,
} from '../../../src/db/index.js';
import { createMysqlDatabase, dumpText, loadDbServices, tempDir, writeMigrations, useCleanup, type Services, type TestDatabase } from './databases.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'migrations', 'mysql');
let services: Services;
const cleanup = useCleanup();

beforeAll(() => {
  services = loadDbServices();
});

async function database(): Promise<TestDatabase> {
  const db = await createMysqlDatabase(services);
  cleanup(() => db.drop());
  return db;
}

function options(db: TestDatabase, dir: string, extra: Partial<MigrateOptions> = {}): MigrateOptions {
  return {
    target: parseDatabaseUrl(db.url.replace(/^mysql:/, 'mariadb:')),
    migrations: readMigrationDirectory(dir, 'mysql'),
    backupDir: tempDir(),
    lockTimeoutMs: 20_000,
    appliedBy: 'vitest',
    ...extra,
  };
}

async function versions(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ version: string }>('SELECT CAST(version AS CHAR) AS version FROM deploy_kit_migrations ORDER BY version');
  return rows.map((r) => r.version);
}

describe('migrate-db engine on MariaDB (real server)', () => {
  it('applies golang-migrate files (DELIMITER blocks too), verifies with the seeds query, and a re-run applies nothing', async () => {
    const db = await database();
    const r = await applyMigrations(options(db, fixtures));
    expect(r.applied.map((a) => a.version)).toEqual(['1', '2', '3']);
    expect(r.currentVersion).toBe('3');
    expect(r.backup!.path).toMatch(new RegExp(`${db.name}-\\d{8}T\\d{6}Z\\.sql$`));
    const [top] = await db.query<{ version: string }>('SELECT version FROM deploy_kit_migrations ORDER BY version DESC LIMIT 1');
    expect(String(top!.version)).toBe('3');
    await db.query('CALL count_users(@n)');
    const [count] = await db.query<{ n: number }>('SELECT @n AS n');
    expect(Number(count!.n)).toBe(1);
    const before = await dumpText(db.url);
    const again = await applyMigrations(options(db, fixtures));
    expect(again.applied).toEqual([]);
    expect(await dumpText(db.url)).toBe(before);
  });

  it('a failing migration restores the backup by default (DDL commits implicitly), leaving the database exactly as before', async () => {
    const db = await database();
    const dir = writeMigrations({ '1_base.up.sql': 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n' });
    await applyMigrations(options(db, dir));
    const before = await dumpText(db.url);
    writeFileSync(join(dir, '2_ok.up.sql'), 'CREATE TABLE b (id int);\nINSERT INTO a VALUES (2);\n');
    writeFileSync(join(dir, '3_broken.up.sql'), 'ALTER TABLE a ADD COLUMN x int;\n\nINSERT INTO a\n  VALUEZ (2);\n');
    const err = await applyMigrations(options(db, dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationFailedError);
    const f = (err as MigrationFailedError).result.failure!;
    expect(f.file).toBe('3_broken.up.sql');
    expect(f.line).toBe(4);
    expect(f.outcome).toBe('restored');
    expect(await dumpText(db.url)).toBe(before);
    expect(await versions(db)).toEqual(['1']);
  });

  it('with on-failure none the history matches what MySQL committed', async () => {
    const db = await database();
    const dir = writeMigrations({
      '1_a.up.sql': 'CREATE TABLE a (id int);',
      '2_b.up.sql': 'CREATE TABLE b (id int);',
      '3_bad.up.sql': 'CREATE TABLE c (id int);\nCREATE TABLE a (id int);',
    });
    const err = await applyMigrations(options(db, dir, { onFailure: 'none' })).catch((e: unknown) => e);
    const r = (err as MigrationFailedError).result;
    expect(r.failure!.outcome).toBe('left-partial');
    expect(r.failure!.line).toBe(2);
    expect(r.applied.map((a) => a.version)).toEqual(['1', '2']);
    expect(await versions(db)).toEqual(['1', '2']);
  });

  it('backup → restore round trip gives an identical mysqldump', async () => {
    const db = await database();
    await applyMigrations(options(db, fixtures, { backup: false }));
    await db.query("INSERT INTO users (login, email) VALUES ('a', 'a@x'), ('b', 'b@x')");
    await db.query('INSERT INTO orders (user_id) SELECT id FROM users');
    const original = await dumpText(db.url);
    const target = parseDatabaseUrl(db.url);
    const backup = await backupDatabase(target, tempDir());
    await db.query('DELETE FROM orders');
    await db.query('ALTER TABLE users ADD COLUMN extra int');
    await db.query('CREATE TABLE later (id int)');
    await db.query('CREATE VIEW v_later AS SELECT id FROM later');
    expect(await dumpText(db.url)).not.toBe(original);
    const r = await restoreBackup(target, backup.path, { safetyBackupDir: tempDir() });
    expect(r.dropped).toEqual(expect.arrayContaining(['TABLE later', 'VIEW v_later']));
    expect(await dumpText(db.url)).toBe(original);
  });

  it('lock-timeout names the holding connection; two runs at once apply each migration once', async () => {
    const db = await database();
    const dir = writeMigrations({ '1_a.up.sql': 'CREATE TABLE hits (v int);\nINSERT INTO hits VALUES (1);\nSELECT SLEEP(1.5);' });
    const holder = await mysql.createConnection(db.url);
    cleanup(() => holder.end());
    await holder.query('SELECT GET_LOCK(?, 0)', [mysqlLockName(`${db.name}.deploy_kit_migrations`)]);
    const err = await applyMigrations(options(db, dir, { lockTimeoutMs: 500 })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/another migration run holds the lock.*\(connection \d+, user deploykit/);
    await holder.query('SELECT RELEASE_LOCK(?)', [mysqlLockName(`${db.name}.deploy_kit_migrations`)]);
    const [a, b] = await Promise.all([applyMigrations(options(db, dir, { backup: false })), applyMigrations(options(db, dir, { backup: false }))]);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, 1]);
    expect(await db.query('SELECT v FROM hits')).toEqual([{ v: 1 }]);
  });

  it('dry-run changes nothing; down migrations need allow-down', async () => {
    const db = await database();
    const before = await dumpText(db.url);
    const dry = await applyMigrations(options(db, fixtures, { dryRun: true }));
    expect(dry.plan.steps.map((s) => [s.version, s.statementCount])).toEqual([
      ['1', 1],
      ['2', 2],
      ['3', 2],
    ]);
    expect(await dumpText(db.url)).toBe(before);
    await applyMigrations(options(db, fixtures, { backup: false }));
    const down = await migrateTo('1', { ...options(db, fixtures), allowDown: true });
    expect(down.applied.map((a) => `${a.direction}:${a.version}`)).toEqual(['down:3', 'down:2']);
    expect(await versions(db)).toEqual(['1']);
  });
});
