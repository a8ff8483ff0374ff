// The check engine against real HTTP servers on 127.0.0.1: slow, flaky, wrong JSON, redirects,
// CORS allow and deny, connection refused, concurrency, load percentiles, cancellation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChecksDocument } from '../../../src/checks/document.js';
import { runChecks } from '../../../src/checks/run.js';
import type { CheckResult } from '../../../src/checks/types.js';
import { closeIdleConnections } from '../../../src/http/node-client.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { parseYaml } from '../../../src/runtime/yaml.js';
import { refusedPort, standardRoutes, startServer, type TestServer } from '../../support/http-servers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer(standardRoutes());
});
afterAll(async () => {
  closeIdleConnections();
  await server.close();
});

const fast = { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 };

function plan(yaml: string, defaults = { timeoutMs: 0, requestTimeoutMs: 5000 }) {
  return parseChecksDocument(parseYaml(yaml, 'checks'), {
    source: 'checks',
    baseUrl: server.url,
    env: { TOKEN: 'tok-abcdef' },
    workspace: process.cwd(),
    defaults,
  }).checks;
}

async function run(yaml: string, options: { concurrency?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<CheckResult[]> {
  return runChecks(plan(yaml, { timeoutMs: options.timeoutMs ?? 0, requestTimeoutMs: 5000 }), {
    concurrency: options.concurrency ?? 10,
    backoff: fast,
    signal: options.signal,
  });
}

describe('single requests', () => {
  it('passes status, JSON, headers, body and latency expectations', async () => {
    const [health, ops] = await run(`
- name: health
  url: /health
  expect:
    status: 200
    json: { status: ok, version: { matches: '^1\\.' }, uptime: { '>': 0 }, checks.db: { one-of: [up, degraded] }, 'items[2]': 3, 'items[*]': { '>': 0 } }
    headers: { content-type: { contains: json }, x-version: 1.4.2 }
    max-latency: 2s
- name: ops
  url: /ops
  expect: { status: 2xx, body: { contains: '<title>', matches: 'ready' } }
`);
    expect(health).toMatchObject({ name: 'health', passed: true, status: 200, attempts: 1, reasons: [] });
    expect(health!.latencyMs).toBeGreaterThan(0);
    expect(ops).toMatchObject({ passed: true, status: 200 });
  });

  it('fails on wrong JSON with every reason, and keeps the start of the body', async () => {
    const [r] = await run(`
- name: wrong
  url: /wrong-json
  expect: { json: { status: ok, version: { matches: '^1\\.' }, uptime: { '>': 0 } } }
`);
    expect(r!.passed).toBe(false);
    expect(r!.reasons).toEqual([
      'json "status" is "degraded", expected "ok"',
      'json "version" is "2.0.0", which does not match /^1\\./',
      'json "uptime" is "long" (a string), expected a number > 0',
    ]);
    expect(r!.bodyExcerpt).toContain('"degraded"');
  });

  it('fails a slow endpoint on max-latency', async () => {
    const [r] = await run('- { name: slow, url: "/slow?ms=300", expect: { max-latency: 100ms } }');
    expect(r!.passed).toBe(false);
    expect(r!.error).toMatch(/^latency \d+ms is over 100ms$/);
    expect(r!.latencyMs).toBeGreaterThanOrEqual(300);
  });

  it('HEAD gets status and headers without a body', async () => {
    const [r] = await run('- { name: head, url: /health, method: HEAD, expect: { status: 200, headers: { x-version: 1.4.2 } } }');
    expect(r).toMatchObject({ passed: true, status: 200 });
    expect(server.requests.at(-1)!.method).toBe('HEAD');
  });

  it('expects 2xx by default', async () => {
    const [r] = await run('- { name: err, url: /error }');
    expect(r).toMatchObject({ passed: false, status: 500, error: 'status 500, expected 2xx' });
  });

  it('gives a request-timeout in plain words', async () => {
    const [r] = await runChecks(plan('- { name: t, url: "/slow?ms=2000", request-timeout: 200ms }'), { concurrency: 1 });
    expect(r).toMatchObject({ passed: false, error: 'no answer within 200ms' });
  });

  it('follows redirects by default, and reports the 3xx itself when told not to', async () => {
    const [followed, kept] = await run(`
- { name: followed, url: /redirect, expect: { json: { status: ok } } }
- { name: kept, url: /moved, follow-redirects: false, expect: { status: 301, headers: { location: /ops } } }
`);
    expect(followed).toMatchObject({ passed: true, status: 200 });
    expect(kept).toMatchObject({ passed: true, status: 301 });
  });

  it('sends method, headers (with ${{ env }}) and a JSON body', async () => {
    const [r] = await run(`
- name: post
  url: /echo
  method: POST
  headers: { Authorization: 'Bearer \${{ env.TOKEN }}' }
  body: { hello: world }
  expect:
    json: { method: POST, headers.authorization: Bearer tok-abcdef, headers.content-type: application/json, body: '{"hello":"world"}' }
`);
    expect(r!.reasons).toEqual([]);
    const seen = server.requests.filter((q) => q.path === '/echo').at(-1)!;
    expect(seen.headers['user-agent']).toBe('deploy-kit');
  });
});

describe('wait until ready', () => {
  it('retries a flaky endpoint (503 twice) until it passes and counts the attempts', async () => {
    const logger = memoryLogger();
    const [r] = await runChecks(
      plan('- { name: flaky, url: "/flaky?fail=2&key=ready1", expect: { json: { status: ok } } }', { timeoutMs: 5000, requestTimeoutMs: 2000 }),
      {
        concurrency: 1,
        backoff: fast,
        log: logger,
      },
    );
    expect(r).toMatchObject({ passed: true, attempts: 3, status: 200 });
    expect(logger.lines.filter((l) => l.includes('flaky: attempt'))).toHaveLength(2);
    expect(logger.lines[0]).toMatch(/flaky: attempt 1 failed \(status 503, expected 2xx; json "status" is "starting", expected "ok"\); retrying in \d+ms/);
  });

  it('retries connection refused until the timeout, then reports every attempt', async () => {
    const port = await refusedPort();
    const started = Date.now();
    const [r] = await runChecks(plan(`- { name: down, url: "http://127.0.0.1:${port}/health" }`, { timeoutMs: 600, requestTimeoutMs: 1000 }), {
      concurrency: 1,
      backoff: { initialMs: 50, maxMs: 100, factor: 2, jitter: 0 },
    });
    expect(r!.passed).toBe(false);
    expect(r!.attempts).toBeGreaterThanOrEqual(4);
    expect(r!.error).toMatch(new RegExp(`^connection refused \\(ECONNREFUSED\\) after ${r!.attempts} attempts over \\d`));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(590); // the last attempt is made at the deadline
  });

  it('keeps retrying a wrong body until the deadline', async () => {
    const [r] = await run('- { name: body, url: /wrong-json, expect: { json: { status: ok } } }', { timeoutMs: 400 });
    expect(r!.passed).toBe(false);
    expect(r!.attempts).toBeGreaterThan(1);
    expect(server.requests.filter((q) => q.path === '/wrong-json').length).toBeGreaterThanOrEqual(r!.attempts);
  });

  it('makes one attempt when timeout is 0', async () => {
    const [r] = await run('- { name: once, url: "/flaky?fail=1&key=once" }');
    expect(r).toMatchObject({ passed: false, attempts: 1, status: 503 });
  });
});

describe('CORS preflight', () => {
  it('an allowed origin passes; a refused one fails when it must be allowed and passes when it must be refused', async () => {
    const results = await run(`
- name: app may PUT
  url: /cors
  cors: { origin: https://app.example.com, method: PUT, headers: [Content-Type, Authorization] }
- name: evil may not
  url: /cors
  cors: { origin: https://evil.example.com, method: PUT, allowed: false }
- name: evil must be allowed
  url: /cors
  cors: { origin: https://evil.example.com, method: PUT }
- name: DELETE is not allowed
  url: /cors
  cors: { origin: https://app.example.com, method: DELETE, allowed: false }
`);
    expect(results.map((r) => r.passed)).toEqual([true, true, false, true]);
    expect(results[2]!.error).toBe(
      'CORS preflight from https://evil.example.com refused PUT: no Access-Control-Allow-Origin header; method PUT is not in Access-Control-Allow-Methods (none)',
    );
    const preflights = server.requests.filter((q) => q.path === '/cors');
    expect(preflights.every((q) => q.method === 'OPTIONS')).toBe(true);
    expect(preflights[0]!.headers['access-control-request-method']).toBe('PUT');
  });
});

describe('repeat and load', () => {
  it('repeat measures sequential requests into percentiles', async () => {
    const [r] = await run('- { name: fast, url: /health, repeat: 10, expect: { p95-latency: 1s, max-latency: 2s, error-rate: 0 } }');
    expect(r!.passed).toBe(true);
    expect(r!.samples).toMatchObject({ requests: 10, failed: 0, errorRatePercent: 0 });
    expect(r!.samples!.latency!.count).toBe(10);
  });

  it('load fails on a p95 target the endpoint cannot meet', async () => {
    const [r] = await run('- { name: slow load, url: "/slow?ms=120", load: { requests: 10, concurrency: 5 }, expect: { p95-latency: 50ms } }');
    expect(r!.passed).toBe(false);
    expect(r!.error).toMatch(/^p95 latency \d+ms is over 50ms$/);
    expect(r!.samples!.latency!.p50).toBeGreaterThanOrEqual(120);
  });

  it('load runs requests concurrently, up to its concurrency', async () => {
    server.resetPeak();
    const [r] = await run('- { name: parallel, url: "/slow?ms=200", load: { requests: 20, concurrency: 20 } }');
    expect(r!.passed).toBe(true);
    expect(server.peakInFlight()).toBe(20);
    server.resetPeak();
    const [limited] = await run('- { name: limited, url: "/slow?ms=50", load: { requests: 12, concurrency: 4 } }');
    expect(limited!.passed).toBe(true);
    expect(server.peakInFlight()).toBe(4);
  });

  it('counts failures into the error rate against its target', async () => {
    const results = await run(`
- { name: strict, url: "/flaky?fail=3&key=load1", load: { requests: 10, concurrency: 1 } }
- { name: lenient, url: "/flaky?fail=3&key=load2", load: { requests: 10, concurrency: 1 }, expect: { error-rate: 30% } }
`);
    expect(results[0]!.passed).toBe(false);
    expect(results[0]!.error).toBe('error rate 30% (3 of 10) is over 0%; first failure: status 503, expected 2xx');
    expect(results[1]!.passed).toBe(true);
    expect(results[1]!.samples).toMatchObject({ failed: 3, errorRatePercent: 30 });
  });
});

describe('concurrency and cancellation', () => {
  it('runs checks concurrently up to the limit, and keeps the document order in the results', async () => {
    const yaml = Array.from({ length: 8 }, (_, i) => `- { name: c${i}, url: "/slow?ms=${300 - i * 20}" }`).join('\n');
    server.resetPeak();
    const parallel = await run(yaml, { concurrency: 8 });
    const parallelPeak = server.peakInFlight();
    server.resetPeak();
    const pairs = await run(yaml, { concurrency: 2 });
    const pairsPeak = server.peakInFlight();
    expect(parallel.map((r) => r.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    expect(pairs.map((r) => r.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    expect(parallel.every((r) => r.passed)).toBe(true);
    // The shortest check ends first, yet the results keep the document's order; the limit holds exactly.
    expect(parallelPeak).toBe(8);
    expect(pairsPeak).toBe(2);
  });

  it('stops waiting when the signal aborts', async () => {
    const port = await refusedPort();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 200);
    const started = Date.now();
    await expect(run(`- { name: down, url: "http://127.0.0.1:${port}/" }`, { timeoutMs: 60_000, signal: controller.signal })).rejects.toThrow('cancelled');
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
