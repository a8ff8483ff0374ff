/** The `expect:` block of a check: status, JSON fields, headers, body, latency, error rate, TLS. */
import { assertKnownKeys, parsePercent } from '../runtime/parse.js';
import { bool, describeValue, duration, expectObject, expectString, fail, HEADER_NAME, int, isObject } from './fields.js';
import { compileUserPattern, PatternRefusedError, type UserPattern } from '../util/user-pattern.js';
import { parseJsonPath } from './json-path.js';
import type { BodyExpectation, Expectations, StatusMatcher, TargetedAssertion, TlsExpectation, ValueAssertion } from './types.js';

export const EXPECT_KEYS = ['status', 'json', 'body', 'headers', 'max-latency', 'p50-latency', 'p95-latency', 'p99-latency', 'error-rate', 'tls'] as const;
export const VALUE_OPERATORS = ['equals', 'not-equals', 'matches', 'exists', 'one-of', 'contains', '<', '<=', '>', '>=', 'lt', 'lte', 'gt', 'gte'] as const;

export function parseExpect(raw: unknown, where: string): Expectations {
  const out: Expectations = { json: [], headers: [] };
  if (raw === undefined || raw === null) return out;
  const obj = expectObject(raw, where, 'status, json, body, …');
  assertKnownKeys(obj, EXPECT_KEYS, where);
  if (obj.status !== undefined) out.status = parseStatus(obj.status, `${where}.status`);
  if (obj.json !== undefined) {
    const json = expectObject(obj.json, `${where}.json`, 'field path: value or { operator: value }');
    out.json = Object.entries(json).map(([path, spec]) => {
      let segments;
      try {
        segments = parseJsonPath(path);
      } catch (err) {
        fail(`${where}.json`, `has the path "${path}", which cannot be read: ${(err as Error).message}. Write a.b[0].c.`);
      }
      return { target: path, path: segments, assertions: parseValueAssertions(spec, `${where}.json "${path}"`) } satisfies TargetedAssertion;
    });
  }
  if (obj.headers !== undefined) {
    const headers = expectObject(obj.headers, `${where}.headers`, 'header name: value or { operator: value }');
    out.headers = Object.entries(headers).map(([name, spec]) => {
      if (!HEADER_NAME.test(name)) fail(`${where}.headers`, `has "${name}", which is not a valid header name.`);
      return { target: name, assertions: parseValueAssertions(spec, `${where}.headers.${name}`) };
    });
  }
  if (obj.body !== undefined) out.body = parseBodyExpectation(obj.body, `${where}.body`);
  const latency = (key: string): number | undefined => (obj[key] === undefined ? undefined : duration(obj[key], `${where}.${key}`, true));
  out.maxLatencyMs = latency('max-latency');
  out.p50LatencyMs = latency('p50-latency');
  out.p95LatencyMs = latency('p95-latency');
  out.p99LatencyMs = latency('p99-latency');
  if (obj['error-rate'] !== undefined) {
    const v = obj['error-rate'];
    if (typeof v !== 'number' && typeof v !== 'string') fail(`${where}.error-rate`, `must be a percentage such as 0 or 1%, not ${describeValue(v)}.`);
    out.errorRatePercent = parsePercent(v, `${where}.error-rate`);
  }
  if (obj.tls !== undefined) out.tls = parseTlsExpectation(obj.tls, `${where}.tls`);
  return out;
}

/** `200`, `"2xx"`, `[200, 204]`, `[2xx, 301]`. */
export function parseStatus(raw: unknown, where: string): StatusMatcher[] {
  const items = Array.isArray(raw) ? raw : [raw];
  if (items.length === 0) fail(where, 'is an empty list: give a code such as 200, a list, or a class such as 2xx.');
  return items.map((item) => {
    const text = typeof item === 'number' || typeof item === 'string' ? String(item).trim() : '';
    const cls = /^([1-5])xx$/i.exec(text);
    if (cls) return { class: Number(cls[1]) };
    if (/^\d{3}$/.test(text) && Number(text) >= 100 && Number(text) <= 599) return { code: Number(text) };
    fail(where, `has ${JSON.stringify(item)}, which is not a status: use a code from 100 to 599 (200), a list ([200, 204]) or a class (2xx).`);
  });
}

const OP_ALIASES: Record<string, '<' | '<=' | '>' | '>='> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };

/** A plain value means equals; a mapping holds operators (equals, matches, exists, one-of, <, …). */
export function parseValueAssertions(spec: unknown, where: string): ValueAssertion[] {
  if (!isObject(spec)) return [{ op: 'equals', value: spec }];
  const keys = Object.keys(spec);
  if (keys.length === 0)
    fail(where, `is an empty mapping: give a value, or operators (${VALUE_OPERATORS.join(', ')}). To compare with an object, use equals: {…}.`);
  assertKnownKeys(spec, VALUE_OPERATORS, where);
  return keys.map((key): ValueAssertion => {
    const v = spec[key];
    const at = `${where}.${key}`;
    switch (key) {
      case 'equals':
        return { op: 'equals', value: v };
      case 'not-equals':
        return { op: 'not-equals', value: v };
      case 'matches':
        return { op: 'matches', ...regex(v, at) };
      case 'exists':
        return { op: 'exists', value: bool(v, at) };
      case 'one-of':
        if (!Array.isArray(v) || v.length === 0) fail(at, 'must be a non-empty list of values.');
        return { op: 'one-of', values: v };
      case 'contains':
        return { op: 'contains', value: v };
      default: {
        const op = OP_ALIASES[key] ?? (key as '<' | '<=' | '>' | '>=');
        const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isFinite(n)) fail(at, `must be a number, not ${describeValue(v)}.`);
        return { op, value: n };
      }
    }
  });
}

function regex(v: unknown, where: string): { pattern: UserPattern; source: string } {
  const source = expectString(v, where);
  return { pattern: userPattern(source, where), source };
}

/** A user's pattern inside the safe subset, or a ConfigurationError naming the input and the pattern. */
export function userPattern(source: string, where: string): UserPattern {
  try {
    return compileUserPattern(source);
  } catch (err) {
    if (!(err instanceof PatternRefusedError)) throw err;
    fail(where, err.syntax ? `${err.message}.` : `has the pattern /${source}/, which ${err.message}.`);
  }
}

function stringList(v: unknown, where: string): string[] {
  const items = Array.isArray(v) ? v : [v];
  return items.map((item) => expectString(item, where));
}

function parseBodyExpectation(raw: unknown, where: string): BodyExpectation {
  if (typeof raw === 'string') return { contains: [raw], notContains: [], matches: [] };
  const obj = expectObject(raw, where, '{ contains: text, not-contains: text, matches: regex }');
  assertKnownKeys(obj, ['contains', 'not-contains', 'matches'], where);
  return {
    contains: obj.contains === undefined ? [] : stringList(obj.contains, `${where}.contains`),
    notContains: obj['not-contains'] === undefined ? [] : stringList(obj['not-contains'], `${where}.not-contains`),
    matches: obj.matches === undefined ? [] : stringList(obj.matches, `${where}.matches`).map((s) => regex(s, `${where}.matches`)),
  };
}

function parseTlsExpectation(raw: unknown, where: string): TlsExpectation {
  const obj = expectObject(raw, where, '{ min-days: 14 }');
  assertKnownKeys(obj, ['min-days', 'hostname'], where);
  const minDays = obj['min-days'] === undefined ? undefined : int(obj['min-days'], `${where}.min-days`, { min: 0, max: 3650 });
  const hostname = obj.hostname === undefined ? true : bool(obj.hostname, `${where}.hostname`);
  return { minDays, hostname };
}
