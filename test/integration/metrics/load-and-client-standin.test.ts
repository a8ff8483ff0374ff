// The load generator and the client's HTTP edges, against small local HTTP servers that stand in
// for an app and for Prometheus (stand-in: they answer the way the real ones would, on 127.0.0.1).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../../src/metrics/prometheus.js';
import { HttpTransportError } from '../../../src/http/client.js';
import { startLoad } from '../../support/load.js';
import { freePort } from '../../support/ports.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  const addr = server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

describe('startLoad (stand-in app)', () => {
  it('paces requests at the rate, counts by status and keeps a sorted timeline', async () => {
    let n = 0;
    const url = await serve((_, res) => {
      res.statusCode = ++n % 4 === 0 ? 500 : 200;
      res.end('x');
    });
    const started = performance.now();
    const load = startLoad(url, { rps: 50 });
    await new Promise((r) => setTimeout(r, 1000));
    const expected = ((performance.now() - started) / 1000) * 50; // timers run late on a busy machine
    const result = await load.stop();
    expect(result.sent).toBeGreaterThanOrEqual(Math.floor(expected) - 3);
    expect(result.sent).toBeLessThanOrEqual(Math.ceil(expected) + 2);
    expect(result.byStatus[200]! + result.byStatus[500]!).toBe(result.sent);
    expect(result.byStatus[500]).toBe(Math.floor(result.sent / 4));
    expect(result.timeline).toHaveLength(result.sent);
    expect(result.timeline.every((e, i) => i === 0 || e.t >= result.timeline[i - 1]!.t)).toBe(true);
  });

  it('records refused connections as status 0 and stops on the signal', async () => {
    const port = await freePort();
    const ac = new AbortController();
    const load = startLoad(`http://127.0.0.1:${port}/`, { rps: 20, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const sentAtAbort = (await new Promise((r) => setTimeout(r, 300)).then(() => load.stop())).sent;
    expect(sentAtAbort).toBeGreaterThan(3);
    expect(sentAtAbort).toBeLessThan(10);
    const result = await load.stop();
    expect(result.byStatus[0]).toBe(result.sent);
  });
});

describe('PrometheusClient HTTP edges (stand-in Prometheus)', () => {
  it('sends credentials from the URL and extra headers, POSTs the query form', async () => {
    let seen: { headers: IncomingHttpHeaders; body: string; url?: string } | undefined;
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { headers: req.headers, body, url: req.url };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, '1'] }] } }));
      });
    });
    const client = new PrometheusClient(url.replace('http://', 'http://reader:s3cret@'), { headers: { 'x-scope-orgid': 'team-a' } });
    expect(client.baseUrl).toBe(url);
    await expect(client.query('vector(1)', { time: new Date(1_700_000_000_500) })).resolves.toEqual([{ labels: {}, value: 1 }]);
    expect(seen!.url).toBe('/api/v1/query');
    expect(seen!.headers.authorization).toBe(`Basic ${Buffer.from('reader:s3cret').toString('base64')}`);
    expect(seen!.headers['x-scope-orgid']).toBe('team-a');
    expect(Object.fromEntries(new URLSearchParams(seen!.body))).toEqual({ query: 'vector(1)', time: '1700000000.500' });
  });

  it('a server that never answers is a timeout within the deadline, retried then given up', async () => {
    let requests = 0;
    const url = await serve(() => {
      requests++; // never answers
    });
    const client = new PrometheusClient(url, { timeoutMs: 300, attempts: 2 });
    const started = Date.now();
    const err = await client.query('up').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpTransportError);
    expect((err as Error).message).toBe(`Prometheus at ${url}: no answer within 300ms`);
    expect(requests).toBe(2);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("a 503 is retried and then reported with Prometheus's error text", async () => {
    let requests = 0;
    const url = await serve((_, res) => {
      requests++;
      res.statusCode = 503;
      res.end(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'overloaded' }));
    });
    await expect(new PrometheusClient(url, { attempts: 3 }).query('up')).rejects.toThrow('overloaded');
    expect(requests).toBe(3);
  });
});
