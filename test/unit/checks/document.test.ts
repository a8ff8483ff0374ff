import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChecksDocument, resolveCheckUrl, type ChecksDocumentOptions } from '../../../src/checks/document.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { parseYaml } from '../../../src/runtime/yaml.js';

const options: ChecksDocumentOptions = {
  source: '.deploy/smoke.yml',
  file: '/ws/.deploy/smoke.yml',
  baseUrl: 'https://api.example.com',
  env: { API_TOKEN: 'tok-123456' },
  workspace: '/ws',
  defaults: { timeoutMs: 30_000, requestTimeoutMs: 10_000 },
};

const parse = (yaml: string, o: Partial<ChecksDocumentOptions> = {}) => parseChecksDocument(parseYaml(yaml, 'smoke.yml'), { ...options, ...o });

function configError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
  throw new Error('expected a ConfigurationError');
}

describe("parseChecksDocument: the issue's example", () => {
  const plan = parse(`
checks:
  - name: backend health
    url: /health                 # relative to base-url
    expect:
      status: 200                # or [200, 204], or 2xx
      json:
        status: ok               # equals
        version: { matches: '^1\\.' }
      max-latency: 500ms
  - name: frontend
    url: https://app.example.com/ops
    expect: { status: 2xx, body: { contains: '<title>' } }
  - name: api latency
    url: /health
    load: { requests: 100, concurrency: 5 }
    expect: { p95-latency: 50ms, error-rate: 0 }
`);
  it('types every check', () => {
    const [health, frontend, latency] = plan.checks;
    expect(health).toMatchObject({
      index: 0,
      name: 'backend health',
      label: 'checks[0] ("backend health")',
      url: 'https://api.example.com/health',
      method: 'GET',
      timeoutMs: 30_000,
      requestTimeoutMs: 10_000,
      followRedirects: true,
      insecure: false,
      tlsOnly: false,
      expect: { status: [{ code: 200 }], maxLatencyMs: 500 },
    });
    expect(health!.expect.json.map((j) => j.target)).toEqual(['status', 'version']);
    expect(frontend!.url).toBe('https://app.example.com/ops');
    expect(frontend!.expect.status).toEqual([{ class: 2 }]);
    expect(frontend!.expect.body).toEqual({ contains: ['<title>'], notContains: [], matches: [] });
    expect(latency!.load).toEqual({ requests: 100, concurrency: 5 });
    expect(latency!.expect).toMatchObject({ p95LatencyMs: 50, errorRatePercent: 0 });
  });
  it('accepts a bare list', () => {
    expect(parse('- url: /health\n- url: /ops\n').checks.map((c) => c.name)).toEqual(['/health', '/ops']);
  });
});

describe('parseChecksDocument: requests', () => {
  it("keeps the base URL's path and resolves absolute URLs as they are", () => {
    expect(resolveCheckUrl('/health', 'https://x.example.com/v1/')).toBe('https://x.example.com/v1/health');
    expect(resolveCheckUrl('health?a=1', 'https://x.example.com/v1')).toBe('https://x.example.com/v1/health?a=1');
    expect(resolveCheckUrl('http://other:8080/a', 'https://x.example.com')).toBe('http://other:8080/a');
  });
  it("the base-url input wins over the file's", () => {
    const doc = 'base-url: https://file.example.com\nchecks: [{ url: /a }]';
    expect(parse(doc).checks[0]!.url).toBe('https://api.example.com/a');
    expect(parse(doc, { baseUrl: undefined }).checks[0]!.url).toBe('https://file.example.com/a');
  });
  it('substitutes ${{ env }} in url, headers and body and returns the values to mask', () => {
    const plan = parse(`
defaults: { headers: { X-Team: platform } }
checks:
  - name: api
    url: /items?key=\${{ env.API_TOKEN }}
    method: post
    headers: { Authorization: 'Bearer \${{ env.API_TOKEN }}' }
    body: { token: '\${{ env.API_TOKEN }}', n: 1 }
`);
    const c = plan.checks[0]!;
    expect(c.url).toBe('https://api.example.com/items?key=tok-123456');
    expect(c.method).toBe('POST');
    expect(c.headers).toEqual({ 'X-Team': 'platform', Authorization: 'Bearer tok-123456', 'content-type': 'application/json' });
    expect(JSON.parse(c.body!)).toEqual({ token: 'tok-123456', n: 1 });
    expect(plan.secrets).toEqual(['tok-123456']);
  });
  it('reads cors, repeat, redirects, tls-only checks', () => {
    const plan = parse(`
- name: cors
  url: /api
  cors: { origin: https://app.example.com, method: put, headers: [Content-Type] }
- name: fast
  url: /health
  repeat: 10
  follow-redirects: false
  expect: { max-latency: 50ms, p50-latency: 20ms }
- name: cert
  url: https://api.example.com
  expect: { tls: { min-days: 14 } }
`);
    expect(plan.checks[0]).toMatchObject({
      method: 'OPTIONS',
      cors: { origin: 'https://app.example.com', method: 'PUT', requestHeaders: ['Content-Type'], allowed: true },
    });
    expect(plan.checks[1]).toMatchObject({ repeat: 10, followRedirects: false, expect: { maxLatencyMs: 50, p50LatencyMs: 20 } });
    expect(plan.checks[2]).toMatchObject({ tlsOnly: true, expect: { tls: { minDays: 14, hostname: true } } });
  });
  it("defaults apply to every check; a check's own value wins", () => {
    const plan = parse(`
defaults: { timeout: 5s, request-timeout: 2s, follow-redirects: false, headers: { Accept: application/json } }
checks:
  - { name: a, url: /a }
  - { name: b, url: /b, timeout: 0, follow-redirects: true, headers: { accept: text/html } }
`);
    expect(plan.checks[0]).toMatchObject({ timeoutMs: 5000, requestTimeoutMs: 2000, followRedirects: false, headers: { Accept: 'application/json' } });
    expect(plan.checks[1]).toMatchObject({ timeoutMs: 0, requestTimeoutMs: 2000, followRedirects: true, headers: { accept: 'text/html' } });
  });
  it('reads a CA file relative to the workspace', () => {
    const ws = mkdtempSync(join(tmpdir(), 'dk-ca-'));
    writeFileSync(join(ws, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const plan = parse('- { url: /a, ca-file: ca.pem }', { workspace: ws });
    expect(plan.checks[0]!.ca).toContain('BEGIN CERTIFICATE');
  });
});

describe('parseChecksDocument: bad input names the check and the field', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'unknown key with a suggestion',
      '- { name: h, url: /a, expcet: { status: 200 } }',
      /checks\[0\] \("h"\) has an unknown key "expcet"\. Did you mean "expect"\?/,
    ],
    [
      'unknown expectation',
      '- { name: h, url: /a, expect: { stauts: 200 } }',
      /checks\[0\] \("h"\) expect has an unknown key "stauts"\. Did you mean "status"\?/,
    ],
    [
      'unknown JSON operator',
      '- { name: h, url: /a, expect: { json: { v: { matchs: x } } } }',
      /expect\.json "v" has an unknown key "matchs"\. Did you mean "matches"\?/,
    ],
    ['unknown top-level key', 'chekcs: []', /the document has an unknown key "chekcs"\. Did you mean "checks"\?/],
    ['invalid URL', '- { name: h, url: "https://exa mple.com/x" }', /checks\[0\] \("h"\) url is "https:\/\/exa mple.com\/x", which is not a valid URL/],
    ['non-http URL', '- { name: h, url: "ftp://example.com/x" }', /only http:\/\/ and https:\/\//],
    ['relative URL without base-url', '- { name: h, url: /health }', /a relative URL, but no base-url is set/],
    [
      'negative duration',
      '- { name: h, url: /a, timeout: -5s }',
      /checks\[0\] \("h"\) timeout is "-5s", which is not a duration\. Durations cannot be negative/,
    ],
    ['unparseable duration', '- { name: h, url: /a, expect: { max-latency: fast } }', /expect\.max-latency is "fast", which is not a duration/],
    ['latency without a unit', '- { name: h, url: /a, expect: { max-latency: 50 } }', /expect\.max-latency is 50 without a unit: write 50ms or 50s/],
    [
      'load concurrency 0',
      '- { name: h, url: /a, load: { requests: 10, concurrency: 0 } }',
      /checks\[0\] \("h"\) load\.concurrency is 0: it must be at least 1/,
    ],
    ['repeat 0', '- { name: h, url: /a, repeat: 0 }', /repeat is 0: it must be at least 1/],
    ['bad status', '- { name: h, url: /a, expect: { status: 2000 } }', /expect\.status has 2000, which is not a status/],
    ['bad regex', '- { name: h, url: /a, expect: { body: { matches: "(" } } }', /expect\.body\.matches is not a valid regular expression/],
    [
      'catastrophic regex (a+)+$',
      '- { name: h, url: /a, expect: { body: { matches: "(a+)+$" } } }',
      /expect\.body\.matches has the pattern \/\(a\+\)\+\$\/, which repeats a group that holds an unbounded quantifier/,
    ],
    [
      'catastrophic regex (a|a)* on a JSON field',
      '- { name: h, url: /a, expect: { json: { v: { matches: "^(a|a)*$" } } } }',
      /expect\.json "v"\.matches has the pattern \/\^\(a\|a\)\*\$\/, which repeats alternatives that can start with the same character/,
    ],
    ['backreference', '- { name: h, url: /a, expect: { body: { matches: "(x)\\\\1" } } }', /expect\.body\.matches has the pattern .*backreference/],
    [
      'lookahead',
      '- { name: h, url: /a, expect: { headers: { etag: { matches: "a(?=b)" } } } }',
      /expect\.headers\.etag\.matches has the pattern \/a\(\?=b\)\/, which uses lookaround/,
    ],
    ['percentile without repeat', '- { name: h, url: /a, expect: { p95-latency: 50ms } }', /expect\.p95-latency needs repeat: N or load/],
    ['missing url', '- { name: h }', /checks\[0\] \("h"\) has no url/],
    ['duplicate names', '- { name: h, url: /a }\n- { name: h, url: /b }', /checks\[1\] \("h"\) has the same name as checks\[0\]/],
    [
      'missing env variable',
      '- { name: h, url: /a, headers: { Authorization: "Bearer ${{ env.MISSING }}" } }',
      /checks\[0\] \("h"\) headers\.Authorization uses \$\{\{ env\.MISSING \}\}, but MISSING is not set/,
    ],
    ['body on GET', '- { name: h, url: /a, body: x }', /body is set, but a GET request has no body/],
    ['bad method', '- { name: h, url: /a, method: GTE }', /method is "GTE": use one of .* Did you mean "GET"\?/],
    [
      'cors origin with a path',
      '- { name: h, url: /a, cors: { origin: "https://app.example.com/x" } }',
      /cors\.origin is "https:\/\/app.example.com\/x", which is not an origin/,
    ],
    [
      'tls on http',
      '- { name: h, url: "http://example.com", expect: { tls: { min-days: 3 } } }',
      /expect\.tls is set, but http:\/\/example.com is not an https:\/\/ URL/,
    ],
    ['missing ca-file', '- { name: h, url: "https://example.com", ca-file: nope.pem }', /ca-file is "nope.pem", which does not exist/],
    ['empty list', 'checks: []', /checks is empty/],
    ['a path that does not exist', '.deploy/smoke', /the document is the text ".deploy\/smoke", not checks: if it is a file path, the file does not exist/],
    ['a check that is not a mapping', '- /health', /checks\[0\] must be a mapping/],
    ['repeat and load', '- { name: h, url: /a, repeat: 2, load: { requests: 2 } }', /has both repeat and load/],
    ['load concurrency as text', '- { name: h, url: /a, load: { requests: 10, concurrency: many } }', /load\.concurrency is "many": give a whole number/],
  ];
  for (const [what, yaml, message] of cases) {
    it(what, () => {
      const err = configError(() => parse(yaml, what.includes('without base-url') ? { baseUrl: undefined } : {}));
      expect(err.message).toMatch(message);
      expect(err.message.startsWith('.deploy/smoke.yml: ')).toBe(true);
      expect(err.file).toBe('/ws/.deploy/smoke.yml');
    });
  }
  it('never echoes a substituted secret in an error', () => {
    const err = configError(() => parse('- { name: h, url: /a, headers: { X: "a${{ env.NL }}" } }', { env: { NL: 'top\nsecret' } }));
    expect(err.message).toMatch(/headers\.X contains a line break/);
    expect(err.message).not.toContain('secret');
  });
  it('invalid YAML names its line', () => {
    const err = configError(() => parseYaml('checks:\n  - name: a\n    url: /a\n   bad: [\n', '.deploy/smoke.yml'));
    expect(err.message).toMatch(/\.deploy\/smoke\.yml is not valid YAML \(line \d+\)/);
    expect(err.line).toBeGreaterThanOrEqual(3);
  });
});
