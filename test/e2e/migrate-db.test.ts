/**
 * migrate-db end to end: the committed bundle run as the runner runs it, against the real
 * PostgreSQL 15 and MariaDB servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { ChildProcess } from 'node:child_process';
import { runAction, type ActionRun, type RunActionOptions } from '../harness/run-action.js';
import {
  createMysqlDatabase,
  createPgDatabase,
  dumpText,
  loadDbServices,
  tempDir,
  writeMigrations,
  useCleanup,
  type Services,
  type TestDatabase,
} from '../integration/db/databases.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'migrations');
let services: Services;
const cleanup = useCleanup();

beforeAll(() => {
  services = loadDbServices();
});

/** A database owned by its own role whose password is distinctive, so a leak is detectable. */
async function pgDatabaseWithOwnRole(): Promise<TestDatabase & { password: string; role: string }> {
  const db = await createPgDatabase(services, 'dk_e2e');
  const role = `${db.name}_owner`;
  const password = `pw-${randomBytes(9).toString('base64url')}@!`;
  await db.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await db.query(`ALTER DATABASE ${db.name} OWNER TO ${role}`);
  await db.query(`ALTER SCHEMA public OWNER TO ${role}`);
  const u = new URL(db.url);
  u.username = role;
  u.password = encodeURIComponent(password);
  cleanup(async () => {
    await db.drop();
    const admin = new pg.Client({ connectionString: services.pgUrl });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });
  return Object.assign(Object.create(db) as TestDatabase, db, { url: u.toString(), password, role });
}

/** The log without the runner's `::add-mask::` commands (which the runner consumes). */
function visibleLog(run: ActionRun): string {
  return run.log.replace(/^::add-mask::.*$/gm, '');
}

/** An onSpawn hook that sends `signal` 300 ms after `text` shows in the log (the statement is then running). */
function signalOnce(text: string, signal: NodeJS.Signals): NonNullable<RunActionOptions['onSpawn']> & { signalledAt(): number } {
  let at = 0;
  const hook = (child: ChildProcess, output: () => string): void => {
    const poll = setInterval(() => {
      if (!output().includes(text)) return;
      clearInterval(poll);
      setTimeout(() => {
        at = Date.now();
        child.kill(signal);
      }, 300);
    }, 50);
    child.on('close', () => clearInterval(poll));
  };
  return Object.assign(hook, { signalledAt: () => at });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

async function advisoryLocks(db: TestDatabase): Promise<number> {
  const [r] = await db.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
  );
  return Number(r!.n);
}

function secretFree(run: ActionRun, secret: string): void {
  for (const text of [visibleLog(run), run.summary, JSON.stringify(run.outputs)]) expect(text).not.toContain(secret);
}

describe('migrate-db bundle (e2e, real PostgreSQL and MariaDB)', () => {
  it('applies the migrations: outputs, job summary, history, backup; the URL and its password never leak', async () => {
    const db = await pgDatabaseWithOwnRole();
    const backupDir = tempDir();
    const run = await runAction('migrate-db', {
      inputs: { 'database-url': db.url, migrations: join(fixtures, 'postgres'), 'backup-dir': backupDir },
      env: { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '4242' },
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs.applied!).map((a: { version: string }) => a.version)).toEqual(['1', '2', '3', '4']);
    expect(run.outputs['current-version']).toBe('4');
    expect(run.outputs['previous-version']).toBe('');
    expect(run.outputs['pending-count']).toBe('0');
    expect(run.outputs['backup-path']).toMatch(new RegExp(`^${backupDir}/${db.name}-\\d{8}T\\d{6}Z\\.dump$`));
    expect(existsSync(run.outputs['backup-path']!)).toBe(true);
    expect(run.summary).toContain('applied 4 migration(s)');
    expect(run.summary).toMatch(/\| 4 \| V4__index_orders_concurrently\.sql \| up \| 1 \| no \| \d/);
    expect(run.log).toMatch(/Plan: up from \(empty\) to 4, 4 migration\(s\)/);
    secretFree(run, db.password);
    secretFree(run, encodeURIComponent(db.password));
    expect(run.masked).toEqual(expect.arrayContaining([db.url, db.password]));
    const [top] = await db.query<{ version: string }>('SELECT version FROM deploy_kit_migrations ORDER BY version DESC LIMIT 1');
    expect(String(top!.version)).toBe('4');
    const by = await db.query<{ applied_by: string }>('SELECT DISTINCT applied_by FROM deploy_kit_migrations');
    expect(by).toEqual([{ applied_by: 'https://github.com/acme/shop/actions/runs/4242' }]);

    const again = await runAction('migrate-db', { inputs: { 'database-url': db.url, migrations: join(fixtures, 'postgres'), 'backup-dir': backupDir } });
    expect(again.exitCode).toBe(0);
    expect(again.outputs.applied).toBe('[]');
    expect(again.outputs['backup-path']).toBe('');
    expect(again.summary).toContain('nothing to apply');
  });

  it('a failing migration: exit 1, annotation at the reported line, summary says rolled back, database unchanged', async () => {
    const db = await pgDatabaseWithOwnRole();
    const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);', 'V2__b.sql': 'CREATE TABLE b (id int);\nALTER TABLE nope ADD COLUMN x int;\n' });
    const before = await dumpText(db.url);
    const run = await runAction('migrate-db', { inputs: { 'database-url': db.url, migrations: dir, 'backup-dir': tempDir() } });
    expect(run.exitCode).toBe(1);
    expect(run.log).toMatch(new RegExp(`^::error title=migrate-db%3A V2__b\\.sql failed,file=${dir}/V2__b\\.sql,line=2::relation "nope" does not exist`, 'm'));
    expect(run.errors.at(-1)).toMatch(/migration failed — V2__b\.sql line 2: relation "nope" does not exist — its transaction was rolled back/);
    expect(run.summary).toContain('❌ failed at line 2, rolled back');
    expect(run.summary).toContain('↩ rolled back');
    expect(run.outputs.applied).toBe('[]');
    expect(run.outputs.restored).toBe('false');
    expect(await dumpText(db.url)).toBe(before);
    secretFree(run, db.password);
  });

  it('dry-run prints the plan and changes nothing', async () => {
    const db = await pgDatabaseWithOwnRole();
    const before = await dumpText(db.url);
    const run = await runAction('migrate-db', { inputs: { 'database-url': db.url, migrations: join(fixtures, 'postgres'), 'dry-run': true } });
    expect(run.exitCode).toBe(0);
    expect(run.outputs['pending-count']).toBe('4');
    expect(run.outputs['backup-path']).toBe('');
    expect(run.log).toContain('↑ 2 V2__add_email.sql — 2 statement(s), transaction 1');
    expect(run.log).toContain('↑ 4 V4__index_orders_concurrently.sql — 1 statement(s), no transaction');
    expect(run.summary).toContain('Dry run: nothing was changed.');
    expect(await dumpText(db.url)).toBe(before);
  });

  it('two bundles started at once apply each migration exactly once', async () => {
    const db = await pgDatabaseWithOwnRole();
    await db.query(`CREATE TABLE hits (v int); ALTER TABLE hits OWNER TO ${db.role}`);
    const dir = writeMigrations({ 'V1__slow.sql': 'INSERT INTO hits VALUES (1);\nSELECT pg_sleep(2);', 'V2__b.sql': 'INSERT INTO hits VALUES (2);' });
    const inputs = { 'database-url': db.url, migrations: dir, backup: false, 'lock-timeout': '30s' };
    const [a, b] = await Promise.all([runAction('migrate-db', { inputs }), runAction('migrate-db', { inputs })]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect([JSON.parse(a.outputs.applied!).length, JSON.parse(b.outputs.applied!).length].sort()).toEqual([0, 2]);
    expect(a.log + b.log).toMatch(/Waiting up to 30s for the migration lock .* held by "deploy-kit migrate-db/);
    expect((await db.query<{ v: number }>('SELECT v FROM hits ORDER BY v')).map((r) => r.v)).toEqual([1, 2]);
  });

  it('kill -9 during a long migration: the server ends the session (lock released, transaction rolled back), and a re-run ends consistent', async () => {
    const db = await pgDatabaseWithOwnRole();
    const dir = writeMigrations({
      'V1__a.sql': 'CREATE TABLE a (id int);',
      'V2__slow.sql': 'INSERT INTO a VALUES (2);\nSELECT pg_sleep(60);',
      'V3__c.sql': 'CREATE TABLE c (id int);',
    });
    const before = await dumpText(db.url);
    const inputs = { 'database-url': db.url, migrations: dir, 'backup-dir': tempDir(), 'lock-timeout': '20s' };
    const killed = await runAction('migrate-db', {
      inputs,
      onSpawn: signalOnce('Applying V2__slow.sql', 'SIGKILL'),
    });
    expect(killed.signal).toBe('SIGKILL');
    // The server notices the dead client (client_connection_check_interval) and ends its session.
    const sessionGone = await waitUntil(async () => {
      const [r] = await db.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'deploy-kit migrate-db%'",
      );
      return r!.n === '0';
    }, 5000);
    expect(sessionGone).toBe(true);
    expect(await advisoryLocks(db)).toBe(0);
    expect(await dumpText(db.url)).toBe(before);

    writeFileSync(join(dir, 'V2__slow.sql'), 'INSERT INTO a VALUES (2);\nSELECT pg_sleep(0.1);');
    const rerun = await runAction('migrate-db', { inputs });
    expect(rerun.exitCode).toBe(0);
    expect(rerun.log).not.toContain('Waiting up to');
    expect(JSON.parse(rerun.outputs.applied!).map((a: { version: string }) => a.version)).toEqual(['1', '2', '3']);
    expect((await db.query<{ version: string }>('SELECT version::text FROM deploy_kit_migrations ORDER BY version')).map((r) => r.version)).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(await db.query('SELECT id FROM a')).toEqual([{ id: 2 }]);
  });

  it('SIGTERM (the runner cancelling) mid-migration: stops within seconds, the transaction rolls back, the lock is free', async () => {
    const db = await pgDatabaseWithOwnRole();
    const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);', 'V2__slow.sql': 'SELECT pg_sleep(60);' });
    const before = await dumpText(db.url);
    const onSpawn = signalOnce('Applying V2__slow.sql', 'SIGTERM');
    const run = await runAction('migrate-db', { inputs: { 'database-url': db.url, migrations: dir, 'backup-dir': tempDir() }, onSpawn });
    expect(Date.now() - onSpawn.signalledAt()).toBeLessThan(5000);
    expect(run.exitCode).toBe(1);
    expect(run.log).toMatch(/Received SIGTERM/);
    expect(run.summary).toContain('rolled back');
    expect(await dumpText(db.url)).toBe(before);
    // The server notices the dropped connection within client_connection_check_interval (1 s).
    expect(await waitUntil(async () => (await advisoryLocks(db)) === 0, 5000)).toBe(true);
  });

  it("MariaDB kill -9 mid-file: the server frees GET_LOCK, the file's DML rolls back, and the next run stops on the dirty mark until it is cleared", async () => {
    const db = await createMysqlDatabase(services, 'dk_e2e');
    cleanup(() => db.drop());
    const dir = writeMigrations({
      '1_a.up.sql': 'CREATE TABLE a (id int);',
      '2_slow.up.sql': 'INSERT INTO a VALUES (2);\nSELECT SLEEP(60);',
      '3_c.up.sql': 'CREATE TABLE c (id int);',
    });
    const inputs = { 'database-url': db.url, migrations: dir, 'backup-dir': tempDir(), 'lock-timeout': '30s' };
    const killed = await runAction('migrate-db', { inputs, onSpawn: signalOnce('Applying 2_slow.up.sql', 'SIGKILL') });
    expect(killed.signal).toBe('SIGKILL');
    const rows = await db.query<{ version: string; dirty: number }>(
      'SELECT CAST(version AS CHAR) AS version, dirty FROM deploy_kit_migrations ORDER BY version',
    );
    expect(rows.map((r) => [r.version, Number(r.dirty)])).toEqual([
      ['1', 0],
      ['2', 1],
    ]);
    const refused = await runAction('migrate-db', { inputs });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors.join('\n')).toMatch(/version 2 \(slow\) is marked dirty in the history: a run .* stopped while applying it/);
    expect(await db.query('SELECT id FROM a')).toEqual([]);
    await db.query("DELETE FROM deploy_kit_migrations WHERE version = '2'");
    writeFileSync(join(dir, '2_slow.up.sql'), 'INSERT INTO a VALUES (2);');
    const rerun = await runAction('migrate-db', { inputs });
    expect(rerun.exitCode).toBe(0);
    expect(JSON.parse(rerun.outputs.applied!).map((a: { version: string }) => a.version)).toEqual(['2', '3']);
    expect(await db.query('SELECT id FROM a')).toEqual([{ id: 2 }]);
  });

  it('adopts a golang-migrate database; a secret placeholder is substituted, masked, and never reaches the log, outputs or summary', async () => {
    const db = await pgDatabaseWithOwnRole();
    await db.query('CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null)');
    await db.query('CREATE TABLE a (id int)');
    await db.query('INSERT INTO schema_migrations VALUES (1, false)');
    await db.query(`GRANT ALL ON schema_migrations, a TO ${db.role}`);
    const secret = `pw-${randomBytes(6).toString('hex')}`;
    const dir = writeMigrations({
      '0001_a.up.sql': 'CREATE TABLE a (id int);',
      '0002_role.up.sql': "CREATE TABLE creds (note text);\nINSERT INTO creds VALUES ('${app_password}');\nCOMMENT ON TABLE creds IS '${owner}';",
      // The server's error quotes the value: the masking, not luck, keeps it out of the log.
      '0003_fail.up.sql': "SELECT '${app_password}'::int;",
    });
    const inputs = {
      'database-url': db.url,
      migrations: dir,
      'backup-dir': tempDir(),
      placeholders: 'owner=ops',
      'secret-placeholders': `app_password=${secret}`,
    };
    const failed = await runAction('migrate-db', { inputs });
    expect(failed.exitCode).toBe(1);
    expect(failed.masked).toContain(secret);
    expect(failed.errors.join('\n')).toMatch(/invalid input syntax for type integer/);
    secretFree(failed, secret);
    writeFileSync(join(dir, '0003_fail.up.sql'), 'SELECT 1;');
    const run = await runAction('migrate-db', { inputs });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs.imported!)).toEqual({ tool: 'golang-migrate', table: 'schema_migrations', versions: 1, repeatables: 0 });
    expect(run.outputs['history-table']).toBe('deploy_kit_migrations');
    expect(JSON.parse(run.outputs.applied!).map((a: { version: string }) => a.version)).toEqual(['2', '3']);
    expect(await db.query('SELECT note FROM creds')).toEqual([{ note: secret }]);
    secretFree(run, secret);
  });

  it('MariaDB: a failing migration restores the backup (restored=true) and the summary says DDL commits implicitly', async () => {
    const db = await createMysqlDatabase(services, 'dk_e2e');
    cleanup(() => db.drop());
    const dir = writeMigrations({ '1_a.up.sql': 'CREATE TABLE a (id int);' });
    const ok = await runAction('migrate-db', { inputs: { 'database-url': db.url, migrations: dir, 'backup-dir': tempDir() } });
    expect(ok.exitCode).toBe(0);
    const before = await dumpText(db.url);
    writeFileSync(join(dir, '2_b.up.sql'), 'CREATE TABLE b (id int);\nDROP TABLE nope;');
    const run = await runAction('migrate-db', { inputs: { 'database-url': db.url, migrations: dir, 'backup-dir': tempDir() } });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.restored).toBe('true');
    expect(run.outputs['current-version']).toBe('1');
    expect(run.summary).toContain('The database was restored from the backup');
    expect(run.summary).toContain('commits DDL implicitly');
    expect(run.log).toMatch(/::error title=migrate-db%3A 2_b\.up\.sql failed,file=[^,]*2_b\.up\.sql,line=2::Unknown table/);
    expect(await dumpText(db.url)).toBe(before);
  });
});

describe('migrate-db bundle: bad input is refused before anything connects', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const goodDir = (): string => writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);', 'V2__b.sql': 'CREATE TABLE b (id int);' });
  const cases: Array<[string, () => Record<string, string>, RegExp]> = [
    ['unparseable URL', () => ({ 'database-url': 'postgres://user:pa ss@[bad/db', migrations: goodDir() }), /database-url cannot be parsed as a URL/],
    [
      'unknown scheme',
      () => ({ 'database-url': `redis://u:secret-pw@127.0.0.1:${port}/0`, migrations: goodDir() }),
      /scheme "redis", which is not supported: use postgres:\/\/, postgresql:\/\/, mysql:\/\/ or mariadb:\/\//,
    ],
    ['missing directory', () => ({ migrations: '/nonexistent/migrations' }), /migrations: the directory "\/nonexistent\/migrations" does not exist/],
    ['empty directory', () => ({ migrations: tempDir('dk-empty-') }), /holds no migration files/],
    [
      'duplicate versions',
      () => ({ migrations: writeMigrations({ 'V1__a.sql': 'SELECT 1;', '1_b.up.sql': 'SELECT 1;' }) }),
      /"V1__a\.sql" and "1_b\.up\.sql" both have version 1/,
    ],
    [
      'a .down.sql without its .up.sql',
      () => ({ migrations: writeMigrations({ '1_a.up.sql': 'SELECT 1;', '2_b.down.sql': 'SELECT 1;' }) }),
      /"2_b\.down\.sql" is a down migration without its up migration/,
    ],
    [
      'malformed file name',
      () => ({ migrations: writeMigrations({ 'V1__a.sql': 'SELECT 1;', 'add_users.sql': 'SELECT 1;' }) }),
      /"add_users\.sql" is not a migration file name/,
    ],
    [
      'to-version that does not exist',
      () => ({ migrations: goodDir(), 'to-version': '7' }),
      /to-version 7 is not the version of any migration file \(nearest: 2\)/,
    ],
    [
      'lock-timeout: -1',
      () => ({ migrations: goodDir(), 'lock-timeout': '-1' }),
      /lock-timeout is "-1", which is not a duration\. Durations cannot be negative/,
    ],
    [
      'backup-dir that is a file',
      () => ({ migrations: goodDir(), 'backup-dir': join(goodDir(), 'V1__a.sql', 'sub') }),
      /backup-dir ".*V1__a\.sql\/sub" cannot be used: .* is a file/,
    ],
    ['history-table with SQL in it', () => ({ migrations: goodDir(), 'history-table': 'x; DROP TABLE users' }), /history-table is "x; DROP TABLE users"/],
    ['transaction-mode typo', () => ({ migrations: goodDir(), 'transaction-mode': 'per-migraton' }), /Did you mean "per-migration"/],
  ];
  it.each(cases)('%s', async (_name, inputs, message) => {
    const secret = `pw-${randomBytes(6).toString('hex')}`;
    const before = connections;
    const given = inputs();
    const run = await runAction('migrate-db', {
      inputs: { 'database-url': `postgres://app:${secret}@127.0.0.1:${port}/app`, 'backup-dir': join(tempDir(), 'never'), ...given },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(message);
    expect(run.log).not.toMatch(/please report/);
    expect(connections).toBe(before);
    expect(visibleLog(run)).not.toContain(secret);
    // The URL is masked (whole and by its password) before anything else is read.
    expect(run.masked).toContain(given['database-url'] ?? secret);
  });

  it('an unreachable database fails with "cannot reach HOST:PORT after N s"', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const run = await runAction('migrate-db', {
      inputs: { 'database-url': `postgres://app:x-secret@127.0.0.1:${deadPort}/app`, migrations: goodDir(), 'connect-timeout': '2s' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(new RegExp(`cannot reach 127\\.0\\.0\\.1:${deadPort} after 2 s \\(connection refused\\)`));
    mkdirSync(tempDir(), { recursive: true });
  });
});
