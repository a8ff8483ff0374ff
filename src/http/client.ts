import { socketErrorWords } from '../util/socket-errors.js';

/** Node's fetch with a deadline per request and errors that say what happened in plain words. */

export interface HttpRequest {
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Per-request deadline, ms (connect + response + body). Default 30 s. */
  timeoutMs?: number;
  /** Follow redirects (default true). When false, a 3xx is returned as it is. */
  followRedirects?: boolean;
  signal?: AbortSignal;
  /** Read the body as bytes instead of text. */
  binary?: boolean;
}

export interface HttpResponse {
  url: string;
  status: number;
  statusText: string;
  headers: Headers;
  /** The body as text ('' when `binary`). */
  body: string;
  bytes?: Uint8Array;
  /** Time to the full body, ms. */
  latencyMs: number;
  redirected: boolean;
}

/** A request that got no HTTP answer: refused, reset, DNS, TLS, timeout. */
export class HttpTransportError extends Error {
  override name = 'HttpTransportError';
  constructor(
    message: string,
    readonly code: string,
    readonly latencyMs: number,
  ) {
    super(message);
  }
}

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const started = performance.now();
  try {
    const res = await fetch(req.url, {
      method: req.method ?? 'GET',
      headers: req.headers,
      body: req.body,
      redirect: req.followRedirects === false ? 'manual' : 'follow',
      signal,
    });
    let body = '';
    let bytes: Uint8Array | undefined;
    if (req.binary) bytes = new Uint8Array(await res.arrayBuffer());
    else body = await res.text();
    return {
      url: res.url || String(req.url),
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
      body,
      bytes,
      latencyMs: performance.now() - started,
      redirected: res.redirected,
    };
  } catch (err) {
    const latencyMs = performance.now() - started;
    if (req.signal?.aborted) throw req.signal.reason;
    if (timeout.aborted) {
      throw new HttpTransportError(`no answer within ${timeoutMs}ms`, 'TIMEOUT', latencyMs);
    }
    throw describeTransportError(err, latencyMs);
  }
}

/** Turns undici's nested `fetch failed` into one line: "connection refused (ECONNREFUSED)". */
export function describeTransportError(err: unknown, latencyMs = 0): HttpTransportError {
  let cause: unknown = err;
  for (let i = 0; i < 5 && cause instanceof Error && (cause as { cause?: unknown }).cause; i++) {
    cause = (cause as { cause?: unknown }).cause;
  }
  const code = (cause as { code?: string })?.code ?? 'EFETCH';
  const message = cause instanceof Error ? cause.message : String(cause);
  const words = socketErrorWords(code);
  return new HttpTransportError(words ? `${words} (${code})` : message, code, latencyMs);
}

/** Transient by nature: worth retrying. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export function isTransientError(err: unknown): boolean {
  return err instanceof HttpTransportError && err.code !== 'ENOTFOUND' && !err.code.startsWith('CERT') && !err.code.includes('TLS');
}
