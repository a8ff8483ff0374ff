import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import {
  assertKnownKeys,
  closest,
  formatDuration,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseInteger,
  parseList,
  parsePercent,
} from '../../../src/runtime/parse.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['2d', 172_800_000],
    ['30', 30_000],
    [' 10s ', 10_000],
    ['0s', 0],
  ])('%s → %i ms', (text, ms) => {
    expect(parseDuration(text, 'timeout')).toBe(ms);
  });

  it.each(['-5s', '5 minutes', 'abc', '5x', 's', '1m-2s', ''])('rejects %j naming the input', (text) => {
    expect(() => parseDuration(text, 'interval')).toThrow(ConfigurationError);
    expect(() => parseDuration(text, 'interval')).toThrow(/interval/);
  });

  it('bounds what reaches a timer: 30d is an error naming the input, not a 1 ms timeout', () => {
    expect(parseDuration('24d', 'timeout')).toBe(24 * 86_400_000);
    expect(() => parseDuration('30d', 'timeout')).toThrow(/timeout is "30d", longer than the 596h31m a timer can wait/);
    expect(() => parseDuration(2 ** 31 / 1000, 'watch')).toThrow(ConfigurationError);
    expect(() => parseDuration('30d', 'watch')).toThrow(expect.objectContaining({ input: 'watch' }));
    expect(parseDuration(`${2 ** 31 - 1}ms`, 'timeout')).toBe(2 ** 31 - 1);
    // Values that never reach a timer (a backup age, a query window) may be longer.
    expect(parseDuration('90d', 'backup-retention', { maxMs: Infinity })).toBe(90 * 86_400_000);
  });
  it('says durations cannot be negative', () => {
    expect(() => parseDuration('-1s', 'timeout')).toThrow(/cannot be negative/);
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [1500, '1.5s'],
    [12_500, '12.5s'],
    [200_000, '3m20s'],
    [3_900_000, '1h5m'],
    [60_000, '1m'],
  ])('%i → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('scalars', () => {
  it('booleans accept the YAML 1.1 spellings and nothing else', () => {
    expect(parseBoolean('TRUE', 'x')).toBe(true);
    expect(parseBoolean('off', 'x')).toBe(false);
    expect(() => parseBoolean('ture', 'dry-run')).toThrow(/dry-run is "ture": use true or false/);
  });
  it('integers with ranges', () => {
    expect(parseInteger('5', 'n', { min: 1 })).toBe(5);
    expect(() => parseInteger('0', 'concurrency', { min: 1 })).toThrow(/concurrency is 0: it must be at least 1/);
    expect(() => parseInteger('1.5', 'n')).toThrow(/whole number/);
    expect(() => parseInteger('9', 'n', { max: 5 })).toThrow(/at most 5/);
  });
  it('percentages', () => {
    expect(parsePercent('99.5%', 'p')).toBe(99.5);
    expect(parsePercent('1', 'p')).toBe(1);
    expect(() => parsePercent('150%', 'p')).toThrow(/0 to 100/);
    expect(() => parsePercent('-1%', 'p')).toThrow(ConfigurationError);
  });
  it('lists split on lines and commas', () => {
    expect(parseList('a, b\n c,,\n')).toEqual(['a', 'b', 'c']);
  });
  it('enums suggest the nearest value', () => {
    expect(parseEnum('compose', 'target', ['compose', 'kubernetes'])).toBe('compose');
    expect(() => parseEnum('kubernets', 'target', ['compose', 'kubernetes'])).toThrow(/Did you mean "kubernetes"/);
  });
});

describe('closest and assertKnownKeys', () => {
  it('suggests near names only', () => {
    expect(closest('stauts', ['status', 'url'])).toBe('status');
    expect(closest('zzzzzz', ['status', 'url'])).toBeUndefined();
  });
  it('names the object, the key and the fix', () => {
    expect(() => assertKnownKeys({ url: 1, exepct: 2 }, ['url', 'expect'], 'checks[0] ("health")')).toThrow(
      /checks\[0\] \("health"\) has an unknown key "exepct"\. Did you mean "expect"\?/,
    );
    expect(() => assertKnownKeys({ url: 1 }, ['url'], 'x')).not.toThrow();
  });
});
