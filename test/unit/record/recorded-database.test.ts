import { describe, expect, it } from 'vitest';
import { canaryEntry } from '../../../src/record/entries.js';
import { databaseFields, type RecordEntry } from '../../../src/record/history.js';
import { recordedDatabase } from '../../../src/record/rollback-plan.js';

const at = (minute: number): Date => new Date(Date.UTC(2026, 11, 1, 10, minute));

/** v1 (db 1) → v2 (db 2, backup before it) promoted → v3 aborted (db 3, its backup) → rollback v2 → v1 (db 1). */
const HISTORY: RecordEntry[] = [
  canaryEntry({ result: 'promoted', service: 'backend', image: 'b:1', previous: { service: 'backend', image: 'b:0' }, database: { version: '1' }, at: at(0) }),
  {
    at: at(1).toISOString(),
    action: 'rolling',
    result: 'deployed',
    services: [{ service: 'frontend', image: 'f:1' }],
    previous: [{ service: 'frontend', image: 'f:0' }],
    ...databaseFields({ version: '1' }),
  },
  canaryEntry({
    result: 'promoted',
    service: 'backend',
    image: 'b:2',
    previous: { service: 'backend', image: 'b:1' },
    database: { version: '2', backup: '/srv/backups/shop-20261201T100200Z.dump' },
    at: at(2),
  }),
  canaryEntry({
    result: 'aborted',
    service: 'backend',
    image: 'b:3',
    previous: { service: 'backend', image: 'b:2' },
    database: { version: '3', backup: '/srv/backups/shop-20261201T100300Z.dump' },
    at: at(3),
  }),
];

describe('the database a release ran against, kept in the record', () => {
  it('canary and rolling entries carry the database version and the backup taken before the release, when given', () => {
    expect(HISTORY[2]).toMatchObject({ databaseVersion: '2', backup: '/srv/backups/shop-20261201T100200Z.dump' });
    expect(HISTORY[1]).toMatchObject({ databaseVersion: '1' });
    expect(HISTORY[1]).not.toHaveProperty('backup');
    expect(databaseFields(undefined)).toEqual({});
  });

  it('rolling back b:2 → b:1: the version b:1 ran against, and the backup taken just before b:2', () => {
    expect(recordedDatabase(HISTORY, [{ from: 'b:2', to: 'b:1' }])).toEqual({
      version: { value: '1', at: at(0).toISOString(), image: 'b:1' },
      backup: { path: '/srv/backups/shop-20261201T100200Z.dump', at: at(2).toISOString(), image: 'b:2' },
    });
  });

  it('both services: the frontend entry counts too; an aborted release’s database is never chosen', () => {
    const found = recordedDatabase(HISTORY, [
      { from: 'b:2', to: 'b:1' },
      { from: 'f:1', to: 'f:0' },
    ]);
    expect(found.version).toMatchObject({ value: '1' });
    expect(recordedDatabase(HISTORY, [{ from: 'b:3', to: 'b:2' }])).toEqual({
      version: { value: '2', at: at(2).toISOString(), image: 'b:2' },
    });
  });

  it('a rollback entry keeps the version it migrated down to; its own backup is never “the backup before a release”', () => {
    const rolledBack: RecordEntry = {
      at: at(4).toISOString(),
      action: 'rollback',
      result: 'rolled-back',
      services: [{ service: 'backend', image: 'b:1' }],
      previous: [{ service: 'backend', image: 'b:2' }],
      databaseVersion: '1',
      backup: '/srv/backups/shop-20261201T100400Z.dump',
    };
    const found = recordedDatabase([...HISTORY, rolledBack], [{ from: 'b:1', to: 'b:0' }]);
    expect(found.backup).toBeUndefined();
    expect(recordedDatabase([...HISTORY, rolledBack], [{ from: 'b:2', to: 'b:1' }]).version).toMatchObject({ value: '1', at: at(4).toISOString() });
  });

  it('nothing recorded: nothing found', () => {
    expect(recordedDatabase([], [{ from: 'b:2', to: 'b:1' }])).toEqual({});
  });
});
