/**
 * Restores that cannot destroy (issue #12), on the real PostgreSQL 15 and MariaDB: a dump of
 * another database is refused, a restore failing midway leaves every table and row in place, a
 * truncated dump is caught before anything connects, the job's PG* variables cannot redirect the
 * tools, the migrate-db lock is honoured, a safety dump is taken first, and a begun restore runs
 * to its end even when the job is cancelled.
 */
import { mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, OperationFailedError } from '../../../src/runtime/errors.js';
import { memoryLogger, type Logger } from '../../../src/runtime/logger.js';
import mysql from 'mysql2/promise';
import {
  advisoryLockKey,
  applyMigrations,
  backupDatabase,
  type MigrationFailedError,
  parseDatabaseUrl,
  readMigrationDirectory,
  restoreBackup,
  verifyBackup,
} from '../../../src/db/index.js';
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
} from './databases.js';

let services: Services;
const cleanup = useCleanup();
beforeAll(() => {
  services = loadDbServices();
});

async function pgDatabase(): Promise<TestDatabase> {
  const db = await createPgDatabase(services, 'dk_rs');
  cleanup(() => db.drop());
  return db;
}

async function mysqlDatabase(): Promise<TestDatabase> {
  const db = await createMysqlDatabase(services, 'dk_rs');
  cleanup(() => db.drop());
  return db;
}

async function seedPg(db: TestDatabase): Promise<void> {
  await db.query('CREATE TABLE users (id serial PRIMARY KEY, login text NOT NULL UNIQUE)');
  await db.query('CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users (id), note text)');
  await db.query("INSERT INTO users (login) SELECT 'u' || g FROM generate_series(1, 200) g");
  await db.query("INSERT INTO orders (user_id, note) SELECT id, 'n' || id FROM users");
}

async function seedMysql(db: TestDatabase): Promise<void> {
  await db.query('CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, login VARCHAR(100) NOT NULL UNIQUE) ENGINE=InnoDB');
  await db.query(
    'CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, n INT NOT NULL DEFAULT 0, CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE=InnoDB',
  );
  await db.query("INSERT INTO users (login) VALUES ('a'), ('b'), ('c')");
  await db.query('INSERT INTO orders (user_id) SELECT id FROM users');
}

describe('restores that cannot destroy — PostgreSQL 15 (real server)', () => {
  it('refuses a dump of another database before touching anything; allow-foreign-backup restores it with a warning', async () => {
    const source = await pgDatabase();
    const victim = await pgDatabase();
    await seedPg(source);
    await victim.query('CREATE TABLE precious (id int)');
    await victim.query('INSERT INTO precious VALUES (1), (2)');
    const foreign = await backupDatabase(parseDatabaseUrl(source.url), tempDir());
    const before = await dumpText(victim.url);
    const err = await restoreBackup(parseDatabaseUrl(victim.url), foreign.path, { safetyBackupDir: tempDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).input).toBe('allow-foreign-backup');
    expect((err as Error).message).toContain(`was taken from the database "${source.name}", not from "${victim.name}"`);
    expect(await dumpText(victim.url)).toBe(before);

    const log = memoryLogger();
    await restoreBackup(parseDatabaseUrl(victim.url), foreign.path, { safetyBackupDir: tempDir(), allowForeignBackup: true, log });
    expect(log.lines.some((l) => l.startsWith('warning:') && l.includes('allow-foreign-backup is true'))).toBe(true);
    expect(await victim.query('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 200 }]);
  });

  it('a pg_restore failing midway leaves every table and row as it was, objects newer than the backup included', async () => {
    const db = await pgDatabase();
    await seedPg(db);
    // A grant to a role that is gone by restore time: the script fails at its very end (ACLs come last),
    // after its drops, creates and data have all run.
    const role = `dk_gone_${randomBytes(4).toString('hex')}`;
    await db.query(`CREATE ROLE ${role}`);
    cleanup(() => db.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined));
    await db.query(`GRANT SELECT ON users TO ${role}`);
    const backup = await backupDatabase(parseDatabaseUrl(db.url), tempDir());
    await db.query(`REVOKE ALL ON users FROM ${role}`);
    await db.query(`DROP ROLE ${role}`);
    await db.query('CREATE TABLE later (id int)');
    await db.query('INSERT INTO later VALUES (42)');
    await db.query("UPDATE users SET login = login || '-changed'");
    const before = await dumpText(db.url);
    const err = await restoreBackup(parseDatabaseUrl(db.url), backup.path, { safetyBackupDir: tempDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationFailedError);
    expect((err as Error).message).toMatch(/role "dk_gone_[0-9a-f]+" does not exist[\s\S]*rolled back: the database is as it was before/);
    expect(await dumpText(db.url)).toBe(before);
    expect(await db.query('SELECT id FROM later')).toEqual([{ id: 42 }]);
  });

  it('a truncated dump fails the read-back (pg_restore --list alone passes it) and is never restored', async () => {
    const db = await pgDatabase();
    await seedPg(db);
    await db.query('INSERT INTO orders (user_id, note) SELECT 1, repeat(md5(g::text), 20) FROM generate_series(1, 3000) g');
    const target = parseDatabaseUrl(db.url);
    const backup = await backupDatabase(target, tempDir(), { compression: { kind: 'none' } });
    truncateSync(backup.path, Math.floor(statSync(backup.path).size * 0.6));
    await expect(verifyBackup(target, backup.path)).rejects.toThrow(/reading the backup .* back failed/);
    await db.query('DELETE FROM orders');
    const before = await dumpText(db.url);
    await expect(restoreBackup(target, backup.path, { safetyBackupDir: tempDir() })).rejects.toThrow(/back failed/);
    expect(await dumpText(db.url)).toBe(before);
  });

  it('PGHOSTADDR, PGSERVICE and PGDATABASE in the job cannot send pg_dump / pg_restore to another server or database', async () => {
    const db = await pgDatabase();
    await seedPg(db);
    const saved = { ...process.env };
    Object.assign(process.env, { PGHOSTADDR: '127.0.0.2', PGSERVICE: 'deploy-kit-no-such-service', PGDATABASE: 'postgres', PGPORT: '1' });
    try {
      const target = parseDatabaseUrl(db.url);
      const backup = await backupDatabase(target, tempDir());
      await db.query('DELETE FROM orders');
      await restoreBackup(target, backup.path, { safetyBackupDir: tempDir() });
    } finally {
      for (const k of ['PGHOSTADDR', 'PGSERVICE', 'PGDATABASE', 'PGPORT']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
    expect(await db.query('SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 200 }]);
  });

  it('waits for the migrate-db lock and gives up naming the holder, changing nothing', async () => {
    const db = await pgDatabase();
    await seedPg(db);
    const backup = await backupDatabase(parseDatabaseUrl(db.url), tempDir());
    await db.query('DELETE FROM orders');
    const holder = new pg.Client({ connectionString: db.url, application_name: 'deploy-kit migrate-db other-run' });
    await holder.connect();
    cleanup(() => holder.end());
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockKey('public.deploy_kit_migrations').toString()]);
    const before = await dumpText(db.url);
    const err = await restoreBackup(parseDatabaseUrl(db.url), backup.path, { safetyBackupDir: tempDir(), lockTimeoutMs: 600 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/holds the lock .*"deploy-kit migrate-db other-run"/);
    expect(await dumpText(db.url)).toBe(before);
  });

  it('takes a private safety dump of the current state first, and a begun restore ignores the job being cancelled', async () => {
    const db = await pgDatabase();
    await seedPg(db);
    const original = await dumpText(db.url);
    const target = parseDatabaseUrl(db.url);
    const backup = await backupDatabase(target, tempDir());
    await db.query('DELETE FROM orders');
    await db.query('CREATE TABLE later (id int)');
    const changed = await dumpText(db.url);
    const controller = new AbortController();
    const log = memoryLogger();
    // Cancel the job the moment the safety dump is written: the restore goes on to its end.
    const cancelling: Logger = { ...log, info: (m) => (log.info(m), m.startsWith('Safety dump') ? controller.abort() : undefined) };
    const safetyDir = join(tempDir(), 'nested', 'safety');
    const r = await restoreBackup(target, backup.path, { safetyBackupDir: safetyDir, signal: controller.signal, log: cancelling });
    expect(controller.signal.aborted).toBe(true);
    expect(await dumpText(db.url)).toBe(original);
    expect(r.dropped).toEqual(['TABLE public.later']);
    expect(statSync(r.safetyBackup).mode & 0o777).toBe(0o600);
    expect(statSync(safetyDir).mode & 0o777).toBe(0o700);
    // The safety dump holds the state just before the restore.
    await restoreBackup(target, r.safetyBackup, { safetyBackupDir: tempDir() });
    expect(await dumpText(db.url)).toBe(changed);
  });
});

describe('restores that cannot destroy — MariaDB (real server)', () => {
  it('refuses a dump of another database; allow-foreign-backup restores it', async () => {
    const source = await mysqlDatabase();
    const victim = await mysqlDatabase();
    await seedMysql(source);
    await victim.query('CREATE TABLE precious (id int)');
    const foreign = await backupDatabase(parseDatabaseUrl(source.url), tempDir(), { compression: { kind: 'none' } });
    const before = await dumpText(victim.url);
    const err = await restoreBackup(parseDatabaseUrl(victim.url), foreign.path, { safetyBackupDir: tempDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toContain(`"${source.name}", not from "${victim.name}"`);
    expect(await dumpText(victim.url)).toBe(before);
    await restoreBackup(parseDatabaseUrl(victim.url), foreign.path, { safetyBackupDir: tempDir(), allowForeignBackup: true });
    expect(await victim.query('SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 3 }]);
  });

  it('a dump failing midway (on stdin into a scratch database) leaves every table present and unchanged', async () => {
    const db = await mysqlDatabase();
    await seedMysql(db);
    const target = parseDatabaseUrl(db.url);
    // A directory name `source` could not take: the dump goes on stdin.
    const dir = join(tempDir(), "it's a dir; with spaces");
    mkdirSync(dir);
    const backup = await backupDatabase(target, dir, { compression: { kind: 'none' } });
    const text = readFileSync(backup.path, 'utf8');
    // Complete header and trailer, but a statement in the middle fails after the first table was re-created.
    const broken = text.replace(/(UNLOCK TABLES;\n)/, '$1INSERT INTO no_such_table VALUES (1);\n');
    expect(broken).not.toBe(text);
    writeFileSync(backup.path, broken);
    await db.query('CREATE TABLE later (id int)');
    await db.query('INSERT INTO later VALUES (42)');
    await db.query('UPDATE orders SET n = 7');
    const before = await dumpText(db.url);
    const err = await restoreBackup(target, backup.path, { safetyBackupDir: tempDir() }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/no_such_table[\s\S]*scratch database: .* is unchanged/);
    expect(await dumpText(db.url)).toBe(before);
    const leftovers = await db.query<{ n: string }>("SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'dk\\_re%'");
    expect(leftovers.filter((r) => /^dk_(restore|replaced)_/.test(r.n))).toEqual([]);
  });

  it('restore fidelity with views over views, routines, triggers and foreign keys: mysqldump after == before; a truncated dump is refused', async () => {
    const db = await mysqlDatabase();
    await seedMysql(db);
    await db.query('CREATE VIEW v_users AS SELECT id, login FROM users');
    await db.query('CREATE VIEW v_first AS SELECT login FROM v_users WHERE id = 1');
    await db.query('CREATE TRIGGER orders_bump BEFORE INSERT ON orders FOR EACH ROW SET NEW.n = NEW.n + 1');
    await db.query('CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2');
    await db.query('CREATE PROCEDURE count_orders(OUT c INT) BEGIN SELECT COUNT(*) INTO c FROM orders; END');
    const original = await dumpText(db.url);
    const target = parseDatabaseUrl(db.url);
    const backup = await backupDatabase(target, tempDir());
    await db.query('DELETE FROM orders');
    await db.query('DROP VIEW v_first');
    await db.query('DROP TRIGGER orders_bump');
    await db.query('CREATE TABLE later (id int)');
    await db.query('CREATE PROCEDURE later_proc() SELECT 1');
    const r = await restoreBackup(target, backup.path, { safetyBackupDir: tempDir() });
    expect(r.dropped).toEqual(expect.arrayContaining(['TABLE later', 'PROCEDURE later_proc']));
    expect(await dumpText(db.url)).toBe(original);
    // The trigger works on the swapped-in table.
    await db.query('INSERT INTO orders (user_id) VALUES (1)');
    expect(await db.query('SELECT MAX(n) AS n FROM orders')).toEqual([{ n: 1 }]);

    const plain = await backupDatabase(target, tempDir(), { compression: { kind: 'none' } });
    truncateSync(plain.path, Math.floor(statSync(plain.path).size / 2));
    await expect(restoreBackup(target, plain.path, { safetyBackupDir: tempDir() })).rejects.toThrow(/not a complete dump/);
  });
});

describe('migration statement limits (real servers)', () => {
  it('PostgreSQL: an ALTER queued behind a long transaction gives up after migration-lock-timeout, rolled back', async () => {
    const db = await pgDatabase();
    await db.query('CREATE TABLE busy (id int)');
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    cleanup(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE busy IN ACCESS SHARE MODE');
    const started = Date.now();
    const err = await applyMigrations({
      target: parseDatabaseUrl(db.url),
      migrations: readMigrationDirectory(writeMigrations({ 'V1__alter.sql': 'ALTER TABLE busy ADD COLUMN x int;' }), 'postgres'),
      backup: false,
      statementLimits: { lockTimeoutMs: 500, statementTimeoutMs: 60_000 },
    }).catch((e: unknown) => e);
    expect((err as MigrationFailedError).result.failure).toMatchObject({ outcome: 'rolled-back', code: '55P03' });
    expect(Date.now() - started).toBeLessThan(30_000);
    await holder.query('ROLLBACK');
    expect(await db.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'x'")).toEqual([{ n: 0 }]);
  });

  it('PostgreSQL: statement-timeout stops a statement that runs too long', async () => {
    const db = await pgDatabase();
    const err = await applyMigrations({
      target: parseDatabaseUrl(db.url),
      migrations: readMigrationDirectory(writeMigrations({ 'V1__slow.sql': 'SELECT pg_sleep(30);' }), 'postgres'),
      backup: false,
      statementLimits: { lockTimeoutMs: 10_000, statementTimeoutMs: 700 },
    }).catch((e: unknown) => e);
    expect((err as MigrationFailedError).result.failure).toMatchObject({ code: '57014' });
  });

  it('MariaDB: an ALTER waiting for a metadata lock gives up after migration-lock-timeout', async () => {
    const db = await mysqlDatabase();
    await db.query('CREATE TABLE busy (id int) ENGINE=InnoDB');
    const holder = await mysql.createConnection(db.url);
    cleanup(() => holder.end());
    await holder.query('START TRANSACTION');
    await holder.query('SELECT * FROM busy');
    const started = Date.now();
    const err = await applyMigrations({
      target: parseDatabaseUrl(db.url),
      migrations: readMigrationDirectory(writeMigrations({ '1_alter.up.sql': 'ALTER TABLE busy ADD COLUMN x int;' }), 'mysql'),
      backup: false,
      onFailure: 'none',
      statementLimits: { lockTimeoutMs: 1000, statementTimeoutMs: 60_000 },
    }).catch((e: unknown) => e);
    expect((err as MigrationFailedError).result.failure?.message).toMatch(/Lock wait timeout exceeded/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
