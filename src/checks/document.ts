/**
 * A checks document (parsed YAML) → typed checks. The whole document is validated before anything
 * is sent: every mistake is a ConfigurationError that names the check (index and name) and field.
 *
 * Accepted shapes: `{ checks: [...], base-url?, defaults? }` or a bare list of checks.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError } from '../runtime/errors.js';
import { assertKnownKeys, parseEnum } from '../runtime/parse.js';
import { parseExpect } from './expectations.js';
import { bool, describeValue, duration, expectObject, expectString, fail, HEADER_NAME, int, isObject, type Obj } from './fields.js';
import { substituteEnv } from './substitute.js';
import type { Check, CorsSpec, LoadSpec } from './types.js';

export interface ChecksDocumentOptions {
  /** Names the document in messages: the file path as given, or `the checks input`. */
  source: string;
  /** The file it came from, for annotations. */
  file?: string;
  /** Resolves relative URLs; wins over the document's own base-url. */
  baseUrl?: string;
  /** Where `${{ env.NAME }}` values come from. */
  env: Record<string, string | undefined>;
  /** Relative ca-file paths are resolved here. */
  workspace: string;
  defaults: { timeoutMs: number; requestTimeoutMs: number };
}

export interface ChecksPlan {
  checks: Check[];
  /** Values substituted from the environment: mask them before logging anything. */
  secrets: string[];
}

export const CHECK_KEYS = [
  'name',
  'url',
  'method',
  'headers',
  'body',
  'timeout',
  'request-timeout',
  'follow-redirects',
  'ca-file',
  'insecure',
  'repeat',
  'load',
  'cors',
  'expect',
] as const;
export const DOCUMENT_KEYS = ['checks', 'base-url', 'defaults'] as const;
export const DEFAULTS_KEYS = ['headers', 'timeout', 'request-timeout', 'follow-redirects', 'ca-file', 'insecure'] as const;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Parses and validates a whole checks document; throws on the first mistake. */
export function parseChecksDocument(value: unknown, options: ChecksDocumentOptions): ChecksPlan {
  try {
    return parseDocument(value, options);
  } catch (err) {
    if (err instanceof ConfigurationError) {
      throw new ConfigurationError(`${options.source}: ${err.message}`, { input: err.input, file: options.file ?? err.file, line: err.line });
    }
    throw err;
  }
}

function parseDocument(value: unknown, options: ChecksDocumentOptions): ChecksPlan {
  let list: unknown;
  let doc: Obj = {};
  if (Array.isArray(value)) list = value;
  else if (isObject(value)) {
    assertKnownKeys(value, DOCUMENT_KEYS, 'the document');
    doc = value;
    list = value.checks;
  } else if (typeof value === 'string') {
    fail(
      'the document',
      `is the text "${value}", not checks: if it is a file path, the file does not exist (check the path); otherwise give a list of checks.`,
    );
  } else {
    fail('the document', `must hold a list of checks (or "checks:" with a list), not ${describeValue(value)}.`);
  }
  if (!Array.isArray(list)) fail('checks', `must be a list of checks, not ${describeValue(list)}.`);
  if (list.length === 0) fail('checks', 'is empty: add at least one check.');

  const baseUrl = options.baseUrl ?? (doc['base-url'] === undefined ? undefined : expectString(doc['base-url'], 'base-url'));
  if (baseUrl !== undefined) validateBaseUrl(baseUrl, options.baseUrl !== undefined ? 'the base-url input' : 'base-url');
  const defaults = doc.defaults === undefined ? {} : expectObject(doc.defaults, 'defaults', 'headers, timeout, …');
  assertKnownKeys(defaults, DEFAULTS_KEYS, 'defaults');

  const secrets: string[] = [];
  const names = new Map<string, number>();
  const checks = list.map((raw, index) => {
    const check = parseCheck(raw, index, { ...options, baseUrl }, defaults, secrets);
    const before = names.get(check.name);
    if (before !== undefined) {
      fail(check.label, `has the same name as checks[${before}]: give each check its own name (names key the report).`);
    }
    names.set(check.name, index);
    return check;
  });
  return { checks, secrets: [...new Set(secrets)] };
}

export function validateBaseUrl(text: string, where: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(where, `is "${text}", which is not a URL: give an absolute http(s) URL such as https://api.example.com.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(where, `is "${text}": use an http:// or https:// URL.`);
}

/** `/health` against `https://api.example.com/v1` → `https://api.example.com/v1/health` (the base's path is kept). */
export function resolveCheckUrl(url: string, baseUrl: string | undefined): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return new URL(url).toString();
  if (baseUrl === undefined) throw new Error('relative');
  const base = baseUrl.replace(/\/+$/, '');
  return new URL(`${base}${url.startsWith('/') || url.startsWith('?') ? '' : '/'}${url}`).toString();
}

/** One check of a list (a checks document's, or a gate's HTTP check); `index` places it in messages (`checks[2]`). */
export function parseCheck(raw: unknown, index: number, options: ChecksDocumentOptions, defaults: Obj, secrets: string[]): Check {
  const at = `checks[${index}]`;
  const obj = expectObject(raw, at, 'name, url, expect, …');
  const name = obj.name === undefined ? undefined : expectString(obj.name, `${at} name`).trim();
  const title = name ?? (typeof obj.url === 'string' ? obj.url : undefined);
  const label = title === undefined ? at : `${at} ("${title}")`;
  assertKnownKeys(obj, CHECK_KEYS, label);
  if (obj.url === undefined) fail(label, 'has no url: add url: /path (relative to base-url) or a full URL.');
  const rawUrl = expectString(obj.url, `${label} url`);
  const field = (f: string): string => `${label} ${f}`;
  const pick = (key: (typeof DEFAULTS_KEYS)[number]): unknown => (obj[key] !== undefined ? obj[key] : defaults[key]);
  const sub = (text: string, f: string): string => {
    const s = substituteEnv(text, options.env, field(f));
    secrets.push(...s.values);
    return s.text;
  };

  // URL
  const urlText = sub(rawUrl.trim(), 'url');
  let url: string;
  try {
    url = resolveCheckUrl(urlText, options.baseUrl);
  } catch (err) {
    if ((err as Error).message === 'relative')
      fail(field('url'), `is "${rawUrl}", a relative URL, but no base-url is set: set the base-url input (or base-url: in the file), or give a full URL.`);
    fail(field('url'), `is "${rawUrl}", which is not a valid URL: give a path such as /health or a full URL such as https://api.example.com/health.`);
  }
  const parsedUrl = new URL(url);
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') fail(field('url'), `is "${rawUrl}": only http:// and https:// URLs can be checked.`);
  if (parsedUrl.hostname === '') fail(field('url'), `is "${rawUrl}", which has no host.`);

  // Request
  const cors = obj.cors === undefined ? undefined : parseCors(obj.cors, field('cors'));
  let method: string =
    obj.method === undefined ? (cors ? 'OPTIONS' : 'GET') : parseEnum(expectString(obj.method, field('method')).toUpperCase(), field('method'), METHODS);
  if (cors && method !== 'OPTIONS')
    fail(field('method'), `is ${method}, but a cors check sends an OPTIONS preflight: put the real request's method under cors.method.`);
  const headers = parseHeaders(defaults.headers, 'defaults.headers', field, sub);
  for (const [k, v] of Object.entries(parseHeaders(obj.headers, 'headers', field, sub))) {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
    headers[k] = v;
  }
  let body: string | undefined;
  if (obj.body !== undefined && obj.body !== null) {
    if (method === 'GET' || method === 'HEAD' || cors)
      fail(field('body'), `is set, but a ${cors ? 'CORS preflight' : method} request has no body: use method: POST (or PUT, PATCH).`);
    if (typeof obj.body === 'string') body = sub(obj.body, 'body');
    else if (typeof obj.body === 'object') {
      body = JSON.stringify(substituteDeep(obj.body, (s) => sub(s, 'body')));
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    } else body = String(obj.body);
  }
  method = method.toUpperCase();

  // Timing and transport
  const toRaw = pick('timeout');
  const timeoutMs = toRaw === undefined ? options.defaults.timeoutMs : duration(toRaw, field('timeout'), false);
  const rtRaw = pick('request-timeout');
  const requestTimeoutMs = rtRaw === undefined ? options.defaults.requestTimeoutMs : duration(rtRaw, field('request-timeout'), false);
  if (requestTimeoutMs === 0) fail(field('request-timeout'), 'is 0: give the time one request may take, such as 10s.');
  const frRaw = pick('follow-redirects');
  const followRedirects = frRaw === undefined ? true : bool(frRaw, field('follow-redirects'));
  const insRaw = pick('insecure');
  const insecure = insRaw === undefined ? false : bool(insRaw, field('insecure'));
  const caRaw = pick('ca-file');
  const ca = caRaw === undefined ? undefined : readCaFile(expectString(caRaw, field('ca-file')), field('ca-file'), options.workspace);
  if (ca !== undefined && insecure)
    fail(field('insecure'), 'is true together with ca-file: insecure skips verification, so the CA would not be used. Remove one of them.');
  if ((ca !== undefined || insecure) && parsedUrl.protocol !== 'https:') {
    fail(field(insecure ? 'insecure' : 'ca-file'), `is set, but ${rawUrl} is not an https:// URL.`);
  }

  // Repetitions
  if (obj.repeat !== undefined && obj.load !== undefined)
    fail(label, 'has both repeat and load: use repeat for sequential requests or load for concurrent ones.');
  const repeat = obj.repeat === undefined ? undefined : int(obj.repeat, field('repeat'), { min: 1, max: 100_000 });
  const load = obj.load === undefined ? undefined : parseLoad(obj.load, field('load'));
  if (cors && (repeat !== undefined || load !== undefined)) fail(label, 'has cors with repeat or load: a CORS check sends one preflight.');

  // Expectations
  const expect = parseExpect(obj.expect, field('expect'));
  const measured = repeat !== undefined || load !== undefined;
  for (const [key, v] of [
    ['p50-latency', expect.p50LatencyMs],
    ['p95-latency', expect.p95LatencyMs],
    ['p99-latency', expect.p99LatencyMs],
    ['error-rate', expect.errorRatePercent],
  ] as const) {
    if (v !== undefined && !measured) {
      fail(
        field(`expect.${key}`),
        `needs repeat: N or load: {requests, concurrency} on the check: a single request has no ${key === 'error-rate' ? 'error rate' : 'percentiles'}${key === 'error-rate' ? '' : ' (use max-latency)'}.`,
      );
    }
  }
  if (expect.tls && parsedUrl.protocol !== 'https:') fail(field('expect.tls'), `is set, but ${rawUrl} is not an https:// URL.`);
  const expectObj = isObject(obj.expect) ? obj.expect : {};
  const tlsOnly = expect.tls !== undefined && Object.keys(expectObj).length === 1 && !cors && !measured;

  return {
    index,
    name: name ?? rawUrl,
    label,
    url,
    method,
    headers,
    body,
    timeoutMs,
    requestTimeoutMs,
    followRedirects,
    ca,
    insecure,
    repeat,
    load,
    cors,
    expect,
    tlsOnly,
  };
}

function substituteDeep(value: unknown, sub: (s: string) => string): unknown {
  if (typeof value === 'string') return sub(value);
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, sub));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, sub)]));
  return value;
}

function parseHeaders(raw: unknown, key: string, field: (f: string) => string, sub: (text: string, f: string) => string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  const obj = expectObject(raw, field(key), 'header name: value');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(obj)) {
    if (!HEADER_NAME.test(name)) fail(field(key), `has "${name}", which is not a valid header name.`);
    const text = sub(expectString(value, field(`${key}.${name}`)), `${key}.${name}`);
    if (/[\r\n\0]/.test(text)) fail(field(`${key}.${name}`), 'contains a line break or NUL (after ${{ env }} substitution), which a header cannot hold.');
    out[name] = text;
  }
  return out;
}

function readCaFile(path: string, where: string, workspace: string): string {
  const full = isAbsolute(path) ? path : resolve(workspace, path);
  if (!existsSync(full) || !statSync(full).isFile()) fail(where, `is "${path}", which does not exist (looked in ${workspace}).`);
  const pem = readFileSync(full, 'utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) fail(where, `is "${path}", which holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  return pem;
}

function parseLoad(raw: unknown, where: string): LoadSpec {
  const obj = expectObject(raw, where, '{ requests: 100, concurrency: 5 }');
  assertKnownKeys(obj, ['requests', 'concurrency'], where);
  if (obj.requests === undefined) fail(where, 'has no requests: write load: { requests: 100, concurrency: 5 }.');
  const requests = int(obj.requests, `${where}.requests`, { min: 1, max: 100_000 });
  const concurrency = obj.concurrency === undefined ? 1 : int(obj.concurrency, `${where}.concurrency`, { min: 1, max: 1000 });
  return { requests, concurrency };
}

function parseCors(raw: unknown, where: string): CorsSpec {
  const obj = expectObject(raw, where, '{ origin: https://app.example.com, method: POST }');
  assertKnownKeys(obj, ['origin', 'method', 'headers', 'credentials', 'allowed'], where);
  if (obj.origin === undefined) fail(where, 'has no origin: give the page origin that calls the API, e.g. https://app.example.com.');
  const origin = expectString(obj.origin, `${where}.origin`).trim();
  if (origin !== 'null') {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || parsed.origin !== origin)
      fail(`${where}.origin`, `is "${origin}", which is not an origin: write scheme://host[:port] with no path, e.g. https://app.example.com.`);
  }
  const method = obj.method === undefined ? 'GET' : parseEnum(expectString(obj.method, `${where}.method`).toUpperCase(), `${where}.method`, METHODS);
  let requestHeaders: string[] = [];
  if (obj.headers !== undefined) {
    const list = Array.isArray(obj.headers)
      ? obj.headers
      : typeof obj.headers === 'string'
        ? obj.headers.split(',')
        : fail(`${where}.headers`, 'must be a list of header names.');
    requestHeaders = list.map((h) => expectString(h, `${where}.headers`).trim());
    for (const h of requestHeaders) if (!HEADER_NAME.test(h)) fail(`${where}.headers`, `has "${h}", which is not a valid header name.`);
  }
  const credentials = obj.credentials === undefined ? false : bool(obj.credentials, `${where}.credentials`);
  const allowed = obj.allowed === undefined ? true : bool(obj.allowed, `${where}.allowed`);
  return { origin, method, requestHeaders, credentials, allowed };
}
