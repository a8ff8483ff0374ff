import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareRecordedDatabase, withRecordedDatabase, type DatabaseRollback } from '../../../actions/rollback/database.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';

const base = { url: 'postgres://u:p@127.0.0.1/db', backupDir: '/srv/backups', fromRecord: true, allowForeignBackup: false } as const;
const at = '2026-12-01T10:00:00.000Z';

describe('rollback: `record` resolved from the deployment record', () => {
  it('to-migration-version: record → the version the release rolled back to ran against', () => {
    const settings: DatabaseRollback = { ...base, mode: 'migrate', migrationsDir: '/w/db/migrations' };
    expect(withRecordedDatabase(settings, { version: { value: '4', at, image: 'b:1' } }, '/p.history.json')).toMatchObject({
      mode: 'migrate',
      toVersion: '4',
      fromRecord: false,
    });
  });

  it('restore-backup: record → the backup taken before the release rolled back from, when the file is still there', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dk-rb-')), 'db-20261201T100000Z.dump');
    writeFileSync(file, 'dump');
    const settings: DatabaseRollback = { ...base, mode: 'restore' };
    expect(withRecordedDatabase(settings, { backup: { path: file, at, image: 'b:2' } }, '/p.history.json')).toMatchObject({ backupPath: file });
    expect(() => withRecordedDatabase(settings, { backup: { path: `${file}.gone`, at, image: 'b:2' } }, '/p.history.json')).toThrow(
      /restore-backup: record names .*\.gone \(taken before b:2\), which does not exist/,
    );
  });

  it('nothing recorded: a configuration error naming the input and the record, nothing changed', () => {
    expect(() => withRecordedDatabase({ ...base, mode: 'migrate' }, {}, '/p.history.json')).toThrow(
      /to-migration-version: record, but the deployment record \/p\.history\.json keeps no database version/,
    );
    expect(() => withRecordedDatabase({ ...base, mode: 'restore' }, {}, '/p.history.json')).toThrow(/restore-backup: record, but .* keeps no backup/);
  });

  it('settings without record are returned as they are', () => {
    const settings: DatabaseRollback = { url: base.url, backupDir: base.backupDir, mode: 'migrate', toVersion: '3', allowForeignBackup: false };
    expect(withRecordedDatabase(settings, {}, '/p')).toBe(settings);
  });
});

describe('rollback: to-migration-version: record and a release without down files (decision 0090)', () => {
  const settings: DatabaseRollback = { ...base, mode: 'migrate', migrationsDir: '/w/db/migrations' };
  const recorded = { version: { value: '4', at, image: 'b:1' } };
  const noDown = async (): Promise<string> => {
    throw new ConfigurationError('to-version 4: version 5 (V5__add.sql) has no down migration. Add U5__add.sql, or choose a higher to-version.', {
      input: 'to-migration-version',
    });
  };

  it('the database stays, with a warning naming the missing down file; the app still goes back', async () => {
    const warnings: string[] = [];
    expect(await prepareRecordedDatabase(settings, recorded, '/p', noDown, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/^The database stays at its version: .*has no down migration\. Add U5__add\.sql/)]);
  });

  it('prepares the down migration to the recorded version when down files exist', async () => {
    const seen: DatabaseRollback[] = [];
    const prepared = await prepareRecordedDatabase(
      settings,
      recorded,
      '/p',
      async (s) => (seen.push(s), 'ready'),
      () => {},
    );
    expect(prepared).toBe('ready');
    expect(seen[0]).toMatchObject({ mode: 'migrate', toVersion: '4', fromRecord: false });
  });

  it('any other problem still stops the rollback before anything changes', async () => {
    const refused = async (): Promise<string> => {
      throw new ConfigurationError('database-url: PostgreSQL refused the connection', { input: 'database-url' });
    };
    await expect(prepareRecordedDatabase(settings, recorded, '/p', refused, () => {})).rejects.toThrow(/refused the connection/);
    await expect(prepareRecordedDatabase({ ...settings, mode: 'restore' }, {}, '/p', noDown, () => {})).rejects.toThrow(/keeps no backup/);
  });
});
