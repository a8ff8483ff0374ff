/**
 * The run lock: one migration run at a time per database and history table. The waiting side
 * polls a non-blocking try-lock in autocommit mode, so it never sits inside an open transaction
 * (a waiter inside a transaction deadlocks CREATE INDEX CONCURRENTLY — flyway#1654,
 * golang-migrate#960), and its wait is bounded by lock-timeout and the cancel signal.
 */
import { OperationFailedError } from '../runtime/errors.js';
import { formatDuration } from '../runtime/parse.js';
import type { Logger } from '../runtime/logger.js';
import { type DatabaseSession } from './session.js';
import { sleep } from '../util/sleep.js';

/** Delay before the next try: 100 ms doubling to 1 s, never past the deadline. */
export function lockPollDelay(attempt: number, remainingMs: number): number {
  return Math.max(0, Math.min(100 * 2 ** Math.min(attempt, 10), 1000, remainingMs));
}

/** What to do after a failed try: wait this long, or give up. */
export function lockWaitDecision(attempt: number, elapsedMs: number, timeoutMs: number): { action: 'wait'; delayMs: number } | { action: 'give-up' } {
  const remaining = timeoutMs - elapsedMs;
  if (remaining <= 0) return { action: 'give-up' };
  return { action: 'wait', delayMs: lockPollDelay(attempt, remaining) };
}

export interface LockOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  log: Logger;
  /** For messages: what is locked. */
  what: string;
}

/** Takes the run lock or throws naming the holder; returns how long it waited (ms). */
export async function acquireRunLock(session: DatabaseSession, options: LockOptions): Promise<number> {
  const started = Date.now();
  let announced = false;
  for (let attempt = 0; ; attempt++) {
    if (await session.tryLock()) return Date.now() - started;
    if (options.signal?.aborted) throw new OperationFailedError(`cancelled while waiting for the migration lock on ${options.what}`);
    const decision = lockWaitDecision(attempt, Date.now() - started, options.timeoutMs);
    if (decision.action === 'give-up') {
      const holder = await session.lockHolder().catch(() => undefined);
      throw new OperationFailedError(
        `another migration run holds the lock on ${options.what}${holder ? `: ${holder}` : ''}. Gave up after lock-timeout ${formatDuration(options.timeoutMs)}; nothing was applied. Re-run when it finishes, or raise lock-timeout.`,
      );
    }
    if (!announced) {
      const holder = await session.lockHolder().catch(() => undefined);
      options.log.info(`Waiting up to ${formatDuration(options.timeoutMs)} for the migration lock on ${options.what}, held by ${holder ?? 'another session'}.`);
      announced = true;
    }
    await sleep(decision.delayMs, options.signal, { resolveOnAbort: true });
  }
}
