/** Backups that are kept: compressed mysqldump output read back and restored, and retention per database (real MariaDB and PostgreSQL). */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase, parseDatabaseUrl, restoreBackup } from '../../../src/db/index.js';
import { createMysqlDatabase, createPgDatabase, dumpText, loadDbServices, tempDir, useCleanup, type Services } from './databases.js';

let services: Services;
const cleanup = useCleanup();
beforeAll(() => {
  services = loadDbServices();
});

describe('backup-compression and backup-retention (real servers)', () => {
  for (const kind of ['gzip', 'zstd'] as const) {
    it(`MariaDB: a ${kind} backup is smaller, reads back, and restores to an identical dump`, async () => {
      const db = await createMysqlDatabase(services, 'dk_keep');
      cleanup(() => db.drop());
      await db.query('CREATE TABLE t (id INT PRIMARY KEY, note TEXT)');
      for (let i = 0; i < 50; i++) await db.query('INSERT INTO t VALUES (?, ?)', [i, 'the same words again and again '.repeat(20)]);
      const before = await dumpText(db.url);
      const dir = tempDir();
      const target = parseDatabaseUrl(db.url);
      const plain = await backupDatabase(target, dir, { compression: { kind: 'none' } });
      const packed = await backupDatabase(target, dir, { compression: { kind } });
      expect(packed.path.endsWith(kind === 'gzip' ? '.sql.gz' : '.sql.zst')).toBe(true);
      expect(packed.bytes).toBeLessThan(plain.bytes / 3);
      await db.query('DROP TABLE t');
      await db.query('CREATE TABLE extra (id INT)');
      await restoreBackup(target, packed.path, { safetyBackupDir: tempDir() });
      expect(await dumpText(db.url)).toBe(before);
      expect(readdirSync(dir).filter((f) => f.includes('.expanded-'))).toEqual([]);
    });
  }

  it('MariaDB: a truncated compressed backup fails its read-back', async () => {
    const db = await createMysqlDatabase(services, 'dk_keep');
    cleanup(() => db.drop());
    await db.query('CREATE TABLE t (id INT)');
    const target = parseDatabaseUrl(db.url);
    const b = await backupDatabase(target, tempDir(), { compression: { kind: 'gzip' } });
    const { readFileSync } = await import('node:fs');
    writeFileSync(b.path, readFileSync(b.path).subarray(0, Math.floor(statSync(b.path).size / 2)));
    await expect(restoreBackup(target, b.path, { safetyBackupDir: tempDir() })).rejects.toThrow();
  });

  it('PostgreSQL: retention keeps the newest N of this database only, never the one just taken', async () => {
    const db = await createPgDatabase(services, 'dk_keep');
    cleanup(() => db.drop());
    await db.query('CREATE TABLE t (id int)');
    const dir = tempDir();
    const old = ['20250101T000000Z', '20250201T000000Z', '20250301T000000Z'].map((s) => join(dir, `${db.name}-${s}.dump`));
    for (const p of old) writeFileSync(p, 'old');
    const other = join(dir, `someone_else-20250101T000000Z.dump`);
    writeFileSync(other, 'other database');
    const b = await backupDatabase(parseDatabaseUrl(db.url), dir, { retention: { kind: 'count', keep: 2 }, compression: { kind: 'gzip', level: 9 } });
    expect(b.pruned.sort()).toEqual([old[0], old[1]].sort());
    expect(existsSync(b.path) && existsSync(old[2]!) && existsSync(other)).toBe(true);
    const aged = await backupDatabase(parseDatabaseUrl(db.url), dir, { retention: { kind: 'age', maxAgeMs: 60_000 } });
    expect(aged.pruned).toEqual([old[2]]);
    expect(existsSync(b.path) && existsSync(aged.path)).toBe(true);
  });
});
