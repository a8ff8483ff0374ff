import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rollbackFailure, rollbackOutputs, rollbackSummary } from '../../../actions/rollback/report.js';
import type { RollbackResult } from '../../../src/release/rollback.js';
import { repoRoot } from '../../harness/run-action.js';

const declared = Object.keys((parse(readFileSync(join(repoRoot, 'rollback', 'action.yml'), 'utf8')) as { outputs: object }).outputs).sort();

const from = [{ service: 'app', image: 'app:2' }];
const steps = [{ service: 'app', from: 'app:2', to: 'app:1', source: 'record' as const }];
const results: Array<[string, RollbackResult]> = [
  ['nothing to roll back to', { kind: 'impossible', from, reason: 'No earlier good release of app' }],
  ['dry run', { kind: 'planned', from, steps }],
  ['a service failed', { kind: 'failed', from, steps, done: [], reason: 'app did not roll back: unhealthy' }],
  ['rolled back', { kind: 'rolled-back', from, steps, done: steps, durationMs: 1200, database: 'untouched' }],
  [
    'rolled back, database failed',
    { kind: 'rolled-back', from, steps, done: steps, durationMs: 1200, database: 'FAILED: x', problem: 'the database rollback failed: x' },
  ],
];

describe('rollback outputs per path', () => {
  it.each(results)('%s sets every declared output', (_name, result) => {
    const outputs = rollbackOutputs(result);
    expect(Object.keys(outputs).sort()).toEqual(declared);
    expect(outputs['rolled-back-from']).toBe('app:2');
  });

  it('the database row and the failure say what happened', () => {
    const [, failed] = results[4]!;
    expect(rollbackSummary(failed).toString()).toContain('FAILED: x');
    expect(rollbackFailure(failed)).toBe('Services rolled back (app → app:1), but the database rollback failed: x.');
    expect(rollbackFailure(results[3]![1])).toBeUndefined();
    expect(rollbackSummary(results[3]![1]).toString()).not.toContain('Database');
  });
});
