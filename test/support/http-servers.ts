/**
 * Real HTTP and HTTPS servers on 127.0.0.1 (ephemeral ports) for tests, with every request
 * recorded, plus a test PKI generated at test time with openssl: a CA and leaf certificates that
 * are valid for a year, expire in 3 days, or name the wrong host.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RouteContext {
  /** How many requests this path (without query) has had, this one included. */
  count: number;
  query: URLSearchParams;
  body: string;
}

export type Route = (req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext) => void | Promise<void>;

export interface TestServer {
  /** `http://127.0.0.1:PORT` (or https). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** The most requests this server had in progress at once since it started (or since `resetPeak`). */
  peakInFlight(): number;
  resetPeak(): void;
  close(): Promise<void>;
}

export interface ServerOptions {
  tls?: { key: string; cert: string };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: http.ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Starts a server for `routes` (by path; unknown paths answer 404) on 127.0.0.1 and a free port. */
export async function startServer(routes: Record<string, Route>, options: ServerOptions = {}): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  let inFlight = 0;
  let peak = 0;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    res.once('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body });
      const count = (counts.get(url.pathname) ?? 0) + 1;
      counts.set(url.pathname, count);
      const route = routes[url.pathname];
      if (!route) return sendJson(res, 404, { error: 'not found' });
      Promise.resolve(route(req, res, { count, query: url.searchParams, body })).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      });
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    peakInFlight: () => peak,
    resetPeak: () => {
      peak = inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The endpoints the check engine's tests need: healthy JSON, slow, flaky (fails N times, then
 * passes), wrong JSON, not JSON, HTML, gzip, redirects, CORS allow and deny, echo of request headers.
 */
export function standardRoutes(): Record<string, Route> {
  return {
    '/health': (_req, res) =>
      sendJson(res, 200, { status: 'ok', version: '1.4.2', checks: { db: 'up' }, items: [1, 2, 3], uptime: 1234 }, { 'x-version': '1.4.2' }),
    '/slow': async (_req, res, { query }) => {
      await delay(Number(query.get('ms') ?? 200));
      sendJson(res, 200, { status: 'ok' });
    },
    // Fails with 503 `fail` times (per `key`), then answers 200.
    '/flaky': (_req, res, { query }) => {
      const key = query.get('key') ?? 'default';
      const n = (flakyCounts.get(key) ?? 0) + 1;
      flakyCounts.set(key, n);
      if (n <= Number(query.get('fail') ?? 2)) return sendJson(res, 503, { status: 'starting' });
      sendJson(res, 200, { status: 'ok', attempt: n });
    },
    '/wrong-json': (_req, res) => sendJson(res, 200, { status: 'degraded', version: '2.0.0', uptime: 'long' }),
    '/not-json': (_req, res) => sendText(res, 200, 'OK'),
    '/ops': (_req, res) => sendText(res, 200, '<!doctype html><html><head><title>Ops</title></head><body>ready</body></html>', 'text/html'),
    '/error': (_req, res) => sendJson(res, 500, { error: 'boom' }),
    '/gzip': (_req, res) => {
      const body = gzipSync(JSON.stringify({ status: 'ok', compressed: true }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
      res.end(body);
    },
    '/redirect': (_req, res) => {
      res.writeHead(302, { location: '/health' });
      res.end();
    },
    '/moved': (_req, res) => {
      res.writeHead(301, { location: '/ops' });
      res.end();
    },
    '/echo': (req, res, { body }) => sendJson(res, 200, { method: req.method, headers: req.headers, body }),
    // Allows https://app.example.com for GET, POST, PUT with Content-Type and Authorization.
    '/cors': (req, res) => {
      if (req.method !== 'OPTIONS') return sendJson(res, 200, { ok: true });
      const origin = req.headers.origin;
      if (origin !== 'https://app.example.com') {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'GET, POST, PUT',
        'access-control-allow-headers': 'Content-Type, Authorization',
        'access-control-max-age': '600',
        vary: 'Origin',
      });
      res.end();
    },
  };
}

const flakyCounts = new Map<string, number>();

/** A 127.0.0.1 port with nothing listening: connections to it are refused. */
export async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TestPki {
  dir: string;
  /** Path of the CA certificate (PEM), for ca-file. */
  caFile: string;
  ca: string;
  /** Valid for 365 days, for 127.0.0.1 and localhost. */
  valid: { key: string; cert: string };
  /** Valid for 127.0.0.1, expires in 3 days. */
  expiring: { key: string; cert: string };
  /** Valid for 365 days, for wrong.example.com only. */
  wrongHost: { key: string; cert: string };
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Generates a CA and three leaf certificates with openssl in a temp dir (EC P-256: fast). */
export function generateTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'dk-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '400',
      '-subj',
      '/CN=deploy-kit test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const leaf = (name: string, days: number, san: string): { key: string; cert: string } => {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        String(days),
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
    return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.crt`), 'utf8') };
  };
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    valid: leaf('valid', 365, 'IP:127.0.0.1,DNS:localhost'),
    expiring: leaf('expiring', 3, 'IP:127.0.0.1,DNS:localhost'),
    wrongHost: leaf('wrong-host', 365, 'DNS:wrong.example.com'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
