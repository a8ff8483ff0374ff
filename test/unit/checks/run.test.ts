import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../../src/checks/run.js';

describe('mapConcurrent', () => {
  it('keeps the input order and never has more than the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapConcurrent([50, 10, 30, 5, 20, 1, 15], 3, async (ms, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:50', '1:10', '2:30', '3:5', '4:20', '5:1', '6:15']);
    expect(most).toBe(3);
  });
  it('handles no items and a limit above the count', async () => {
    expect(await mapConcurrent([], 5, async () => 1)).toEqual([]);
    expect(await mapConcurrent([1, 2], 10, async (x) => x * 2)).toEqual([2, 4]);
  });
  it('rejects when one item rejects', async () => {
    await expect(
      mapConcurrent([1, 2, 3], 2, async (x) => {
        if (x === 2) throw new Error('boom');
        return x;
      }),
    ).rejects.toThrow('boom');
  });
});
