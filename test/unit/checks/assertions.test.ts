import { describe, expect, it } from 'vitest';
import { deepEqual, evaluateBody, evaluateHeaders, evaluateJson, evaluateResponse, evaluateValue, statusMatches } from '../../../src/checks/assertions.js';
import { parseStatus, parseValueAssertions } from '../../../src/checks/expectations.js';
import { EVERY, formatPath, parseJsonPath, readJsonPath, readJsonPaths } from '../../../src/checks/json-path.js';
import type { Expectations, TargetedAssertion } from '../../../src/checks/types.js';

const json = (spec: Record<string, unknown>): TargetedAssertion[] =>
  Object.entries(spec).map(([target, s]) => ({ target, path: parseJsonPath(target), assertions: parseValueAssertions(s, `json "${target}"`) }));

describe('JSON paths', () => {
  it('parses dots, indexes, quoted keys and $', () => {
    expect(parseJsonPath('status')).toEqual(['status']);
    expect(parseJsonPath('data.items[0].id')).toEqual(['data', 'items', 0, 'id']);
    expect(parseJsonPath('$.a.b')).toEqual(['a', 'b']);
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('[2].name')).toEqual([2, 'name']);
    expect(parseJsonPath('["key.with.dots"].x')).toEqual(['key.with.dots', 'x']);
    expect(parseJsonPath("a['b c']")).toEqual(['a', 'b c']);
  });
  it('rejects what it cannot read', () => {
    expect(() => parseJsonPath('a..b')).toThrow(/empty/);
    expect(() => parseJsonPath('a[x]')).toThrow(/\[0\]/);
    expect(() => parseJsonPath('a]')).toThrow();
  });
  it('reads values and tells a missing field from a null one', () => {
    const doc = { a: { b: [{ c: 1 }] }, n: null };
    expect(readJsonPath(doc, ['a', 'b', 0, 'c'])).toEqual({ found: true, value: 1 });
    expect(readJsonPath(doc, ['n'])).toEqual({ found: true, value: null });
    expect(readJsonPath(doc, ['a', 'x'])).toEqual({ found: false });
    expect(readJsonPath(doc, ['a', 'b', 5])).toEqual({ found: false });
    expect(readJsonPath(doc, ['a', 0])).toEqual({ found: false });
  });
});

describe('[*]: every item', () => {
  const doc = {
    projections: [{ name: 'orders', status: 'ok', lag: 2 }, { name: 'users', status: 'lagging', lag: 90 }, { name: 'audit' }],
    empty: [],
    map: { a: { up: true }, b: { up: false } },
  };
  const body = JSON.stringify(doc);
  it('parses [*] and reads every item with its concrete path', () => {
    expect(parseJsonPath('projections[*].status')).toEqual(['projections', EVERY, 'status']);
    expect(readJsonPaths(doc, parseJsonPath('projections[*].status'))).toEqual([
      { path: 'projections[0].status', found: true, value: 'ok' },
      { path: 'projections[1].status', found: true, value: 'lagging' },
      { path: 'projections[2].status', found: false },
    ]);
    expect(readJsonPaths(doc, parseJsonPath('map[*].up')).map((m) => [m.path, m.value])).toEqual([
      ['map.a.up', true],
      ['map.b.up', false],
    ]);
    expect(formatPath(['a', 0, 'b c', EVERY])).toBe('a[0]["b c"][*]');
  });
  it('every item must pass; the failing ones are named', () => {
    expect(evaluateJson(body, json({ 'projections[*].status': 'ok', 'projections[*].lag': { '<': 60 } }))).toEqual([
      'json "projections[1].status" is "lagging", expected "ok"',
      'json "projections[2].status" is missing',
      'json "projections[1].lag" is 90, expected < 60',
      'json "projections[2].lag" is missing',
    ]);
    expect(evaluateJson(body, json({ 'projections[*].name': { exists: true }, 'map[*].up': { 'one-of': [true, false] } }))).toEqual([]);
  });
  it('an empty list or a missing list matches nothing, which fails', () => {
    expect(evaluateJson(body, json({ 'empty[*].x': 1, 'nope[*]': 1 }))).toEqual(['json "empty[*].x" matched no items', 'json "nope[*]" is missing']);
  });
  it('names at most three failing items', () => {
    const many = JSON.stringify({ items: Array.from({ length: 10 }, () => ({ ok: false })) });
    const reasons = evaluateJson(many, json({ 'items[*].ok': true }));
    expect(reasons).toHaveLength(4);
    expect(reasons[3]).toBe('json "items[*].ok": 7 more items fail the same way');
  });
});

describe('value assertions', () => {
  const body = JSON.stringify({ status: 'ok', version: '1.4.2', count: 7, tags: ['a', 'b'], nested: { x: 1 }, n: null });
  it('passes when every assertion holds', () => {
    expect(
      evaluateJson(
        body,
        json({
          status: 'ok',
          version: { matches: '^1\\.' },
          count: { '>=': 5, '<': 10, lte: 7, gt: 6 },
          tags: { contains: 'b' },
          'tags[0]': { 'one-of': ['a', 'z'] },
          nested: { equals: { x: 1 } },
          n: { exists: true, equals: null },
          missing: { exists: false },
          status2: { exists: false },
        }),
      ),
    ).toEqual([]);
  });
  it('says what is wrong, field by field', () => {
    const reasons = evaluateJson(body, json({ status: 'up', version: { matches: '^2\\.' }, count: { '<': 5 }, missing: 1, tags: { contains: 'z' } }));
    expect(reasons).toEqual([
      'json "status" is "ok", expected "up"',
      'json "version" is "1.4.2", which does not match /^2\\./',
      'json "count" is 7, expected < 5',
      'json "missing" is missing',
      'json "tags" is ["a","b"], which does not contain "z"',
    ]);
  });
  it('names the type when a number is compared with text', () => {
    expect(evaluateValue({ op: 'equals', value: 1.4 }, true, '1.4', 'json "v"')).toBe('json "v" is "1.4" (a string), expected 1.4 (a number)');
    expect(evaluateValue({ op: '>', value: 1 }, true, '5', 'json "v"')).toMatch(/expected a number > 1/);
  });
  it('reports a body that is not JSON', () => {
    expect(evaluateJson('<html>', json({ status: 'ok' }))[0]).toMatch(/^the body is not JSON/);
  });
  it('deepEqual compares structure, not identity', () => {
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
  });
});

describe('status, body, headers', () => {
  it('matches codes, lists and classes', () => {
    expect(statusMatches(204, parseStatus([200, 204], 's'))).toBe(true);
    expect(statusMatches(204, parseStatus('2xx', 's'))).toBe(true);
    expect(statusMatches(301, parseStatus(['2xx', 301], 's'))).toBe(true);
    expect(statusMatches(404, parseStatus('2xx', 's'))).toBe(false);
  });
  it('checks contains, not-contains and matches on the body', () => {
    const expectation = { contains: ['<title>'], notContains: ['error'], matches: [{ pattern: /ready/, source: 'ready' }] };
    expect(evaluateBody('<title>x</title> ready', expectation)).toEqual([]);
    expect(evaluateBody('an error', expectation)).toEqual([
      'the body does not contain "<title>"',
      'the body contains "error"',
      'the body does not match /ready/',
    ]);
  });
  it('reads headers case-insensitively', () => {
    const headers = new Headers({ 'Content-Type': 'application/json; charset=utf-8', 'X-Version': '1.4.2' });
    const expectations = [
      { target: 'content-type', assertions: parseValueAssertions({ contains: 'json' }, 'h') },
      { target: 'X-VERSION', assertions: parseValueAssertions('1.4.2', 'h') },
      { target: 'x-missing', assertions: parseValueAssertions({ exists: true }, 'h') },
    ];
    expect(evaluateHeaders(headers, expectations)).toEqual(['header x-missing is missing']);
  });
});

describe('evaluateResponse', () => {
  const base: Expectations = { json: [], headers: [] };
  const res = { status: 200, headers: new Headers(), body: '{}', latencyMs: 120 };
  it('expects 2xx when no status is given', () => {
    expect(evaluateResponse({ ...res, status: 503 }, base, { latency: true, defaultStatus: true })).toEqual(['status 503, expected 2xx']);
    expect(evaluateResponse({ ...res, status: 503 }, base, { latency: true, defaultStatus: false })).toEqual([]);
  });
  it('judges max-latency only for a single request', () => {
    const e = { ...base, maxLatencyMs: 100 };
    expect(evaluateResponse(res, e, { latency: true, defaultStatus: true })).toEqual(['latency 120ms is over 100ms']);
    expect(evaluateResponse(res, e, { latency: false, defaultStatus: true })).toEqual([]);
  });
});
