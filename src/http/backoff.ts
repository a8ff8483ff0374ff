import { sleep } from '../util/sleep.js';

/** Retry timing: exponential backoff with full jitter, bounded by a per-delay cap and an overall deadline. */
export interface BackoffPolicy {
  /** First delay, ms. */
  initialMs: number;
  /** Largest single delay, ms. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
  /** 0 = no jitter, 1 = full jitter (a delay anywhere in [0, d]). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 5000, factor: 2, jitter: 0.5 };

/**
 * The delay before retry number `attempt` (1 = the first retry). `random` is injectable so
 * tests can pin it; the result is in [d·(1−jitter), d] where d = min(maxMs, initial·factor^(attempt−1)).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}

export interface RetryOptions<T> {
  /** Give up after this many attempts in all (≥ 1). */
  maxAttempts?: number;
  /** Give up when the next delay would end past this time (ms since epoch). */
  deadline?: number;
  policy?: BackoffPolicy;
  signal?: AbortSignal;
  /** Whether an error is worth another attempt; default: every error. */
  retryable?: (err: unknown) => boolean;
  /** Whether a value is good enough; when false the value counts as a failed attempt. */
  accept?: (value: T) => boolean;
  onRetry?: (info: { attempt: number; delayMs: number; error?: unknown; value?: T }) => void;
  /**
   * When the next delay would pass the deadline, wait only until the deadline and make one last
   * attempt there, instead of giving up early (wait-until-ready uses the whole time it was given).
   */
  lastAttemptAtDeadline?: boolean;
}

export interface RetryOutcome<T> {
  ok: boolean;
  value?: T;
  error?: unknown;
  attempts: number;
  elapsedMs: number;
}

/**
 * Calls `fn` until it succeeds (and `accept` agrees), the attempts run out, the deadline passes,
 * or the signal aborts. Never throws for `fn`'s failures: the outcome says what happened.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions<T> = {}): Promise<RetryOutcome<T>> {
  const maxAttempts = options.maxAttempts ?? Infinity;
  if (maxAttempts === Infinity && options.deadline === undefined) {
    throw new Error('retry needs maxAttempts or a deadline');
  }
  const started = Date.now();
  let last: { value?: T; error?: unknown } = {};
  let atDeadline = false;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      const value = await fn(attempt);
      if (!options.accept || options.accept(value)) {
        return { ok: true, value, attempts: attempt, elapsedMs: Date.now() - started };
      }
      last = { value };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      last = { error };
      if (options.retryable && !options.retryable(error)) {
        return { ok: false, error, attempts: attempt, elapsedMs: Date.now() - started };
      }
    }
    let delayMs = backoffDelay(attempt, options.policy);
    let outOfTime = options.deadline !== undefined && Date.now() + delayMs >= options.deadline;
    if (outOfTime && options.lastAttemptAtDeadline && !atDeadline && options.deadline! - Date.now() > 0) {
      delayMs = options.deadline! - Date.now();
      outOfTime = false;
      atDeadline = true;
    }
    if (attempt >= maxAttempts || outOfTime) {
      return { ok: false, ...last, attempts: attempt, elapsedMs: Date.now() - started };
    }
    options.onRetry?.({ attempt, delayMs, ...last });
    await sleep(delayMs, options.signal);
  }
}
