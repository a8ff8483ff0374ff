import { describe, expect, it } from 'vitest';
import { buildMigrationSet } from '../../../src/db/files.js';
import { planMigrations } from '../../../src/db/plan.js';
import type { MigrateResult } from '../../../src/db/engine.js';
import { buildSummary, planLines } from '../../../actions/migrate-db/summary.js';

const set = buildMigrationSet(
  [
    { name: 'V1__a.sql', content: 'CREATE TABLE a (id int);' },
    { name: 'V2__b.sql', content: 'CREATE TABLE b (id int);' },
    { name: 'V3__c.sql', content: 'CREATE TABLE c (id int);' },
  ],
  'postgres',
);

function result(extra: Partial<MigrateResult> = {}): MigrateResult {
  const plan = planMigrations(set, []);
  return {
    dryRun: false,
    engine: 'postgres',
    serverVersion: '15.18',
    database: 'PostgreSQL database "app" at h:5432 as u',
    historyTable: 'deploy_kit_migrations',
    plan,
    applied: [],
    pendingCount: 3,
    lockWaitMs: 0,
    durationMs: 10,
    ...extra,
  };
}

describe('migrate-db summary', () => {
  it('lists the plan with statements and transactions', () => {
    expect(planLines(planMigrations(set, []), 'mysql')[1]).toBe('  ↑ 1 V1__a.sql — 1 statement(s), own transaction (DDL commits implicitly)');
    expect(planLines(planMigrations(set, []), 'postgres')[3]).toBe('  ↑ 3 V3__c.sql — 1 statement(s), transaction 1');
    const s = buildSummary(result({ dryRun: true })).toString();
    expect(s).toContain('## migrate-db dry run: 3 pending');
    expect(s).toContain('| 1 | V1__a.sql | up | 1 | yes (#1) |  | pending |');
  });
  it('marks applied, failed (with line), rolled back and not run; escapes the error text', () => {
    const s = buildSummary(
      result({
        applied: [],
        failure: { message: 'syntax error at <b>"x"</b> | y', version: '2', file: 'V2__b.sql', line: 7, outcome: 'rolled-back', undone: ['1', '2'] },
      }),
    ).toString();
    expect(s).toContain('## migrate-db failed: V2__b.sql');
    expect(s).toContain('| 1 | V1__a.sql | up | 1 | yes (#1) |  | ↩ rolled back |');
    expect(s).toContain('| 2 | V2__b.sql | up | 1 | yes (#1) |  | ❌ failed at line 7, rolled back |');
    expect(s).toContain('| 3 | V3__c.sql | up | 1 | yes (#1) |  | ⏭ not run |');
    expect(s).toContain('&lt;b&gt;');
    // Outside the fenced code block (where Markdown shows it as text) it is escaped.
    expect(s.replace(/```text[\s\S]*?```/g, '')).not.toContain('<b>');
  });
});
