/**
 * HTTP over node:http/node:https, with the same request and response shapes as `httpRequest`,
 * for callers that need what Node's fetch cannot take without the undici package: an extra CA,
 * an explicit skip-verify, a cap on the body, and latency measured from the first byte sent.
 */
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { DEFAULT_HTTP_TIMEOUT_MS, HttpTransportError, describeTransportError, type HttpRequest, type HttpResponse } from './client.js';

export interface TlsOptions {
  /** PEM certificate(s) trusted in addition to Node's root store. */
  ca?: string;
  /** Do not verify the server's certificate (chain or host name). Must be asked for explicitly. */
  insecure?: boolean;
}

export interface NodeHttpRequest extends HttpRequest {
  tls?: TlsOptions;
  /** Keep at most this many bytes of the body (default 5 MiB); the response says when it was cut. */
  maxBodyBytes?: number;
  /** Redirects followed before giving up (default 10). */
  maxRedirects?: number;
}

export interface NodeHttpResponse extends HttpResponse {
  /** The body was longer than maxBodyBytes and was cut there. */
  truncated: boolean;
}

/** The most of a body kept by default (5 MiB); the rest is not read. */
export const DEFAULT_MAX_BODY = 5 * 1024 * 1024;
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

/** Closes pooled keep-alive connections (e.g. at the end of a test). */
export function closeIdleConnections(): void {
  httpAgent.destroy();
  httpsAgent.destroy();
}

interface Hop {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  truncated: boolean;
}

export async function httpRequestNode(req: NodeHttpRequest): Promise<NodeHttpResponse> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  // One controller per request, its timer cleared at the end: a load check sends thousands of
  // requests, and AbortSignal.timeout would leave a timer behind for each.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = (): void => controller.abort(req.signal!.reason);
  if (req.signal?.aborted) onAbort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  const started = performance.now();
  const maxRedirects = req.maxRedirects ?? 10;
  let url = new URL(req.url);
  let method = (req.method ?? 'GET').toUpperCase();
  let body = req.body;
  let headers = { ...(req.headers ?? {}) };
  try {
    for (let hop = 0; ; hop++) {
      const res = await send(url, method, headers, body, req, signal);
      const location = res.headers.location;
      if (req.followRedirects === false || !isRedirect(res.status) || !location) {
        return {
          url: url.toString(),
          status: res.status,
          statusText: res.statusText,
          headers: toHeaders(res.headers),
          body: res.body,
          latencyMs: performance.now() - started,
          redirected: hop > 0,
          truncated: res.truncated,
        };
      }
      if (hop >= maxRedirects)
        throw new HttpTransportError(`more than ${maxRedirects} redirects (last to ${location})`, 'EREDIRECTS', performance.now() - started);
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new HttpTransportError(`redirected to a ${next.protocol} URL`, 'EREDIRECTS', performance.now() - started);
      }
      // As browsers and fetch do: 303 (and 301/302 after POST) become GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers = withoutHeaders(headers, ['content-type', 'content-length']);
      }
      // No header the caller set goes to another origin: an API key may travel in any header (X-Api-Key,
      // a custom token), not only Authorization/Cookie. https → http is always another origin.
      if (next.origin !== url.origin) headers = {};
      url = next;
    }
  } catch (err) {
    const latencyMs = performance.now() - started;
    if (req.signal?.aborted) throw req.signal.reason;
    if (timedOut) throw new HttpTransportError(`no answer within ${timeoutMs}ms`, 'TIMEOUT', latencyMs);
    if (err instanceof HttpTransportError) throw err;
    throw describeTransportError(err, latencyMs);
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  }
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  req: NodeHttpRequest,
  signal: AbortSignal,
): Promise<Hop> {
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = {
    method,
    headers,
    signal,
    agent: secure ? httpsAgent : httpAgent,
  };
  if (secure) {
    if (req.tls?.ca) options.ca = [...rootCertificates, req.tls.ca];
    if (req.tls?.insecure) options.rejectUnauthorized = false;
  }
  const maxBody = req.maxBodyBytes ?? DEFAULT_MAX_BODY;
  return new Promise<Hop>((resolve, reject) => {
    const request = (secure ? https : http).request(url, options, (res) => {
      const encoding = String(res.headers['content-encoding'] ?? '')
        .trim()
        .toLowerCase();
      if (ENCODINGS.includes(encoding)) decoded(res, encoding).then((stream) => consume(res, stream), reject);
      else consume(res, res);
    });
    const consume = (res: http.IncomingMessage, stream: Readable): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      stream.on('data', (chunk: Buffer) => {
        if (truncated) return;
        if (size + chunk.length > maxBody) {
          chunks.push(chunk.subarray(0, maxBody - size));
          size = maxBody;
          truncated = true;
          res.destroy();
          finish();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
        });
      };
      stream.on('end', finish);
      stream.on('error', (err) => (truncated ? finish() : reject(err)));
      res.on('error', (err) => (truncated ? finish() : reject(err)));
      res.on('close', () => {
        if (!done && !res.complete) reject(Object.assign(new Error('connection closed before the body ended'), { code: 'ECONNRESET' }));
      });
    };
    request.on('error', reject);
    if (body !== undefined) request.end(body);
    else request.end();
  });
}

const ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'br'];

/** A decoding stream for a compressed body; zlib is loaded only when a server compresses. */
async function decoded(res: http.IncomingMessage, encoding: string): Promise<Readable> {
  const zlib = await import('node:zlib');
  const decoder = encoding === 'br' ? zlib.createBrotliDecompress() : encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip();
  res.on('error', (err) => decoder.destroy(err));
  return res.pipe(decoder);
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k.toLowerCase())));
}

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.set(name, value);
  }
  return out;
}
