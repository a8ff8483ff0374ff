/**
 * Database TLS against real servers with TLS on (a PostgreSQL 15 the test starts itself, with
 * certificates made by openssl): require encrypts, verify-full checks the CA and the host name —
 * for the driver and for pg_dump / pg_restore alike — and a server that refuses plaintext is
 * reported clearly. Off loopback TLS is the default (unit-tested in test/unit/db/url.test.ts: a
 * test may not address anything but loopback).
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { applyMigrations, backupDatabase, parseDatabaseUrl, readMigrationDirectory, restoreBackup } from '../../../src/db/index.js';
import { tempDir, writeMigrations } from './databases.js';
import { makeCertificates, startTlsMariadb, startTlsPostgres, type Certificates, type TlsServer } from './tls-servers.js';

let certs: Certificates;
let server: TlsServer;
let maria: TlsServer;

beforeAll(async () => {
  certs = await makeCertificates();
  [server, maria] = await Promise.all([startTlsPostgres(certs), startTlsMariadb(certs)]);
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await maria?.stop();
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
});

function url(db: string, query: string, host = '127.0.0.1'): string {
  const u = new URL(server.url);
  u.hostname = host;
  u.pathname = `/${db}`;
  return `${u.toString()}${query}`;
}

async function createDatabase(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: server.url, ssl: { rejectUnauthorized: false } });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
}

describe("database TLS — PostgreSQL 15 with ssl=on (a server of the test's own)", () => {
  it('sslmode=require: migrations, pg_dump and the restore all go over TLS', async () => {
    await createDatabase('tls_require');
    const target = parseDatabaseUrl(url('tls_require', '?sslmode=require'));
    const dir = writeMigrations({
      'V1__a.sql': 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCREATE TABLE seen AS SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();',
    });
    const r = await applyMigrations({ target, migrations: readMigrationDirectory(dir, 'postgres'), backupDir: tempDir() });
    expect(r.applied).toHaveLength(1);
    const backup = await backupDatabase(target, tempDir());
    await restoreBackup(target, backup.path, { safetyBackupDir: tempDir() });
    const c = new pg.Client({ connectionString: url('tls_require', ''), ssl: { rejectUnauthorized: false } });
    await c.connect();
    try {
      expect((await c.query('SELECT ssl FROM seen')).rows).toEqual([{ ssl: true }]);
      expect((await c.query('SELECT id FROM a')).rows).toEqual([{ id: 1 }]);
    } finally {
      await c.end();
    }
  });

  it('sslmode=verify-full with the right CA works for the driver and the dump tools; another CA is refused at once before anything changes', async () => {
    await createDatabase('tls_verify');
    const good = parseDatabaseUrl(url('tls_verify', `?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.ca)}`, 'localhost'));
    const dir = writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);' });
    const ok = await applyMigrations({ target: good, migrations: readMigrationDirectory(dir, 'postgres'), backupDir: tempDir() });
    expect(ok.applied).toHaveLength(1);
    const backup = await backupDatabase(good, tempDir());
    await restoreBackup(good, backup.path, { safetyBackupDir: tempDir() });

    const otherCa = parseDatabaseUrl(url('tls_verify', `?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.otherCa)}`, 'localhost'));
    const err = await applyMigrations({ target: otherCa, migrations: readMigrationDirectory(dir, 'postgres'), backupDir: tempDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/refused the connection: the server's TLS certificate does not verify/);
    await expect(backupDatabase(otherCa, tempDir())).rejects.toThrow(/pg_dump failed: [\s\S]*certificate verify failed/);
  });

  it('a server that refuses plaintext: sslmode=disable fails with the reason, naming database-url', async () => {
    await createDatabase('tls_plain');
    const err = await applyMigrations({
      target: parseDatabaseUrl(url('tls_plain', '?sslmode=disable')),
      migrations: readMigrationDirectory(writeMigrations({ 'V1__a.sql': 'CREATE TABLE a (id int);' }), 'postgres'),
      backupDir: tempDir(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).input).toBe('database-url');
    expect((err as Error).message).toMatch(/no encryption|hostnossl|rejects connection/i);
  });
});

function mariaUrl(db: string, query: string, host = '127.0.0.1'): string {
  const u = new URL(maria.url);
  u.hostname = host;
  u.pathname = `/${db}`;
  return `${u.toString()}${query}`;
}

describe("database TLS — MariaDB with TLS on and a user that REQUIRE SSL (a server of the test's own)", () => {
  it('ssl-mode=VERIFY_IDENTITY with the right CA: the driver, mysqldump and the restore all verify and encrypt; another CA is refused at once', async () => {
    const admin = await mysql.createConnection({ uri: maria.url, ssl: { rejectUnauthorized: false } });
    await admin.query('CREATE DATABASE tls_verify');
    await admin.end();
    const good = parseDatabaseUrl(mariaUrl('tls_verify', `?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(certs.ca)}`));
    const dir = writeMigrations({ '1_a.up.sql': 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);' });
    const r = await applyMigrations({ target: good, migrations: readMigrationDirectory(dir, 'mysql'), backupDir: tempDir() });
    expect(r.applied).toHaveLength(1);
    const backup = await backupDatabase(good, tempDir());
    await restoreBackup(good, backup.path, { safetyBackupDir: tempDir() });
    const check = await mysql.createConnection({ uri: mariaUrl('tls_verify', ''), ssl: { rejectUnauthorized: false } });
    try {
      expect((await check.query('SELECT id FROM a'))[0]).toEqual([{ id: 1 }]);
    } finally {
      await check.end();
    }
    const other = parseDatabaseUrl(mariaUrl('tls_verify', `?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(certs.otherCa)}`));
    const err = await applyMigrations({ target: other, migrations: readMigrationDirectory(dir, 'mysql'), backupDir: tempDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/the server's TLS certificate does not verify/);
  });

  it('ssl=false against a user that requires TLS fails naming database-url; ssl=true connects', async () => {
    const plain = await applyMigrations({
      target: parseDatabaseUrl(mariaUrl('mysql', '?ssl=false')),
      migrations: [],
      backup: false,
    }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(ConfigurationError);
    expect((plain as Error).message).toMatch(/Access denied/);
    const tls = await applyMigrations({ target: parseDatabaseUrl(mariaUrl('mysql', '?ssl=true')), migrations: [], backup: false });
    expect(tls.applied).toEqual([]);
  });
});
