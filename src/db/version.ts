import { ConfigurationError } from '../runtime/errors.js';
/**
 * Migration versions: integers (`42`, `20240101120000`) or dotted (`1.2.10`). Ordered segment by
 * segment as numbers, so `1.10` comes after `1.9` and `10` after `9`; trailing `.0` segments do
 * not count (`1` and `1.0` are the same version).
 */

export type Version = string;

const VERSION_PATTERN = /^\d+(\.\d+)*$/;

export function isVersion(text: string): boolean {
  return VERSION_PATTERN.test(text);
}

/** Segments as digit strings without leading zeros ("" for 0), trailing zero segments dropped. */
function segments(v: Version): string[] {
  const parts = v.split('.').map((s) => s.replace(/^0+/, ''));
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Canonical text: leading zeros and trailing `.0` segments dropped (`007` → `7`, `1.2.0` → `1.2`). */
export function normaliseVersion(v: Version): Version {
  return segments(v)
    .map((s) => s || '0')
    .join('.');
}

/** Negative when a < b, 0 when equal, positive when a > b. Numeric per segment, on digit strings (any length). */
export function compareVersions(a: Version, b: Version): number {
  if (a === b) return 0;
  const x = segments(a);
  const y = segments(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? '';
    const q = y[i] ?? '';
    if (p.length !== q.length) return p.length < q.length ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/** True when every version is a plain integer that fits a BIGINT column. */
export function allIntegerVersions(versions: Iterable<Version>): boolean {
  for (const v of versions) {
    if (!/^\d+$/.test(v) || BigInt(v) > 9_223_372_036_854_775_807n) return false;
  }
  return true;
}

/**
 * A text key whose plain string order is version order (each segment zero-padded to 20 digits),
 * stored next to the version so `ORDER BY version_key` works for dotted versions too.
 */
export function versionSortKey(v: Version): string {
  return segments(v)
    .map((s) => s.padStart(20, '0'))
    .join('.');
}

export function maxVersion(versions: Iterable<Version>): Version | undefined {
  let best: Version | undefined;
  for (const v of versions) if (best === undefined || compareVersions(v, best) > 0) best = v;
  return best;
}

/** A version given as an input (`to-version`, `baseline-version`, `expect-version`); normalised. */
export function parseVersionInput(text: string | undefined, name: string): Version | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const v = text.trim().replace(/^[vV]/, '');
  if (!isVersion(v)) {
    throw new ConfigurationError(`${name} is "${text}": give a migration version, an integer (42, 20240101120000) or dotted (1.2.10).`, { input: name });
  }
  return normaliseVersion(v);
}
