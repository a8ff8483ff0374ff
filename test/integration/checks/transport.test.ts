// httpRequestNode (the check engine's transport) against real servers on 127.0.0.1: redirect
// rules, body cap, compressed bodies, plain-word errors.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTransportError } from '../../../src/http/client.js';
import { closeIdleConnections, httpRequestNode } from '../../../src/http/node-client.js';
import { refusedPort, sendJson, startServer, type TestServer } from '../../support/http-servers.js';

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  b = await startServer({
    '/landing': (req, res) => sendJson(res, 200, { method: req.method, authorization: req.headers.authorization ?? null }),
    '/headers': (req, res) =>
      sendJson(res, 200, { 'x-api-key': req.headers['x-api-key'] ?? null, cookie: req.headers.cookie ?? null, 'x-tenant': req.headers['x-tenant'] ?? null }),
  });
  a = await startServer({
    '/landing': (req, res, { body }) => sendJson(res, 200, { method: req.method, body, authorization: req.headers.authorization ?? null }),
    '/see-other': (_req, res) => {
      res.writeHead(303, { location: '/landing' });
      res.end();
    },
    '/temporary': (_req, res) => {
      res.writeHead(307, { location: '/landing' });
      res.end();
    },
    '/elsewhere': (_req, res) => {
      res.writeHead(302, { location: `${b.url}/landing` });
      res.end();
    },
    '/elsewhere-headers': (_req, res) => {
      res.writeHead(307, { location: `${b.url}/headers` });
      res.end();
    },
    '/loop': (_req, res) => {
      res.writeHead(302, { location: '/loop' });
      res.end();
    },
    '/big': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(200_000));
    },
    '/gzip': (_req, res) => {
      const body = gzipSync(JSON.stringify({ status: 'ok' }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
      res.end(body);
    },
  });
});
afterAll(async () => {
  closeIdleConnections();
  await Promise.all([a.close(), b.close()]);
});

describe('httpRequestNode', () => {
  it('303 turns a POST into a GET without a body; 307 keeps method and body', async () => {
    const seeOther = await httpRequestNode({ url: `${a.url}/see-other`, method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    expect(JSON.parse(seeOther.body)).toMatchObject({ method: 'GET', body: '' });
    expect(seeOther).toMatchObject({ status: 200, redirected: true, url: `${a.url}/landing` });
    const temporary = await httpRequestNode({ url: `${a.url}/temporary`, method: 'POST', body: 'payload' });
    expect(JSON.parse(temporary.body)).toMatchObject({ method: 'POST', body: 'payload' });
  });

  it('drops every user-set header on a redirect to another origin, keeps them on the same origin', async () => {
    const cross = await httpRequestNode({ url: `${a.url}/elsewhere`, headers: { authorization: 'Bearer t0ken' } });
    expect(JSON.parse(cross.body)).toEqual({ method: 'GET', authorization: null });
    // Every header the user set stays behind, API keys in custom headers included.
    const custom = await httpRequestNode({ url: `${a.url}/elsewhere-headers`, headers: { 'x-api-key': 'k3y-secret', cookie: 's=1', 'x-tenant': 'acme' } });
    expect(JSON.parse(custom.body)).toEqual({ 'x-api-key': null, cookie: null, 'x-tenant': null });
    const same = await httpRequestNode({ url: `${a.url}/temporary`, headers: { authorization: 'Bearer t0ken' } });
    expect(JSON.parse(same.body).authorization).toBe('Bearer t0ken');
  });

  it('returns the 3xx itself when redirects are not followed, and gives up on a loop', async () => {
    const kept = await httpRequestNode({ url: `${a.url}/loop`, followRedirects: false });
    expect(kept.status).toBe(302);
    expect(kept.headers.get('location')).toBe('/loop');
    const err = await httpRequestNode({ url: `${a.url}/loop`, maxRedirects: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpTransportError);
    expect((err as Error).message).toBe('more than 3 redirects (last to /loop)');
  });

  it('keeps at most maxBodyBytes of a body and says it cut it', async () => {
    const res = await httpRequestNode({ url: `${a.url}/big`, maxBodyBytes: 1000 });
    expect(res.body).toHaveLength(1000);
    expect(res.truncated).toBe(true);
    const whole = await httpRequestNode({ url: `${a.url}/big` });
    expect(whole.body).toHaveLength(200_000);
    expect(whole.truncated).toBe(false);
  });

  it('decodes a gzip body', async () => {
    const res = await httpRequestNode({ url: `${a.url}/gzip` });
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
  });

  it('says "connection refused" in plain words', async () => {
    const port = await refusedPort();
    const err = await httpRequestNode({ url: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpTransportError);
    expect((err as HttpTransportError).message).toBe('connection refused (ECONNREFUSED)');
    expect((err as HttpTransportError).code).toBe('ECONNREFUSED');
  });
});
