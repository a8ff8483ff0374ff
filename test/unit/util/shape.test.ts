import { describe, expect, it } from 'vitest';
import { describeValue, isObject } from '../../../src/util/shape.js';

describe('isObject', () => {
  it('is true for mappings only', () => {
    expect(isObject({})).toBe(true);
    expect(isObject({ a: 1 })).toBe(true);
    for (const value of [null, undefined, [], [1], 'x', 3, true]) expect(isObject(value)).toBe(false);
  });
});

describe('describeValue', () => {
  it.each([
    [null, 'empty'],
    [undefined, 'empty'],
    [[1, 2], 'a list'],
    [{ a: 1 }, 'a mapping'],
    ['x', 'string "x"'],
    [3, 'number 3'],
    [true, 'boolean true'],
  ])('%j reads as %s', (value, words) => {
    expect(describeValue(value)).toBe(words);
  });
  it('reads a big integer without throwing', () => {
    expect(describeValue(10n)).toBe('bigint 10');
  });
});
