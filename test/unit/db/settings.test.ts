import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDatabaseRollback } from '../../../actions/rollback/database.js';
import { readDatabaseInputs } from '../../../src/db/settings.js';
import { Inputs } from '../../../src/runtime/inputs.js';
import { SecretRegistry } from '../../../src/runtime/secrets.js';

function inputs(values: Record<string, string>): { inputs: Inputs; masked: string[] } {
  const masked: string[] = [];
  return {
    inputs: new Inputs(
      (n) => values[n] ?? '',
      new SecretRegistry(),
      (f) => masked.push(f),
      '/ws',
    ),
    masked,
  };
}

const run = { workspace: '/ws', tempDir: '/tmp/runner' };
const url = 'postgres://app:pw-s3cret@db.example:5432/shop';

describe('readDatabaseInputs: the one reader migrate-db and rollback share', () => {
  it('masks the URL, resolves paths against the workspace and defaults backup-dir under the runner temp dir', () => {
    const { inputs: i, masked } = inputs({ 'database-url': url, migrations: 'sql' });
    const db = readDatabaseInputs(i, run, { backup: false });
    expect(masked).toContain('pw-s3cret');
    expect(db.target.database).toBe('shop');
    expect(db.migrationsDir).toBe('/ws/sql');
    expect(db.migrationsLabel).toBe('sql');
    expect(db.backupDir).toBe('/tmp/runner/deploy-kit-backups');
  });

  it('rejects a history-table with SQL in it', () => {
    expect(() => readDatabaseInputs(inputs({ 'database-url': url, 'history-table': 'x; DROP TABLE y' }).inputs, run, { backup: false })).toThrow(
      /history-table/,
    );
  });

  it('checks backup-dir only when a backup will be written', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dk-settings-')), 'a-file');
    writeFileSync(file, 'x');
    const values = { 'database-url': url, 'backup-dir': file };
    expect(() => readDatabaseInputs(inputs(values).inputs, run, { backup: true })).toThrow(/backup-dir .* is a file/);
    expect(readDatabaseInputs(inputs(values).inputs, run, { backup: false }).backupDir).toBe(file);
  });
});

describe('rollback reads its database inputs through the same reader', () => {
  it('rejects a bad history-table (it used to pass unchecked)', () => {
    const values = { 'database-url': url, 'to-migration-version': '3', 'history-table': 'a.b.c' };
    expect(() => readDatabaseRollback(inputs(values).inputs, '/ws', '/tmp/runner')).toThrow(/history-table/);
  });

  it('rejects a backup-dir that is a file before a down migration (which backs up first)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dk-settings-')), 'a-file');
    writeFileSync(file, 'x');
    const values = { 'database-url': url, 'to-migration-version': '3', 'backup-dir': file };
    expect(() => readDatabaseRollback(inputs(values).inputs, '/ws', '/tmp/runner')).toThrow(/backup-dir/);
  });

  it('without database-url there is no database part', () => {
    expect(readDatabaseRollback(inputs({}).inputs, '/ws', '/tmp/runner')).toBeUndefined();
  });
});
