import { describe, expect, it } from 'vitest';
import { allIntegerVersions, compareVersions, maxVersion, normaliseVersion, parseVersionInput, versionSortKey } from '../../../src/db/version.js';

describe('migration versions', () => {
  it('orders integers and dotted versions segment by segment as numbers', () => {
    const sorted = ['10', '9', '1.10', '1.9', '2', '1', '1.2.3', '20240101120000'].sort(compareVersions);
    expect(sorted).toEqual(['1', '1.2.3', '1.9', '1.10', '2', '9', '10', '20240101120000']);
  });
  it('treats trailing .0 and leading zeros as the same version', () => {
    expect(compareVersions('1.0', '1')).toBe(0);
    expect(normaliseVersion('007')).toBe('7');
    expect(normaliseVersion('1.2.0')).toBe('1.2');
  });
  it('sort keys order as plain strings the way versions order', () => {
    const versions = ['10', '9', '1.10', '1.9', '2'];
    const byKey = [...versions].sort((a, b) => (versionSortKey(a) < versionSortKey(b) ? -1 : 1));
    expect(byKey).toEqual([...versions].sort(compareVersions));
  });
  it('knows when every version fits a BIGINT column', () => {
    expect(allIntegerVersions(['1', '20240101120000'])).toBe(true);
    expect(allIntegerVersions(['1', '1.1'])).toBe(false);
    expect(allIntegerVersions(['99999999999999999999'])).toBe(false);
    expect(maxVersion(['3', '10', '9'])).toBe('10');
  });
  it('parses version inputs, naming the input on a bad one', () => {
    expect(parseVersionInput('v0042', 'to-version')).toBe('42');
    expect(parseVersionInput('', 'to-version')).toBeUndefined();
    expect(() => parseVersionInput('latest', 'to-version')).toThrow(/to-version is "latest": give a migration version/);
  });
});
