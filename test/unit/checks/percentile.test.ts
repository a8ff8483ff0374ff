import { describe, expect, it } from 'vitest';
import { latencyStats, percentile } from '../../../src/checks/percentile.js';

describe('percentile (nearest rank)', () => {
  const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
  it('returns an observed value: sorted[ceil(p/100·n) − 1]', () => {
    expect(percentile(ten, 50)).toBe(5);
    expect(percentile(ten, 51)).toBe(6);
    expect(percentile(ten, 90)).toBe(9);
    expect(percentile(ten, 95)).toBe(10);
    expect(percentile(ten, 100)).toBe(10);
    expect(percentile(ten, 10)).toBe(1);
    expect(percentile(ten, 0)).toBe(1);
  });
  it('on 100 values p95 is the 95th smallest, p99 the 99th', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 50)).toBe(50);
  });
  it('one value is every percentile; none gives undefined', () => {
    expect(percentile([42], 1)).toBe(42);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeUndefined();
  });
  it('does not interpolate between neighbours', () => {
    expect(percentile([1, 100], 50)).toBe(1);
    expect(percentile([1, 100], 51)).toBe(100);
  });
  it('rejects p outside 0..100', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });
  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('latencyStats', () => {
  it('summarises min, mean, p50, p95, p99, max', () => {
    const values = Array.from({ length: 20 }, (_, i) => (i + 1) * 10); // 10..200
    expect(latencyStats(values)).toEqual({ count: 20, min: 10, mean: 105, p50: 100, p95: 190, p99: 200, max: 200 });
  });
  it('is undefined for no values', () => {
    expect(latencyStats([])).toBeUndefined();
  });
});
