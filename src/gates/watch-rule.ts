/** Pure: the watch's failure rule — consecutive failures per condition, and when they end the watch. */
import type { Evaluation } from './types.js';

/** `gate/condition` → consecutive failed evaluations up to now. */
export type Streaks = ReadonlyMap<string, number>;

export function conditionKey(gate: string, condition: string): string {
  return `${gate}/${condition}`;
}

/** The streaks after one more evaluation: a failure extends a condition's streak, a pass resets it. */
export function nextStreaks(previous: Streaks, evaluation: Evaluation): Map<string, number> {
  const next = new Map<string, number>();
  for (const gate of evaluation.gates) {
    for (const c of gate.conditions) {
      const key = conditionKey(gate.name, c.name);
      next.set(key, c.verdict === 'fail' ? (previous.get(key) ?? 0) + 1 : 0);
    }
  }
  return next;
}

export interface Breach {
  gate: string;
  condition: string;
  failures: number;
}

/** The conditions whose consecutive failures reached `failureLimit` (at least 1). */
export function breaches(streaks: Streaks, evaluation: Evaluation, failureLimit: number): Breach[] {
  const limit = Math.max(1, failureLimit);
  const out: Breach[] = [];
  for (const gate of evaluation.gates) {
    for (const c of gate.conditions) {
      const failures = streaks.get(conditionKey(gate.name, c.name)) ?? 0;
      if (failures >= limit) out.push({ gate: gate.name, condition: c.name, failures });
    }
  }
  return out;
}

/** Evaluation times of a watch: 0, interval, 2×interval, … up to and including the window's end. */
export function evaluationCount(windowMs: number, intervalMs: number): number {
  if (windowMs <= 0) return 1;
  return Math.floor(windowMs / intervalMs) + 1;
}
