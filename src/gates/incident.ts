/**
 * Pure: the incident rule for gates run from cron — one issue per outage, not one message an hour.
 * RED opens the issue (or, when one is open, comments only if the set of failing gates changed);
 * GREEN closes it. The set of failing gates lives in a marker in the body.
 */
import type { GateStatus } from './types.js';

export const INCIDENT_LABEL = 'deploy-kit:gates';
const MARKER = /<!-- deploy-kit:gates failing=(\[[^\n]*?\]) -->/;

export type IncidentAction =
  | { kind: 'open'; failing: string[] }
  | { kind: 'update'; failing: string[]; before: string[] }
  | { kind: 'close'; before: string[] }
  | { kind: 'none'; reason: string };

export function decideIncident(open: { failing: string[] } | undefined, status: GateStatus | 'cancelled', failing: readonly string[]): IncidentAction {
  const now = [...new Set(failing)].sort();
  if (status === 'cancelled') return { kind: 'none', reason: 'the run was cancelled, so the incident is left as it is' };
  if (status === 'GREEN') return open ? { kind: 'close', before: open.failing } : { kind: 'none', reason: 'GREEN and no incident is open' };
  if (!open) return { kind: 'open', failing: now };
  const before = [...open.failing].sort();
  if (before.length === now.length && before.every((g, i) => g === now[i])) {
    return { kind: 'none', reason: `the incident is open for the same failing gates (${now.join(', ')})` };
  }
  return { kind: 'update', failing: now, before };
}

export function incidentMarker(failing: readonly string[]): string {
  return `<!-- deploy-kit:gates failing=${JSON.stringify([...failing].sort())} -->`;
}

/** The failing gates recorded in an issue body; [] when it has no marker (then any RED set counts as a change). */
export function readIncidentMarker(body: string): string[] {
  const m = MARKER.exec(body);
  if (!m) return [];
  try {
    const list = JSON.parse(m[1]!) as unknown;
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The body with its marker replaced (or appended). */
export function withIncidentMarker(body: string, failing: readonly string[]): string {
  return MARKER.test(body) ? body.replace(MARKER, incidentMarker(failing)) : `${body.trimEnd()}\n\n${incidentMarker(failing)}\n`;
}
