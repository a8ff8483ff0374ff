/**
 * Field readers shared by the checks grammar (document.ts) and the expectation parsers (expectations.ts):
 * each reads one YAML value and throws a ConfigurationError naming the field when it has the wrong shape.
 */
import { ConfigurationError } from '../runtime/errors.js';
import { parseBoolean, parseDuration, parseInteger } from '../runtime/parse.js';
import { describeValue, isObject } from '../util/shape.js';

export { describeValue, isObject };

/** A valid HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export type Obj = Record<string, unknown>;

export function fail(where: string, message: string): never {
  throw new ConfigurationError(`${where} ${message}`, { input: where });
}

export function expectObject(v: unknown, where: string, hint: string): Obj {
  if (!isObject(v)) fail(where, `must be a mapping (${hint}), not ${describeValue(v)}.`);
  return v;
}

export function expectString(v: unknown, where: string): string {
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  fail(where, `must be text, not ${describeValue(v)}.`);
}

export function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean' && typeof v !== 'string') fail(where, `must be true or false, not ${describeValue(v)}.`);
  return parseBoolean(v, where);
}

export function int(v: unknown, where: string, range: { min?: number; max?: number }): number {
  if (typeof v !== 'number' && typeof v !== 'string') fail(where, `must be a whole number, not ${describeValue(v)}.`);
  return parseInteger(v, where, range);
}

/** A duration; in latency fields a bare number is refused (is `50` seconds or ms?). */
export function duration(raw: unknown, where: string, needUnit: boolean): number {
  if (typeof raw === 'number' && needUnit) fail(where, `is ${raw} without a unit: write ${raw}ms or ${raw}s.`);
  if (typeof raw === 'number' && raw < 0) fail(where, `is ${raw}: durations cannot be negative.`);
  if (typeof raw !== 'number' && typeof raw !== 'string') fail(where, `must be a duration such as 500ms or 30s, not ${describeValue(raw)}.`);
  if (typeof raw === 'string' && needUnit && /^\s*\d+(\.\d+)?\s*$/.test(raw))
    fail(where, `is "${raw}" without a unit: write ${raw.trim()}ms or ${raw.trim()}s.`);
  return parseDuration(raw, where);
}
