/**
 * A small client for the Prometheus HTTP API (instant queries, query validation, reachability),
 * on src/http. Works with Prometheus and the servers that speak its query API.
 */
import { ConfigurationError } from '../runtime/errors.js';
import { retry } from '../http/backoff.js';
import { HttpTransportError, httpRequest, isTransientError, type HttpResponse } from '../http/client.js';

/** The most read of one API answer (16 MiB): a query matching far more series than an analysis needs is refused, not buffered. */
export const MAX_PROMETHEUS_ANSWER_BYTES = 16 << 20;

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Prometheus answered, but with an error (bad query, timeout, not an API answer). */
export class PrometheusError extends Error {
  override name = 'PrometheusError';
  constructor(
    message: string,
    /** Prometheus's errorType (`bad_data`, `timeout`, `execution`, …), or `response` when the answer was not the API's. */
    readonly errorType: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface PrometheusClientOptions {
  /** Per-request deadline, ms. Default 10 s. */
  timeoutMs?: number;
  /** E.g. an Authorization header; the caller masks secret values. */
  headers?: Record<string, string>;
  /** Attempts for a query on a transient failure (refused, reset, 5xx). Default 3. */
  attempts?: number;
  /** The input the URL came from, for messages. Default `prometheus-url`. */
  inputName?: string;
}

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

type ParseEndpoint = 'parse_query' | 'format_query' | 'query';

export class PrometheusClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly attempts: number;
  private readonly inputName: string;
  /** Which endpoint this server offers to parse a query without running it (found on first use). */
  private parseEndpoint: Promise<ParseEndpoint> | undefined;

  constructor(baseUrl: string, options: PrometheusClientOptions = {}) {
    this.inputName = options.inputName ?? 'prometheus-url';
    const { base, authorization } = normaliseBaseUrl(baseUrl, this.inputName);
    this.baseUrl = base;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.headers = { accept: 'application/json', ...(authorization ? { authorization } : {}), ...options.headers };
    this.attempts = Math.max(1, options.attempts ?? 3);
  }

  /** Instant query; returns the vector's samples (a scalar as one sample without labels). */
  async query(promql: string, options: { time?: Date; signal?: AbortSignal } = {}): Promise<Sample[]> {
    const form: Record<string, string> = { query: promql };
    if (options.time) form.time = (options.time.getTime() / 1000).toFixed(3);
    const body = await this.api('query', form, options.signal);
    return toSamples(body);
  }

  /** Range query: per series, its values at start, start + step, … end (NaN kept: no requests in a sample). */
  async queryRange(promql: string, options: { start: Date; end: Date; stepSeconds: number; signal?: AbortSignal }): Promise<RangeSeries[]> {
    const form: Record<string, string> = {
      query: promql,
      start: (options.start.getTime() / 1000).toFixed(3),
      end: (options.end.getTime() / 1000).toFixed(3),
      step: String(Math.max(0.001, options.stepSeconds)),
    };
    const body = await this.api('query_range', form, options.signal);
    return toRangeSeries(body);
  }

  /**
   * Throws ConfigurationError quoting Prometheus's parse error when the query is invalid. Uses
   * /api/v1/parse_query where the server has it, else /api/v1/format_query (Prometheus ≥ 2.38,
   * parses without evaluating), else an instant query (read for a `bad_data` error).
   */
  async validate(promql: string, name: string, signal?: AbortSignal): Promise<void> {
    try {
      if (!this.parseEndpoint) {
        this.parseEndpoint = this.findParseEndpoint(signal);
        this.parseEndpoint.catch(() => (this.parseEndpoint = undefined)); // found again next time
      }
      await this.api(await this.parseEndpoint, { query: promql }, signal);
    } catch (err) {
      if (err instanceof PrometheusError && err.errorType === 'bad_data') {
        throw new ConfigurationError(
          `metrics check "${name}": Prometheus rejects the query: ${err.message.replace(/^invalid parameter "query": /, '')}. Query: ${promql}`,
          { input: name },
        );
      }
      if (err instanceof PrometheusError && err.errorType === 'response') {
        throw new ConfigurationError(`${this.inputName}: ${this.baseUrl} does not answer like Prometheus (${err.message}). Check the URL.`, {
          input: this.inputName,
        });
      }
      throw err;
    }
  }

  /** Throws ConfigurationError (naming the URL input and the reason) when Prometheus cannot answer a query. */
  async ready(signal?: AbortSignal): Promise<void> {
    try {
      const samples = await this.query('vector(1)', { signal });
      if (samples.length !== 1 || samples[0]!.value !== 1) {
        throw new PrometheusError(`vector(1) returned ${JSON.stringify(samples)}`, 'response', 200);
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      const why = (err instanceof Error ? err.message : String(err)).replace(`Prometheus at ${this.baseUrl}: `, '');
      throw new ConfigurationError(
        `${this.inputName}: Prometheus at ${this.baseUrl} cannot answer a query: ${why}. Check the URL and that Prometheus is reachable from the runner.`,
        { input: this.inputName },
      );
    }
  }

  private async findParseEndpoint(signal?: AbortSignal): Promise<ParseEndpoint> {
    for (const endpoint of ['parse_query', 'format_query'] as const) {
      try {
        await this.api(endpoint, { query: 'vector(1)' }, signal);
        return endpoint;
      } catch (err) {
        if (!(err instanceof PrometheusError) || (err.status !== 404 && err.status !== 405)) throw err;
      }
    }
    return 'query';
  }

  /** POSTs a form to /api/v1/<endpoint>; retries transient failures; returns the successful body. */
  private async api(endpoint: string, form: Record<string, string>, signal?: AbortSignal): Promise<ApiBody> {
    const url = `${this.baseUrl}/api/v1/${endpoint}`;
    const outcome = await retry(
      async () => {
        const res = await httpRequest({
          url,
          method: 'POST',
          headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form).toString(),
          timeoutMs: this.timeoutMs,
          signal,
          maxBytes: MAX_PROMETHEUS_ANSWER_BYTES,
        });
        return readBody(res);
      },
      {
        maxAttempts: this.attempts,
        policy: { initialMs: 200, maxMs: 1000, factor: 2, jitter: 0.5 },
        signal,
        retryable: (err) => isTransientError(err) || (err instanceof PrometheusError && err.status >= 502 && err.status <= 504),
      },
    );
    if (outcome.ok) return outcome.value!;
    const err = outcome.error;
    if (err instanceof HttpTransportError) {
      const what =
        err.code === 'TOO_LARGE'
          ? `the answer to /api/v1/${endpoint} ${err.message.replace(/^the response /, '')}: narrow the query (fewer series, a shorter range)`
          : err.message;
      throw new HttpTransportError(`Prometheus at ${this.baseUrl}: ${what}`, err.code, err.latencyMs);
    }
    throw err;
  }
}

function readBody(res: HttpResponse): ApiBody {
  let body: ApiBody | undefined;
  try {
    body = JSON.parse(res.body) as ApiBody;
  } catch {
    body = undefined;
  }
  if (!body || typeof body !== 'object' || typeof body.status !== 'string') {
    const text = res.body.trim().replace(/\s+/g, ' ').slice(0, 200);
    throw new PrometheusError(`not a Prometheus API answer: HTTP ${res.status} ${text}`.trim(), 'response', res.status);
  }
  if (body.status !== 'success') {
    throw new PrometheusError(body.error ?? `HTTP ${res.status}`, body.errorType ?? 'unknown', res.status);
  }
  return body;
}

/** Prometheus's number text: also "NaN", "+Inf", "-Inf". */
export function parseSampleValue(text: unknown): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const v = typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
  if (Number.isNaN(v)) throw new PrometheusError(`unexpected sample value ${JSON.stringify(text)}`, 'response', 200);
  return v;
}

/** A vector's samples, a scalar as one unlabelled sample; a range vector or a string is an error. */
export function toSamples(body: ApiBody): Sample[] {
  const type = body.data?.resultType;
  const result = body.data?.result;
  if (type === 'scalar' && Array.isArray(result)) return [{ labels: {}, value: parseSampleValue(result[1]) }];
  if (type === 'vector' && Array.isArray(result)) {
    return result.map((r: { metric?: Record<string, string>; value?: [number, string] }) => ({
      labels: r.metric ?? {},
      value: parseSampleValue(r.value?.[1]),
    }));
  }
  throw new PrometheusError(`the query returned a ${type ?? 'missing'} result; an analysis query must return an instant vector or a scalar`, 'bad_data', 200);
}

export interface RangeSeries {
  labels: Record<string, string>;
  /** [unix seconds, value] */
  values: Array<[number, number]>;
}

/** A matrix result's series. */
export function toRangeSeries(body: ApiBody): RangeSeries[] {
  const type = body.data?.resultType;
  const result = body.data?.result;
  if (type !== 'matrix' || !Array.isArray(result)) {
    throw new PrometheusError(`a range query returned a ${type ?? 'missing'} result instead of a matrix`, 'response', 200);
  }
  return result.map((r: { metric?: Record<string, string>; values?: Array<[number, string]> }) => ({
    labels: r.metric ?? {},
    values: (r.values ?? []).map(([t, v]) => [Number(t), parseSampleValue(v)] as [number, number]),
  }));
}

/** The base URL without a trailing slash; user:password in it becomes a Basic Authorization header (fetch refuses credentials in URLs). */
export function normaliseBaseUrl(text: string, inputName: string): { base: string; authorization?: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigurationError(`${inputName} is "${text}", which is not a URL: give e.g. http://prometheus:9090.`, { input: inputName });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(`${inputName} must be an http:// or https:// URL, not ${url.protocol}.`, { input: inputName });
  }
  if (url.search || url.hash) {
    throw new ConfigurationError(`${inputName} must not have a query string or fragment: give the base URL, e.g. http://prometheus:9090.`, {
      input: inputName,
    });
  }
  let authorization: string | undefined;
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { base: url.toString().replace(/\/+$/, ''), authorization };
}
