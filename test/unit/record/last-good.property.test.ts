// Property tests of the record's last-good rule over random histories of one service: releases
// promoted or aborted, rollbacks that succeed, fail on the database (the services did move) or fail
// on the roll-out (they did not). Each release is a new image, as a real release is a new digest.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastGoodImage, type RecordEntry } from '../../../src/record/history.js';

type Move = 'promote' | 'abort' | 'rollback-ok' | 'rollback-db-failed' | 'rollback-rollout-failed';

interface Sim {
  entries: RecordEntry[];
  current: string;
  aborted: Set<string>;
  rolledBackFrom: Set<string>;
  /** Every rollback's choice, with what was known bad when it was made. */
  choices: Array<{ from: string; to: string; aborted: string[]; rolledBackFrom: string[]; previousFrom?: string }>;
}

const entry = (action: RecordEntry['action'], result: RecordEntry['result'], now: string, before: string): RecordEntry => ({
  at: '2026-12-01T00:00:00Z',
  action,
  result,
  services: [{ service: 'app', image: now }],
  previous: [{ service: 'app', image: before }],
});

function simulate(moves: Move[]): Sim {
  const sim: Sim = {
    entries: [entry('deploy-canary', 'promoted', 'app:1', 'app:0')],
    current: 'app:1',
    aborted: new Set(),
    rolledBackFrom: new Set(),
    choices: [],
  };
  let next = 2;
  moves.forEach((move, step) => {
    if (move === 'promote' || move === 'abort') {
      const image = `app:${next++}`;
      sim.entries.push(entry('deploy-canary', move === 'promote' ? 'promoted' : 'aborted', image, sim.current));
      if (move === 'promote') sim.current = image;
      else sim.aborted.add(image);
      return;
    }
    const to = lastGoodImage(sim.entries, 'app', sim.current)?.image;
    if (!to) return;
    sim.choices.push({
      from: sim.current,
      to,
      aborted: [...sim.aborted],
      rolledBackFrom: [...sim.rolledBackFrom],
      previousFrom: moves[step - 1]?.startsWith('rollback') ? sim.choices.at(-1)?.from : undefined,
    });
    sim.rolledBackFrom.add(sim.current);
    if (move === 'rollback-ok') {
      sim.entries.push(entry('rollback', 'rolled-back', to, sim.current));
      sim.current = to;
    } else if (move === 'rollback-db-failed') {
      sim.entries.push(entry('rollback', 'failed', to, sim.current));
      sim.current = to;
    } else {
      sim.entries.push(entry('rollback', 'failed', to, sim.current));
    }
  });
  return sim;
}

const histories = fc.array(fc.constantFrom<Move>('promote', 'abort', 'rollback-ok', 'rollback-db-failed', 'rollback-rollout-failed'), { maxLength: 40 });

describe('last good release, over random histories (fast-check)', () => {
  it('a rollback never chooses the current image, an aborted one, or one rolled back from', () => {
    fc.assert(
      fc.property(histories, (moves) => {
        for (const choice of simulate(moves).choices) {
          expect(choice.to).not.toBe(choice.from);
          expect(choice.aborted).not.toContain(choice.to);
          expect(choice.rolledBackFrom).not.toContain(choice.to);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('two rollbacks in a row never return to the release the first one left', () => {
    fc.assert(
      fc.property(histories, (moves) => {
        for (const choice of simulate(moves).choices) if (choice.previousFrom) expect(choice.to).not.toBe(choice.previousFrom);
      }),
      { numRuns: 1000 },
    );
  });

  it('the issue’s history: promoted v1→v2, rollback v2→v1 failed on the database; rolling back again from v1 does not choose v2', () => {
    const entries = [entry('deploy-canary', 'promoted', 'app:v2', 'app:v1'), entry('rollback', 'failed', 'app:v1', 'app:v2')];
    expect(lastGoodImage(entries, 'app', 'app:v1')).toBeUndefined();
    // A rollback whose roll-out failed (v1 never ran) still rejects v2 and not v1: retrying chooses v1 again.
    expect(lastGoodImage(entries, 'app', 'app:v2')?.image).toBe('app:v1');
  });
});
