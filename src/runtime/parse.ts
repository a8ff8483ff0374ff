/**
 * Pure parsers for input values. Each takes the raw text and the name of the input (or config
 * field) it came from, so its error can say exactly what to fix.
 */
import { ConfigurationError } from './errors.js';

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * `500ms`, `30s`, `5m`, `1h30m`, `1.5s`, or a bare number of seconds (`30`). Returns milliseconds.
 * Negative or malformed values are configuration errors.
 */
/** The longest delay a Node timer takes: a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A duration in ms. At most MAX_TIMER_MS (about 24.8 days) unless `maxMs` says otherwise — only for
 * values that never reach a timer (a backup age, a query window): `30d` is an error, not a 1 ms timeout.
 */
export function parseDuration(text: string | number, name: string, options: { maxMs?: number } = {}): number {
  const ms = parseDurationUnbounded(text, name);
  const max = options.maxMs ?? MAX_TIMER_MS;
  if (ms > max) {
    throw new ConfigurationError(`${name} is "${String(text).trim()}", longer than the ${formatDuration(max)} a timer can wait. Give a shorter duration.`, {
      input: name,
    });
  }
  return ms;
}

function parseDurationUnbounded(text: string | number, name: string): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw durationError(String(text), name);
    return Math.round(text * 1000);
  }
  const value = text.trim();
  if (value === '') throw new ConfigurationError(`${name} is empty: give a duration such as 500ms, 30s, 5m or 1h.`, { input: name });
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = part.exec(value); m; m = part.exec(value)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    consumed = part.lastIndex;
  }
  if (consumed !== value.length || consumed === 0) throw durationError(value, name);
  return Math.round(total);
}

function durationError(value: string, name: string): ConfigurationError {
  const hint = value.startsWith('-') ? ' Durations cannot be negative.' : '';
  return new ConfigurationError(
    `${name} is "${value}", which is not a duration.${hint} Use a number with a unit: 500ms, 30s, 5m, 1h (a bare number means seconds).`,
    { input: name },
  );
}

/** Milliseconds as a short human text: 850ms, 12.5s, 3m20s, 1h5m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))}s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h${m > 0 ? `${m}m` : ''}`;
  return `${m}m${s > 0 ? `${s}s` : ''}`;
}

const TRUE = ['true', 'yes', 'on', '1'];
const FALSE = ['false', 'no', 'off', '0'];

export function parseBoolean(text: string | boolean, name: string): boolean {
  if (typeof text === 'boolean') return text;
  const v = text.trim().toLowerCase();
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw new ConfigurationError(`${name} is "${text}": use true or false.`, { input: name });
}

export function parseInteger(text: string | number, name: string, range: { min?: number; max?: number } = {}): number {
  const v = typeof text === 'number' ? text : Number(text.trim());
  if (typeof text === 'string' && !/^-?\d+$/.test(text.trim())) {
    throw new ConfigurationError(`${name} is "${text}": give a whole number.`, { input: name });
  }
  if (!Number.isInteger(v)) throw new ConfigurationError(`${name} is ${text}: give a whole number.`, { input: name });
  if (range.min !== undefined && v < range.min) {
    throw new ConfigurationError(`${name} is ${v}: it must be at least ${range.min}.`, { input: name });
  }
  if (range.max !== undefined && v > range.max) {
    throw new ConfigurationError(`${name} is ${v}: it must be at most ${range.max}.`, { input: name });
  }
  return v;
}

/** `5%`, `0.5%`, `5` → 5 (percent, 0..100). */
export function parsePercent(text: string | number, name: string): number {
  const raw = typeof text === 'number' ? String(text) : text.trim();
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(raw);
  const v = m ? Number(m[1]) : NaN;
  if (!m || v > 100) {
    throw new ConfigurationError(`${name} is "${text}": give a percentage from 0 to 100, such as 1% or 99.5%.`, { input: name });
  }
  return v;
}

/** A list given as lines or commas; blank entries and surrounding spaces dropped. */
export function parseList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parseEnum<T extends string>(text: string, name: string, allowed: readonly T[]): T {
  const v = text.trim() as T;
  if (allowed.includes(v)) return v;
  const near = closest(v, allowed);
  throw new ConfigurationError(`${name} is "${text}": use one of ${allowed.join(', ')}.${near ? ` Did you mean "${near}"?` : ''}`, { input: name });
}

/** The candidate nearest to `word` by edit distance, when it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/**
 * Rejects keys of a config object that are not allowed, suggesting the nearest allowed one.
 * `where` names the object for the message, e.g. `checks[2] ("health")`.
 */
export function assertKnownKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const near = closest(key, allowed);
    throw new ConfigurationError(`${where} has an unknown key "${key}".${near ? ` Did you mean "${near}"?` : ''} Allowed keys: ${allowed.join(', ')}.`, {
      input: where,
    });
  }
}
