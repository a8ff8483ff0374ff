import { describe, expect, it } from 'vitest';
import type { Notification } from '../../../src/notify/webhook.js';
import type { RecordEntry } from '../../../src/record/history.js';
import { rollback, type RollbackRequest } from '../../../src/release/rollback.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { MemoryRecord } from '../../support/fakes/record.js';
import { FakeTarget } from '../../support/fakes/target.js';

/** A rolling deploy of backend and frontend from :1 to :2, as the record keeps it. */
const HISTORY: RecordEntry[] = [
  {
    at: '2026-11-30T10:00:00.000Z',
    action: 'rolling',
    result: 'deployed',
    services: [
      { service: 'backend', image: 'backend:2' },
      { service: 'frontend', image: 'frontend:2' },
    ],
    previous: [
      { service: 'backend', image: 'backend:1' },
      { service: 'frontend', image: 'frontend:1' },
    ],
  },
];

function stage() {
  const target = new FakeTarget({ backend: 'backend:2', frontend: 'frontend:2' });
  const record = new MemoryRecord([...HISTORY]);
  const notifications: Notification[] = [];
  const deps = { target, record, log: memoryLogger(), notify: async (n: Notification) => void notifications.push(n) };
  return { target, record, notifications, deps };
}

const base: RollbackRequest = { services: ['backend', 'frontend'], healthTimeoutMs: 1000, dryRun: false, runUrl: 'https://ci/run/2' };

describe('rollback use case (in-memory target and record)', () => {
  it('rolls services back in the order given, each after removing a leftover canary, then the database, then the checks', async () => {
    const setup = stage();
    const { target } = setup;
    target.canaries.set('frontend', { service: 'frontend', canaryName: 'frontend-canary', image: 'frontend:3', stableImage: 'frontend:2' });
    const database = { describe: 'restore the backup', run: async () => (target.calls.push('database'), 'restored') };
    const checks = { count: 1, run: async () => (target.calls.push('checks'), []) };
    const result = await rollback(setup.deps, { ...base, database, checks });
    expect(target.calls).toEqual([
      'remove-canary backend',
      'rollout backend=backend:1',
      'remove-canary frontend',
      'rollout frontend=frontend:1',
      'database',
      'checks',
    ]);
    expect(target.canaries.size).toBe(0);
    expect(result).toMatchObject({ kind: 'rolled-back', database: 'restored', checks: { report: { passed: true, total: 0 } } });
    expect(result).not.toHaveProperty('problem');
    expect(setup.record.entries.at(-1)).toMatchObject({
      action: 'rollback',
      result: 'rolled-back',
      services: [{ image: 'backend:1' }, { image: 'frontend:1' }],
      previous: [{ image: 'backend:2' }, { image: 'frontend:2' }],
      database: 'restored',
    });
    expect(setup.notifications.map((n) => [n.outcome, n.title])).toEqual([['warning', 'Rolled back: backend to backend:1, frontend to frontend:1']]);
  });

  it('a database step that fails leaves the services rolled back, records the failure, skips the checks and says why', async () => {
    const setup = stage();
    let checksRan = false;
    const database = {
      describe: 'migrate down to 1',
      run: async () => {
        throw new Error('relation "orders" is locked');
      },
    };
    const checks = { count: 1, run: async () => ((checksRan = true), []) };
    const result = await rollback(setup.deps, { ...base, database, checks });
    expect(result).toMatchObject({
      kind: 'rolled-back',
      database: 'FAILED: relation "orders" is locked',
      problem: 'the database rollback failed: relation "orders" is locked',
    });
    expect(checksRan).toBe(false);
    expect(setup.target.running.get('backend')).toBe('backend:1');
    expect(setup.target.running.get('frontend')).toBe('frontend:1');
    expect(setup.record.entries.at(-1)).toMatchObject({ result: 'failed', database: 'FAILED: relation "orders" is locked' });
    expect(setup.notifications[0]).toMatchObject({ outcome: 'failure', title: expect.stringMatching(/^Rollback with problems/) });
  });

  it('a service that does not come back stops the rollback: later services and the database are left alone', async () => {
    const setup = stage();
    setup.target.unhealthy.add('backend:1');
    let databaseRan = false;
    const database = { describe: 'restore', run: async () => ((databaseRan = true), 'restored') };
    const result = await rollback(setup.deps, { ...base, database });
    expect(result).toMatchObject({ kind: 'failed', done: [], reason: expect.stringMatching(/^backend did not roll back: backend did not become healthy/) });
    expect(setup.target.calls).toEqual(['remove-canary backend', 'rollout backend=backend:1']);
    expect(setup.target.running.get('frontend')).toBe('frontend:2');
    expect(databaseRan).toBe(false);
    expect(setup.record.entries.at(-1)).toMatchObject({ action: 'rollback', result: 'failed' });
    expect(setup.notifications[0]).toMatchObject({ outcome: 'failure', title: 'Rollback of backend, frontend FAILED' });
  });

  it('with no earlier good release changes nothing and says why', async () => {
    const setup = stage();
    setup.record.entries.length = 0;
    const result = await rollback(setup.deps, base);
    expect(result).toMatchObject({ kind: 'impossible', reason: expect.stringMatching(/^No earlier good release of backend/) });
    expect(setup.target.calls).toEqual([]);
    expect(setup.record.entries).toEqual([]);
  });

  it('a dry run plans every service and changes nothing', async () => {
    const setup = stage();
    const result = await rollback(setup.deps, { ...base, dryRun: true, toVersion: '0.9' });
    expect(result).toMatchObject({ kind: 'planned', steps: [{ to: 'backend:0.9' }, { to: 'frontend:0.9' }] });
    expect(setup.target.calls).toEqual([]);
    expect(setup.record.entries).toHaveLength(1);
  });
});

describe('rollback use case: the database step from the record', () => {
  it('is prepared after the plan, from the version of the release rolled back to, and the entry keeps the version it migrated to', async () => {
    const target = new FakeTarget({ backend: 'backend:2', frontend: 'frontend:2' });
    const history: RecordEntry[] = [
      { ...HISTORY[0]!, services: HISTORY[0]!.previous, previous: [], databaseVersion: '4' },
      { ...HISTORY[0]!, databaseVersion: '5', backup: '/srv/backups/before-2.dump' },
    ];
    const record = new MemoryRecord(history);
    let seen: unknown;
    const result = await rollback(
      { target, record, log: memoryLogger() },
      {
        ...base,
        databaseFromRecord: async (recorded) => {
          seen = recorded;
          return { describe: `migrate down to ${recorded.version!.value}`, version: recorded.version!.value, run: async () => 'migrated down to 4' };
        },
      },
    );
    expect(seen).toMatchObject({ version: { value: '4', image: 'backend:1' }, backup: { path: '/srv/backups/before-2.dump', image: 'backend:2' } });
    expect(result).toMatchObject({ kind: 'rolled-back', database: 'migrated down to 4' });
    expect(record.entries.at(-1)).toMatchObject({ action: 'rollback', result: 'rolled-back', databaseVersion: '4' });
  });

  it('a database step the record cannot give stops the rollback before anything changed', async () => {
    const target = new FakeTarget({ backend: 'backend:2', frontend: 'frontend:2' });
    const record = new MemoryRecord([...HISTORY]);
    const request = {
      ...base,
      databaseFromRecord: async () => {
        throw new Error('no database version recorded');
      },
    };
    await expect(rollback({ target, record, log: memoryLogger() }, request)).rejects.toThrow(/no database version recorded/);
    expect(target.calls).toEqual([]);
    expect(record.entries).toHaveLength(1);
  });
});
