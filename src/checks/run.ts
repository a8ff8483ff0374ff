/**
 * Runs validated checks against live servers: concurrently (bounded), each retried with backoff
 * until its `timeout` (wait until ready), repeat/load measured into latency percentiles.
 */
import { retry, type BackoffPolicy } from '../http/backoff.js';
import { HttpTransportError } from '../http/client.js';
import { DEFAULT_MAX_BODY, httpRequestNode, type NodeHttpResponse } from '../http/node-client.js';
import { nullLogger, type Logger } from '../runtime/logger.js';
import { evaluateResponse } from './assertions.js';
import { evaluatePreflight, preflightHeaders } from './cors.js';
import { latencyStats } from './percentile.js';
import { evaluateCertificate, inspectCertificate } from './tls-probe.js';
import type { CertificateInfo, Check, CheckResult, LatencyStats } from './types.js';

export interface RunChecksOptions {
  /** Checks in flight at once (≥ 1). */
  concurrency: number;
  signal?: AbortSignal;
  log?: Logger;
  /** Called as each check finishes, in finishing order. */
  onResult?: (result: CheckResult, check: Check) => void;
  /** Delays between attempts while waiting until ready. */
  backoff?: BackoffPolicy;
}

export const READY_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 2000, factor: 2, jitter: 0.5 };
const USER_AGENT = 'deploy-kit';
const EXCERPT_CHARS = 300;
/** The last attempt may take at least this long even when the deadline is nearer. */
const MIN_ATTEMPT_MS = 500;

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export async function runChecks(checks: readonly Check[], options: RunChecksOptions): Promise<CheckResult[]> {
  if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
  return mapConcurrent(checks, options.concurrency, async (check) => {
    const result = await runCheck(check, options);
    options.onResult?.(result, check);
    return result;
  });
}

/** What one attempt found. */
interface Attempt {
  passed: boolean;
  reasons: string[];
  status?: number;
  latencyMs?: number;
  bodyExcerpt?: string;
  certificate?: CertificateInfo;
}

export async function runCheck(check: Check, options: Omit<RunChecksOptions, 'concurrency'> = {}): Promise<CheckResult> {
  const log = options.log ?? nullLogger;
  const started = performance.now();
  const measured = check.repeat !== undefined || check.load !== undefined;
  const deadline = check.timeoutMs > 0 ? Date.now() + check.timeoutMs : undefined;
  const base = { name: check.name, url: check.url, method: check.method };

  let attempts = 0;
  let last: Attempt | undefined;
  // A measured check first waits until one request passes (when it has a timeout), then measures.
  if (!measured || deadline !== undefined) {
    const outcome = await retry(
      () => attemptOnce(check, { timeoutMs: requestTimeout(check, deadline), signal: options.signal, judgeLatency: !measured, probeTls: true }),
      {
        deadline,
        maxAttempts: deadline === undefined ? 1 : Infinity,
        policy: options.backoff ?? READY_BACKOFF,
        signal: options.signal,
        accept: (a) => a.passed,
        lastAttemptAtDeadline: true,
        onRetry: ({ attempt, delayMs, value }) =>
          log.info(`${check.name}: attempt ${attempt} failed (${value?.reasons.join('; ') ?? 'no answer'}); retrying in ${delayMs}ms`),
      },
    );
    attempts = outcome.attempts;
    last = outcome.value;
    if (!outcome.ok) {
      const reasons = last?.reasons ?? ['no answer'];
      const waited = deadline !== undefined ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'} over ${formatMs(performance.now() - started)}` : '';
      return {
        ...base,
        passed: false,
        status: last?.status,
        latencyMs: last?.latencyMs,
        attempts,
        error: `${reasons.join('; ')}${waited}`,
        reasons,
        certificate: last?.certificate,
        bodyExcerpt: last?.bodyExcerpt,
        durationMs: performance.now() - started,
      };
    }
    if (!measured) {
      return {
        ...base,
        passed: true,
        status: last!.status,
        latencyMs: last!.latencyMs,
        attempts,
        reasons: [],
        certificate: last!.certificate,
        durationMs: performance.now() - started,
      };
    }
  }

  // Without a readiness phase the certificate is read once here, not on every measured request.
  if (!last && check.expect.tls) last = await probeCertificateOnly(check, options.signal);
  const sampled = await measure(check, options.signal);
  if (last && !last.passed) sampled.reasons.unshift(...last.reasons);
  return {
    ...base,
    passed: sampled.reasons.length === 0,
    status: sampled.lastStatus,
    latencyMs: sampled.latency?.p50,
    attempts: Math.max(1, attempts),
    error: sampled.reasons.length > 0 ? sampled.reasons.join('; ') : undefined,
    reasons: sampled.reasons,
    samples: { requests: sampled.requests, failed: sampled.failed, errorRatePercent: sampled.errorRatePercent, latency: sampled.latency },
    certificate: last?.certificate,
    bodyExcerpt: sampled.bodyExcerpt,
    durationMs: performance.now() - started,
  };
}

function requestTimeout(check: Check, deadline: number | undefined): number {
  if (deadline === undefined) return check.requestTimeoutMs;
  return Math.min(check.requestTimeoutMs, Math.max(deadline - Date.now(), MIN_ATTEMPT_MS));
}

function request(check: Check, timeoutMs: number, signal: AbortSignal | undefined): Promise<NodeHttpResponse> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...lowerKeys(check.headers) };
  if (check.cors) Object.assign(headers, preflightHeaders(check.cors));
  return httpRequestNode({
    url: check.url,
    method: check.method,
    headers,
    body: check.body,
    timeoutMs,
    followRedirects: check.followRedirects,
    signal,
    tls: { ca: check.ca, insecure: check.insecure },
  });
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** One try of the whole check; transport failures become reasons, only cancellation throws. */
async function attemptOnce(
  check: Check,
  { timeoutMs, signal, judgeLatency, probeTls }: { timeoutMs: number; signal?: AbortSignal; judgeLatency: boolean; probeTls: boolean },
): Promise<Attempt> {
  const reasons: string[] = [];
  let certificate: CertificateInfo | undefined;
  try {
    if (check.expect.tls && probeTls) {
      certificate = await inspectCertificate(check.url, { ca: check.ca, timeoutMs, signal });
      reasons.push(...evaluateCertificate(certificate, check.expect.tls, check.insecure));
      if (check.tlsOnly) return { passed: reasons.length === 0, reasons, certificate };
    }
    const res = await request(check, timeoutMs, signal);
    reasons.push(...evaluateResponse({ ...res, maxBodyBytes: DEFAULT_MAX_BODY }, check.expect, { latency: judgeLatency, defaultStatus: !check.cors }));
    if (check.cors) reasons.push(...evaluatePreflight(check.cors, res.status, res.headers));
    return {
      passed: reasons.length === 0,
      reasons,
      status: res.status,
      latencyMs: res.latencyMs,
      bodyExcerpt: reasons.length > 0 ? excerpt(res.body) : undefined,
      certificate,
    };
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof HttpTransportError) return { passed: false, reasons: [...reasons, err.message], certificate };
    throw err;
  }
}

async function probeCertificateOnly(check: Check, signal: AbortSignal | undefined): Promise<Attempt> {
  return attemptOnce({ ...check, tlsOnly: true }, { timeoutMs: check.requestTimeoutMs, signal, judgeLatency: false, probeTls: true });
}

function excerpt(body: string): string | undefined {
  if (body === '') return undefined;
  return body.length > EXCERPT_CHARS ? `${body.slice(0, EXCERPT_CHARS)}…` : body;
}

interface Sampled {
  requests: number;
  failed: number;
  errorRatePercent: number;
  latency?: LatencyStats;
  lastStatus?: number;
  reasons: string[];
  bodyExcerpt?: string;
}

/** repeat (sequential) or load (concurrent): every request judged, then latency and error rate. */
async function measure(check: Check, signal: AbortSignal | undefined): Promise<Sampled> {
  const total = check.load?.requests ?? check.repeat ?? 1;
  const concurrency = check.load?.concurrency ?? 1;
  const latencies: number[] = [];
  let failed = 0;
  let firstFailure: Attempt | undefined;
  let lastStatus: number | undefined;
  await mapConcurrent(Array.from({ length: total }), concurrency, async () => {
    const a = await attemptOnce(check, { timeoutMs: check.requestTimeoutMs, signal, judgeLatency: false, probeTls: false });
    if (a.latencyMs !== undefined) latencies.push(a.latencyMs);
    if (a.status !== undefined) lastStatus = a.status;
    if (!a.passed) {
      failed++;
      firstFailure ??= a;
    }
  });
  const latency = latencyStats(latencies);
  const errorRatePercent = (failed / total) * 100;
  const reasons: string[] = [];
  const allowed = check.expect.errorRatePercent ?? 0;
  if (errorRatePercent > allowed) {
    reasons.push(
      `error rate ${round(errorRatePercent)}% (${failed} of ${total}) is over ${allowed}%; first failure: ${firstFailure?.reasons.join('; ') ?? 'unknown'}`,
    );
  }
  if (latency) {
    const targets: Array<[string, number | undefined, number]> = [
      ['p50', check.expect.p50LatencyMs, latency.p50],
      ['p95', check.expect.p95LatencyMs, latency.p95],
      ['p99', check.expect.p99LatencyMs, latency.p99],
      ['max', check.expect.maxLatencyMs, latency.max],
    ];
    for (const [label, target, value] of targets) {
      if (target !== undefined && value > target) reasons.push(`${label} latency ${Math.round(value)}ms is over ${target}ms`);
    }
  } else if ([check.expect.p50LatencyMs, check.expect.p95LatencyMs, check.expect.p99LatencyMs, check.expect.maxLatencyMs].some((t) => t !== undefined)) {
    reasons.push('no request got an answer, so no latency could be measured');
  }
  return { requests: total, failed, errorRatePercent, latency, lastStatus, reasons, bodyExcerpt: firstFailure?.bodyExcerpt };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}
