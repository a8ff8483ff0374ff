import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockPollDelay, lockWaitDecision } from '../../../src/db/lock.js';
import {
  advisoryLockKey,
  checkHistoryShape,
  connectRetryDelay,
  HISTORY_COLUMNS,
  mysqlLockName,
  historyLockName,
  parseHistoryTable,
  quoteTable,
} from '../../../src/db/session.js';
import { shouldRestore } from '../../../src/db/failure-policy.js';
import { backupFileName, checkBackupDir, checkDumpToolVersion, checkSqlDumpText, majorVersion, objectsMissingFromBackup } from '../../../src/db/backup.js';

describe('lock-wait policy', () => {
  it('polls at 100 ms doubling to 1 s, never past the deadline', () => {
    expect([0, 1, 2, 3, 4, 5, 20].map((a) => lockPollDelay(a, 60_000))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(lockPollDelay(5, 250)).toBe(250);
  });
  it('gives up at the timeout; lock-timeout 0 means one try only', () => {
    expect(lockWaitDecision(0, 0, 0)).toEqual({ action: 'give-up' });
    expect(lockWaitDecision(3, 4_999, 5_000)).toEqual({ action: 'wait', delayMs: 1 });
    expect(lockWaitDecision(3, 5_000, 5_000)).toEqual({ action: 'give-up' });
  });
  it('connect retries back off from 250 ms to 2 s within the deadline', () => {
    expect([0, 1, 2, 3, 4].map((a) => connectRetryDelay(a, 10_000))).toEqual([250, 500, 1000, 2000, 2000]);
    expect(connectRetryDelay(3, -5)).toBe(0);
  });
});

describe('history table and lock names', () => {
  it('accepts plain and schema-qualified names only', () => {
    expect(parseHistoryTable('schema_migrations')).toEqual({ table: 'schema_migrations' });
    expect(quoteTable(parseHistoryTable('app.history'), 'postgres')).toBe('"app"."history"');
    expect(quoteTable(parseHistoryTable('history'), 'mysql')).toBe('`history`');
    expect(() => parseHistoryTable('a;drop table x')).toThrow(/history-table is "a;drop table x"/);
    expect(() => parseHistoryTable('a.b.c')).toThrow(/history-table/);
  });
  it("refuses a history table that is not ours, e.g. golang-migrate's", () => {
    expect(() => checkHistoryShape({ exists: false, integerVersions: false, columns: [] }, 't')).not.toThrow();
    expect(() => checkHistoryShape({ exists: true, integerVersions: true, columns: [...HISTORY_COLUMNS] }, 't')).not.toThrow();
    expect(() => checkHistoryShape({ exists: true, integerVersions: true, columns: ['version', 'dirty'] }, 'schema_migrations')).toThrow(
      /schema_migrations exists but is not a deploy-kit history table \(it looks like golang-migrate's\): it has columns version, dirty and lacks version_key/,
    );
  });
  it('derives a stable lock per history table', () => {
    expect(advisoryLockKey('schema_migrations')).toBe(advisoryLockKey('schema_migrations'));
    expect(advisoryLockKey('schema_migrations')).not.toBe(advisoryLockKey('other'));
    expect(mysqlLockName('shop.schema_migrations')).toBe('deploy-kit:shop.schema_migrations');
    expect(mysqlLockName(`${'x'.repeat(64)}.schema_migrations`).length).toBeLessThanOrEqual(64);
    // `t` and `public.t` (PostgreSQL), `t` and `shop.t` (MySQL) are one lock.
    expect(historyLockName(parseHistoryTable('t'), 'public')).toBe(historyLockName(parseHistoryTable('public.t'), 'public'));
    expect(advisoryLockKey(historyLockName(parseHistoryTable('t'), 'public'))).toBe(advisoryLockKey(historyLockName(parseHistoryTable('public.t'), 'app')));
    expect(historyLockName(parseHistoryTable('t'), 'shop')).toBe('shop.t');
    expect(historyLockName(parseHistoryTable('app.t'), 'public')).not.toBe(historyLockName(parseHistoryTable('t'), 'public'));
  });
});

describe('restore on failure', () => {
  const base = { engine: 'postgres' as const, failingTransactional: true, committedInRun: 0, mode: 'all' as const, startedFailingFile: true };
  it('auto: a rolled-back PostgreSQL transaction needs no restore', () => {
    expect(shouldRestore('auto', base)).toBe(false);
    expect(shouldRestore('auto', { ...base, mode: 'per-migration', committedInRun: 2 })).toBe(false);
  });
  it('auto: restores for MySQL, a no-transaction file, or an all-mode run that committed part of itself', () => {
    expect(shouldRestore('auto', { ...base, engine: 'mysql' })).toBe(true);
    expect(shouldRestore('auto', { ...base, failingTransactional: false })).toBe(true);
    expect(shouldRestore('auto', { ...base, committedInRun: 1 })).toBe(true);
  });
  it('restore and none are explicit', () => {
    expect(shouldRestore('restore', base)).toBe(true);
    expect(shouldRestore('none', { ...base, engine: 'mysql' })).toBe(false);
  });
});

describe('backup helpers', () => {
  it('accepts a backup-dir that exists or can be created, refuses one under a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dk-bd-'));
    writeFileSync(join(dir, 'file'), '');
    expect(() => checkBackupDir(join(dir, 'new', 'deeper'))).not.toThrow();
    expect(() => checkBackupDir(join(dir, 'file', 'x'), 'backups')).toThrow(/backup-dir "backups" cannot be used: .*file is a file/);
    rmSync(dir, { recursive: true });
  });
  it('names backups by database and UTC time', () => {
    expect(backupFileName('shop', 'postgres', new Date('2026-11-28T09:30:05.123Z'))).toBe('shop-20261128T093005Z.dump');
    expect(backupFileName('my db/x', 'mysql', new Date('2026-11-28T09:30:05Z'))).toBe('my_db_x-20261128T093005Z.sql');
  });
  it('refuses a pg_dump older than the server before anything runs', () => {
    expect(majorVersion('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)')).toBe(15);
    expect(() => checkDumpToolVersion('pg_dump (PostgreSQL) 15.18', '16.2')).toThrow(
      /pg_dump is version 15 but the server runs PostgreSQL 16.*postgresql-client-16/,
    );
    expect(() => checkDumpToolVersion('pg_dump (PostgreSQL) 16.1', '15.18 (Debian)')).not.toThrow();
  });
  it('checks a SQL dump is complete', () => {
    expect(checkSqlDumpText('-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n', '...\n-- Dump completed\n')).toBeUndefined();
    expect(checkSqlDumpText('-- MariaDB dump 10.19\n', 'INSERT INTO t VALUES (1')).toMatch(/cut short/);
    expect(checkSqlDumpText('hello', '-- Dump completed')).toMatch(/header/);
  });
  it('finds objects the backup does not hold (pg_restore --list and mysqldump)', () => {
    const listing = [
      ';',
      '215; 1259 16386 TABLE public users deploykit',
      '216; 1255 16390 FUNCTION public normalize_email(text) deploykit',
      '3370; 0 16386 TABLE DATA public orders deploykit',
    ].join('\n');
    const objects = [
      { kind: 'TABLE', schema: 'public', name: 'users', drop: '' },
      { kind: 'TABLE', schema: 'public', name: 'orders', drop: '' },
      { kind: 'FUNCTION', schema: 'public', name: 'normalize_email', drop: '' },
      { kind: 'FUNCTION', schema: 'public', name: 'normalize', drop: '' },
    ];
    expect(objectsMissingFromBackup(objects, listing, 'postgres').map((o) => o.name)).toEqual(['orders', 'normalize']);
    const dump = 'CREATE TABLE `users` (\n/*!50001 CREATE VIEW `v` AS SELECT 1 */;\nCREATE DEFINER=`x`@`%` PROCEDURE `p`()';
    const my = [
      { kind: 'TABLE', schema: '', name: 'users', drop: '' },
      { kind: 'VIEW', schema: '', name: 'v', drop: '' },
      { kind: 'PROCEDURE', schema: '', name: 'p', drop: '' },
      { kind: 'TABLE', schema: '', name: 'later', drop: '' },
    ];
    expect(objectsMissingFromBackup(my, dump, 'mysql').map((o) => o.name)).toEqual(['later']);
  });
});
