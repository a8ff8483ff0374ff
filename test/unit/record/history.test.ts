import { describe, expect, it } from 'vitest';
import { appendEntry, lastGoodImage, type RecordEntry } from '../../../src/record/history.js';

const e = (action: RecordEntry['action'], result: RecordEntry['result'], now: string, before: string): RecordEntry => ({
  at: '2026-11-28T00:00:00Z',
  action,
  result,
  services: [{ service: 'app', image: now }],
  previous: [{ service: 'app', image: before }],
});

describe('deployment record', () => {
  it('keeps the last N entries', () => {
    let h = { version: 1 as const, entries: [] as RecordEntry[] };
    for (let i = 0; i < 5; i++) h = appendEntry(h, e('deploy-canary', 'promoted', `app:${i + 1}`, `app:${i}`), 3);
    expect(h.entries.map((x) => x.services[0]!.image)).toEqual(['app:3', 'app:4', 'app:5']);
  });

  it('finds the previous good image, including the one a first promotion replaced', () => {
    expect(lastGoodImage([e('deploy-canary', 'promoted', 'app:2', 'app:1')], 'app', 'app:2')?.image).toBe('app:1');
    expect(lastGoodImage([], 'app', 'app:2')).toBeUndefined();
    expect(lastGoodImage([e('deploy-canary', 'promoted', 'app:2', 'app:1')], 'other', 'x')).toBeUndefined();
  });

  it('skips aborted canaries and images rolled back from, so a second rollback does not bring a bad release back', () => {
    const entries = [
      e('deploy-canary', 'promoted', 'app:2', 'app:1'),
      e('deploy-canary', 'aborted', 'app:3', 'app:2'),
      e('deploy-canary', 'promoted', 'app:4', 'app:2'),
      e('rollback', 'rolled-back', 'app:2', 'app:4'),
    ];
    expect(lastGoodImage(entries, 'app', 'app:2')?.image).toBe('app:1');
    expect(lastGoodImage(entries.slice(0, 3), 'app', 'app:4')?.image).toBe('app:2');
  });

  it('counts an image released again after a rollback as good again', () => {
    const entries = [
      e('deploy-canary', 'promoted', 'app:2', 'app:1'),
      e('rollback', 'rolled-back', 'app:1', 'app:2'),
      e('deploy-canary', 'promoted', 'app:2', 'app:1'),
      e('deploy-canary', 'promoted', 'app:3', 'app:2'),
    ];
    expect(lastGoodImage(entries, 'app', 'app:3')?.image).toBe('app:2');
  });
});
