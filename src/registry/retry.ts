/**
 * One small retry helper (to be folded into src/http): exponential backoff with full jitter, a
 * bounded number of attempts, and the caller's AbortSignal honoured while waiting.
 */

export interface RetryOptions {
  /** Retries after the first attempt (0 = one attempt). */
  retries: number;
  /** First backoff, doubled each retry, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Whether this error is worth another attempt. */
  retryable: (err: unknown) => boolean;
  /** Told before each wait: the failed attempt (1-based), the error and the delay. */
  onRetry?: (attempt: number, err: unknown, delayMs: number) => void;
  /** For tests: a source of randomness in [0, 1). */
  random?: () => number;
}

export interface RetryResult<T> {
  value: T;
  attempts: number;
}

export class RetryError extends Error {
  override name = 'RetryError';
  constructor(
    override readonly cause: unknown,
    readonly attempts: number,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Delay before retry number `retry` (1-based): random in [base·2^(retry-1) / 2, base·2^(retry-1)], capped. */
export function backoffDelay(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Runs fn until it succeeds, fails with a non-retryable error, or runs out of retries (then throws RetryError). */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<RetryResult<T>> {
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (err) {
      if (attempt > options.retries || !options.retryable(err) || options.signal?.aborted) throw new RetryError(err, attempt);
      const delay = backoffDelay(attempt, base, max, options.random);
      options.onRetry?.(attempt, err, delay);
      await sleep(delay, options.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal!.reason ?? new Error('aborted'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
