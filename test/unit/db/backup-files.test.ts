import { describe, expect, it } from 'vitest';
import { backupsOf, expiredBackups, parseBackupCompression, parseRetention, pgDumpCompressArg, sqlCompression } from '../../../src/db/backup-files.js';

describe('backup-compression', () => {
  it('parses a kind and an optional level, and names the input when wrong', () => {
    expect(parseBackupCompression('')).toEqual({ kind: 'auto', level: undefined });
    expect(parseBackupCompression('zstd:19')).toEqual({ kind: 'zstd', level: 19 });
    expect(parseBackupCompression('GZIP')).toEqual({ kind: 'gzip', level: undefined });
    for (const bad of ['gzip:10', 'zstd:0', 'none:3', 'brotli', 'auto:1']) expect(() => parseBackupCompression(bad)).toThrow(/backup-compression is/);
  });
  it('pg_dump: its own compression by default, -Z levels for gzip, zstd only from pg_dump 16', () => {
    expect(pgDumpCompressArg({ kind: 'auto' }, 15)).toBeUndefined();
    expect(pgDumpCompressArg({ kind: 'none' }, 15)).toBe('--compress=0');
    expect(pgDumpCompressArg({ kind: 'gzip', level: 9 }, 15)).toBe('--compress=9');
    expect(() => pgDumpCompressArg({ kind: 'zstd' }, 15)).toThrow(/zstd needs pg_dump 16/);
    expect(pgDumpCompressArg({ kind: 'zstd', level: 3 }, 16)).toBe('--compress=zstd:3');
  });
  it('mysqldump output: auto takes zstd when it is on PATH, else gzip', () => {
    expect(sqlCompression({ kind: 'auto' }, true)).toBe('zstd');
    expect(sqlCompression({ kind: 'auto' }, false)).toBe('gzip');
    expect(sqlCompression({ kind: 'none' }, true)).toBe('none');
  });
});

describe('backup-retention', () => {
  const names = [
    'shop-20261101T000000Z.sql.gz',
    'shop-20261120T000000Z.sql',
    'shop-20261130T000000Z.sql.zst',
    'shop-20261130T000000Z-2.sql.zst',
    'shop-20261201T120000Z.sql.zst',
    'shop_eu-20261001T000000Z.sql', // another database
    'shop-20261001T000000Z.dump', // another engine's file
    'notes.txt',
  ];
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  const mine = backupsOf(names, 'shop', 'mysql');
  it("finds only this database's backups, by deploy-kit's names", () => {
    expect(mine.map((b) => b.name).sort()).toEqual(names.slice(0, 5).sort());
  });
  it('keeps the newest N, or those younger than a duration, and never the one just taken', () => {
    expect(expiredBackups(mine, parseRetention('2'), now, 'shop-20261201T120000Z.sql.zst').sort()).toEqual(
      ['shop-20261101T000000Z.sql.gz', 'shop-20261120T000000Z.sql', 'shop-20261130T000000Z.sql.zst'].sort(),
    );
    expect(expiredBackups(mine, parseRetention('7d'), now, 'shop-20261201T120000Z.sql.zst').sort()).toEqual(
      ['shop-20261101T000000Z.sql.gz', 'shop-20261120T000000Z.sql'].sort(),
    );
    // A clock far ahead would expire everything: the backup just taken still stays.
    expect(expiredBackups(mine, parseRetention('1h'), now + 365 * 86_400_000, 'shop-20261201T120000Z.sql.zst')).not.toContain('shop-20261201T120000Z.sql.zst');
    expect(expiredBackups(mine, parseRetention(''), now, 'x')).toEqual([]);
  });
  it('refuses 0 and nonsense, naming the input', () => {
    expect(() => parseRetention('0')).toThrow(/backup-retention is 0/);
    expect(() => parseRetention('soon')).toThrow(/backup-retention/);
  });
});
