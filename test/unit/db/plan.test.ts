import { describe, expect, it } from 'vitest';
import { buildMigrationSet } from '../../../src/db/files.js';
import { checkExpectedVersion, checkTargetVersion, findChangedFiles, planMigrations, splitIntoBatches, type HistoryRow } from '../../../src/db/plan.js';

const files = [
  { name: 'V1__a.sql', content: 'CREATE TABLE a (id int);' },
  { name: 'U1__a.sql', content: 'DROP TABLE a;' },
  { name: 'V2__b.sql', content: 'CREATE TABLE b (id int); INSERT INTO b VALUES (1);' },
  { name: 'U2__b.sql', content: 'DROP TABLE b;' },
  { name: 'V3__idx.sql', content: '-- deploy-kit:no-transaction\nCREATE INDEX CONCURRENTLY i ON b (id);' },
  { name: 'V4__c.sql', content: 'CREATE TABLE c (id int);' },
  { name: 'V5__d.sql', content: 'CREATE TABLE d (id int);' },
];
const set = buildMigrationSet(files, 'postgres');
const row = (version: string): HistoryRow => ({ version, name: 'x', checksum: set.find((m) => m.version === version)!.up!.checksum });

describe('planMigrations', () => {
  it('plans every file on an empty database, splitting the transaction around a no-transaction file', () => {
    const plan = planMigrations(set, []);
    expect(plan.steps.map((s) => [s.version, s.statementCount, s.transactional])).toEqual([
      ['1', 1, true],
      ['2', 2, true],
      ['3', 1, false],
      ['4', 1, true],
      ['5', 1, true],
    ]);
    expect(plan.batches.map((b) => [b.transactional, b.steps.map((s) => s.version)])).toEqual([
      [true, ['1', '2']],
      [false, ['3']],
      [true, ['4', '5']],
    ]);
    expect(plan.previousVersion).toBeUndefined();
    expect(plan.targetVersion).toBe('5');
    expect(plan.direction).toBe('up');
  });
  it('per-migration mode puts each file in its own batch', () => {
    expect(planMigrations(set, [], { transactionMode: 'per-migration' }).batches).toHaveLength(5);
    expect(splitIntoBatches([], 'all')).toEqual([]);
  });
  it('plans only what is pending, and nothing when up to date', () => {
    const plan = planMigrations(set, [row('1'), row('2')]);
    expect(plan.steps.map((s) => s.version)).toEqual(['3', '4', '5']);
    expect(plan.previousVersion).toBe('2');
    const none = planMigrations(set, ['1', '2', '3', '4', '5'].map(row));
    expect(none.steps).toEqual([]);
    expect(none.direction).toBe('none');
    expect(none.targetVersion).toBe('5');
  });
  it('stops at to-version', () => {
    expect(planMigrations(set, [], { toVersion: '2' }).steps.map((s) => s.version)).toEqual(['1', '2']);
  });
  it('goes down only with allow-down, in reverse, needing every down file', () => {
    const history = ['1', '2', '3'].map(row);
    expect(() => planMigrations(set, history, { toVersion: '1' })).toThrow(
      /to-version 1 is below the database's current version 3: that would undo 3, 2\. Set allow-down: true/,
    );
    expect(() => planMigrations(set, history, { toVersion: '1', allowDown: true })).toThrow(
      /version 3 \(V3__idx\.sql\) has no down migration\. Add U3__idx\.sql/,
    );
    const plan = planMigrations(set, ['1', '2'].map(row), { toVersion: '0', allowDown: true });
    expect(plan.steps.map((s) => `${s.direction}:${s.version}`)).toEqual(['down:2', 'down:1']);
    expect(plan.targetVersion).toBeUndefined();
    expect(plan.direction).toBe('down');
  });
  it('refuses a changed applied file, naming it, unless allow-changed', () => {
    const changed: HistoryRow = { version: '1', name: 'a', checksum: 'f'.repeat(64) };
    expect(() => planMigrations(set, [changed])).toThrow(/V1__a\.sql was changed after it was applied .* Nothing was applied/);
    const plan = planMigrations(set, [changed], { allowChanged: true });
    expect(plan.checksumUpdates.map((c) => c.file)).toEqual(['V1__a.sql']);
    expect(findChangedFiles(set, [row('1')])).toEqual([]);
  });
  it('refuses a pending file older than the current version (out of order)', () => {
    expect(() => planMigrations(set, [row('1'), row('3')])).toThrow(/V2__b\.sql \(version 2\) is not applied, but the database is already at version 3/);
  });
  it('baseline adopts an empty history and skips the files up to it', () => {
    const plan = planMigrations(set, [], { baselineVersion: '2' });
    expect(plan.baseline).toBe('2');
    expect(plan.steps.map((s) => s.version)).toEqual(['3', '4', '5']);
    // With a history already, the baseline input changes nothing.
    expect(planMigrations(set, [row('1')], { baselineVersion: '2' }).baseline).toBeUndefined();
  });
  it('stops on a dirty row (a run died mid-file on MySQL), naming it, before planning anything', () => {
    expect(() => planMigrations(set, [row('1'), { ...row('2'), name: 'b', dirty: true, appliedBy: 'https://ci/run/7' }])).toThrow(
      /version 2 \(b\) is marked dirty in the history: a run \(https:\/\/ci\/run\/7\) stopped while applying it.*Nothing was applied/,
    );
  });
  it('notes applied versions that have no file', () => {
    expect(planMigrations(set, [...['1', '2', '3', '4', '5'].map(row), { version: '6', name: 'z', checksum: 'a'.repeat(64) }]).unknownApplied).toEqual(['6']);
  });
  it('checks to-version and expect-version before anything connects or runs', () => {
    expect(() => checkTargetVersion(set, '7')).toThrow(/to-version 7 is not the version of any migration file \(nearest: 5\)/);
    expect(() => checkTargetVersion(set, '4')).not.toThrow();
    expect(() => checkTargetVersion(set, '0')).not.toThrow();
    expect(() => checkExpectedVersion(planMigrations(set, []), '4')).toThrow(/expect-version is 4, but after this run the database would be at 5/);
    expect(() => checkExpectedVersion(planMigrations(set, []), '5')).not.toThrow();
  });
});
