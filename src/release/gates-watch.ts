/**
 * The gates watch: evaluate every gate now and then each interval until the window passes; a
 * condition failing `failureLimit` times in a row ends the watch RED at once; cancellation ends it
 * with the result so far. Written against an evaluator and a clock only, so it runs with fakes.
 */
import { breaches, nextStreaks, type Breach } from '../gates/watch-rule.js';
import { runStatus } from '../gates/judge.js';
import type { Evaluation } from '../gates/types.js';

export interface GatesEvaluator {
  /** Evaluates every gate once (conditions failing to measure are failures, not exceptions). */
  evaluate(signal: AbortSignal): Promise<Evaluation>;
}

export interface WatchClock {
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface GatesWatchOptions {
  /** 0: evaluate once. */
  windowMs: number;
  intervalMs: number;
  /** Consecutive failures of one condition that end the watch RED (default 1). */
  failureLimit: number;
  signal: AbortSignal;
  onEvaluation?: (evaluation: Evaluation, index: number) => void;
}

export type WatchStatus = 'GREEN' | 'RED' | 'cancelled';

export interface GatesWatchResult {
  status: WatchStatus;
  evaluations: Evaluation[];
  /** Gates that ended the watch RED (for a single evaluation: every RED gate). */
  failedGates: string[];
  /** Conditions that reached the failure limit. */
  breaches: Breach[];
  /** One line for the log and the summary. */
  reason: string;
  elapsedMs: number;
}

export async function watchGates(evaluator: GatesEvaluator, clock: WatchClock, options: GatesWatchOptions): Promise<GatesWatchResult> {
  const started = clock.now();
  const evaluations: Evaluation[] = [];
  let streaks = new Map<string, number>();
  const end = (status: WatchStatus, reason: string, found: Breach[] = [], failedGates: string[] = []): GatesWatchResult => ({
    status,
    evaluations,
    failedGates,
    breaches: found,
    reason,
    elapsedMs: clock.now() - started,
  });
  const once = options.windowMs <= 0;
  const limit = once ? 1 : Math.max(1, options.failureLimit);

  for (let i = 0; ; i++) {
    if (options.signal.aborted) return end('cancelled', cancelledReason(evaluations));
    let evaluation: Evaluation;
    try {
      evaluation = await evaluator.evaluate(options.signal);
    } catch (err) {
      if (options.signal.aborted) return end('cancelled', cancelledReason(evaluations));
      throw err;
    }
    evaluations.push(evaluation);
    options.onEvaluation?.(evaluation, i);
    streaks = nextStreaks(streaks, evaluation);
    const found = breaches(streaks, evaluation, limit);
    if (found.length > 0) {
      const failedGates = [...new Set(found.map((b) => b.gate))];
      const what = found.map((b) => `${b.gate}: ${b.condition}${limit > 1 ? ` (${b.failures} failures in a row)` : ''}`).join(', ');
      return end(
        'RED',
        once ? `RED: ${what}` : `RED after ${evaluations.length} evaluation${evaluations.length === 1 ? '' : 's'}: ${what}`,
        found,
        failedGates,
      );
    }
    if (once) return end(runStatus(evaluation.gates), 'GREEN: every gate holds');
    const next = started + (i + 1) * options.intervalMs;
    if (next - started > options.windowMs) {
      return end('GREEN', `GREEN: every gate held for the ${evaluations.length} evaluations of the window`);
    }
    try {
      await clock.sleep(Math.max(0, next - clock.now()), options.signal);
    } catch (err) {
      if (options.signal.aborted) return end('cancelled', cancelledReason(evaluations));
      throw err;
    }
  }
}

function cancelledReason(evaluations: Evaluation[]): string {
  const last = evaluations.at(-1);
  const so = last
    ? `; the last of ${evaluations.length} evaluation${evaluations.length === 1 ? '' : 's'} was ${runStatus(last.gates)}`
    : '; nothing was evaluated';
  return `cancelled${so}`;
}
