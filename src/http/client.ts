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
  /** Refuse a body larger than this many bytes (read no further). Default: no limit. */
  maxBytes?: number;
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
    const raw = req.maxBytes === undefined ? new Uint8Array(await res.arrayBuffer()) : await readCapped(res, req.maxBytes, latencyFrom(started));
    if (req.binary) bytes = raw;
    else body = new TextDecoder().decode(raw);
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
    if (err instanceof HttpTransportError) throw err;
    if (timeout.aborted) {
      throw new HttpTransportError(`no answer within ${timeoutMs}ms`, 'TIMEOUT', latencyMs);
    }
    throw describeTransportError(err, latencyMs);
  }
}

const latencyFrom = (started: number) => () => performance.now() - started;

/** The body, or an HttpTransportError (`TOO_LARGE`) as soon as it passes `maxBytes`. */
export async function readCapped(res: Response, maxBytes: number, latency: () => number = () => 0): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const tooLarge = () => new HttpTransportError(`the response is larger than ${describeBytes(maxBytes)}, the most read from it`, 'TOO_LARGE', latency());
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** 5242880 → "5 MiB", 65536 → "64 KiB", 300 → "300 bytes". */
export function describeBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / 1024 / 1024} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
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
  return err instanceof HttpTransportError && err.code !== 'ENOTFOUND' && err.code !== 'TOO_LARGE' && !err.code.startsWith('CERT') && !err.code.includes('TLS');
}
