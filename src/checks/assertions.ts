/**
 * Pure evaluation of one HTTP response against a check's expectations. Each function returns the
 * reasons for failure in plain words (empty when it passes), never throws for a bad response.
 */
import { MAX_PATTERN_INPUT, PatternTimeoutError, type TextPattern } from '../util/user-pattern.js';
import { readJsonPaths } from './json-path.js';
import type { BodyExpectation, Expectations, StatusMatcher, TargetedAssertion, ValueAssertion } from './types.js';

/** What evaluation needs of a response. */
export interface ResponseFacts {
  status: number;
  headers: Headers;
  body: string;
  latencyMs: number;
  /** The body was longer than the most a check reads, and `body` is its start. */
  truncated?: boolean;
  /** That most, in bytes (for the message). */
  maxBodyBytes?: number;
}

export function statusMatches(status: number, matchers: readonly StatusMatcher[]): boolean {
  return matchers.some((m) => ('code' in m ? m.code === status : Math.floor(status / 100) === m.class));
}

export function describeStatusMatchers(matchers: readonly StatusMatcher[]): string {
  return matchers.map((m) => ('code' in m ? String(m.code) : `${m.class}xx`)).join(' or ');
}

/** A value for a message: JSON, cut to a readable length. */
export function show(value: unknown, max = 80): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * One assertion on a value that may be absent. `subject` names it for the message, e.g.
 * `json "version"` or `header content-type`. Returns the reason it fails, or undefined.
 */
export function evaluateValue(a: ValueAssertion, found: boolean, value: unknown, subject: string): string | undefined {
  if (a.op === 'exists') {
    if (a.value && !found) return `${subject} is missing`;
    if (!a.value && found) return `${subject} should be absent but is ${show(value)}`;
    return undefined;
  }
  if (!found) return `${subject} is missing`;
  switch (a.op) {
    case 'equals':
      if (deepEqual(value, a.value)) return undefined;
      return typeof value !== typeof a.value
        ? `${subject} is ${show(value)} (${typeName(value)}), expected ${show(a.value)} (${typeName(a.value)})`
        : `${subject} is ${show(value)}, expected ${show(a.value)}`;
    case 'not-equals':
      return deepEqual(value, a.value) ? `${subject} is ${show(value)}, expected anything else` : undefined;
    case 'one-of':
      return a.values.some((v) => deepEqual(value, v)) ? undefined : `${subject} is ${show(value)}, expected one of ${show(a.values)}`;
    case 'matches': {
      if (value !== null && typeof value === 'object') return `${subject} is ${typeName(value)}, expected text matching /${a.source}/`;
      const outcome = tryPattern(a.pattern, String(value));
      if (outcome === 'match') return undefined;
      return outcome === 'no match' ? `${subject} is ${show(value)}, which does not match /${a.source}/` : `${subject}: ${outcome}`;
    }
    case 'contains': {
      if (typeof value === 'string') {
        return value.includes(String(a.value)) ? undefined : `${subject} is ${show(value)}, which does not contain ${show(a.value)}`;
      }
      if (Array.isArray(value)) {
        return value.some((v) => deepEqual(v, a.value)) ? undefined : `${subject} is ${show(value)}, which does not contain ${show(a.value)}`;
      }
      return `${subject} is ${typeName(value)}, expected text or an array containing ${show(a.value)}`;
    }
    default: {
      if (typeof value !== 'number') return `${subject} is ${show(value)} (${typeName(value)}), expected a number ${a.op} ${a.value}`;
      const ok = a.op === '<' ? value < a.value : a.op === '<=' ? value <= a.value : a.op === '>' ? value > a.value : value >= a.value;
      return ok ? undefined : `${subject} is ${value}, expected ${a.op} ${a.value}`;
    }
  }
}

/** With [*], at most this many items are named in the reasons. */
const MAX_ITEM_REASONS = 3;

export function evaluateJson(body: string, assertions: readonly TargetedAssertion[]): string[] {
  if (assertions.length === 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    return [`the body is not JSON (${(err as Error).message}): ${show(body, 60)}`];
  }
  const reasons: string[] = [];
  for (const t of assertions) {
    const matches = readJsonPaths(parsed, t.path ?? []);
    const every = t.path?.some((seg) => typeof seg === 'symbol') ?? false;
    for (const a of t.assertions) {
      if (every && matches.length === 0) {
        if (!(a.op === 'exists' && !a.value)) reasons.push(`json "${t.target}" matched no items`);
        continue;
      }
      const failed = matches.flatMap((m) => evaluateValue(a, m.found, m.value, `json "${every ? m.path : t.target}"`) ?? []);
      reasons.push(...failed.slice(0, MAX_ITEM_REASONS));
      if (failed.length > MAX_ITEM_REASONS) reasons.push(`json "${t.target}": ${failed.length - MAX_ITEM_REASONS} more items fail the same way`);
    }
  }
  return reasons;
}

export function evaluateHeaders(headers: Headers, assertions: readonly TargetedAssertion[]): string[] {
  const reasons: string[] = [];
  for (const t of assertions) {
    const value = headers.get(t.target);
    for (const a of t.assertions) {
      const reason = evaluateValue(a, value !== null, value ?? undefined, `header ${t.target.toLowerCase()}`);
      if (reason) reasons.push(reason);
    }
  }
  return reasons;
}

export function evaluateBody(body: string, expected: BodyExpectation | undefined): string[] {
  if (!expected) return [];
  const reasons: string[] = [];
  for (const text of expected.contains) if (!body.includes(text)) reasons.push(`the body does not contain ${show(text)}`);
  for (const text of expected.notContains) if (body.includes(text)) reasons.push(`the body contains ${show(text)}`);
  for (const m of expected.matches) {
    const outcome = tryPattern(m.pattern, body);
    if (outcome === 'no match')
      reasons.push(
        `the body does not match /${m.source}/${body.length > MAX_PATTERN_INPUT ? ` in its first ${MAX_PATTERN_INPUT / 1024 / 1024} MiB (a pattern is tried on no more)` : ''}`,
      );
    else if (outcome !== 'match') reasons.push(`the body: ${outcome}`);
  }
  return reasons;
}

/** A user's pattern on a text: matched, not matched, or why it gave up (it ran past its time limit). */
function tryPattern(pattern: TextPattern, text: string): 'match' | 'no match' | string {
  try {
    return pattern.test(text) ? 'match' : 'no match';
  } catch (err) {
    if (err instanceof PatternTimeoutError) return err.message;
    throw err;
  }
}

/**
 * Everything that can be judged from one response: status (default 2xx), JSON, headers, body, and
 * max-latency (for a single request; repeat/load judge latency over all requests instead).
 */
export function evaluateResponse(res: ResponseFacts, expect: Expectations, options: { latency: boolean; defaultStatus: boolean }): string[] {
  const reasons: string[] = [];
  const matchers = expect.status ?? (options.defaultStatus ? [{ class: 2 }] : []);
  if (matchers.length > 0 && !statusMatches(res.status, matchers)) {
    reasons.push(`status ${res.status}, expected ${describeStatusMatchers(matchers)}`);
  }
  const judgesBody = expect.json.length > 0 || (expect.body !== undefined && (expect.body.notContains.length > 0 || expect.body.matches.length > 0));
  if (res.truncated && judgesBody) {
    const limit = res.maxBodyBytes === undefined ? 'the most a check reads' : `${(res.maxBodyBytes / 1024 / 1024).toFixed(0)} MiB, the most a check reads`;
    reasons.push(`the body is larger than ${limit}: only its start was read, so its JSON, not-contains and matches expectations cannot be judged`);
  } else {
    reasons.push(...evaluateJson(res.body, expect.json));
    reasons.push(...evaluateBody(res.body, expect.body));
  }
  reasons.push(...evaluateHeaders(res.headers, expect.headers));
  if (options.latency && expect.maxLatencyMs !== undefined && res.latencyMs > expect.maxLatencyMs) {
    reasons.push(`latency ${Math.round(res.latencyMs)}ms is over ${expect.maxLatencyMs}ms`);
  }
  return reasons;
}
