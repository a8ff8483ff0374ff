/** Pure: a watch's outputs (JSON per gate and condition, with the samples over the window) and its job summary. */
import { escapeHtml, SummaryBuilder, trusted } from '../runtime/summary.js';
import { formatDuration } from '../runtime/parse.js';
import { describePrometheusThreshold } from './judge.js';
import type { Evaluation, Gate, Verdict } from './types.js';

export interface ConditionReport {
  kind: string;
  verdict: Verdict;
  measured: string;
  value: number | null;
  threshold: string;
  reason: string;
  samples: Array<{ at: string; value: number | null; measured: string; verdict: Verdict }>;
}

export interface GateReport {
  status: 'GREEN' | 'RED';
  description?: string;
  conditions: Record<string, ConditionReport>;
}

/** Per gate, per condition: the last evaluation's value, threshold and verdict, and every sample of the window. */
export function gatesReport(gates: Gate[], evaluations: Evaluation[]): Record<string, GateReport> {
  const last = evaluations.at(-1);
  const out: Record<string, GateReport> = {};
  for (const gate of gates) {
    const now = last?.gates.find((g) => g.name === gate.name);
    const conditions: Record<string, ConditionReport> = {};
    for (const c of gate.conditions) {
      const r = now?.conditions.find((x) => x.name === c.name);
      conditions[c.name] = {
        kind: c.kind,
        verdict: r?.verdict ?? 'fail',
        measured: r?.measured ?? 'not evaluated',
        value: r?.value ?? null,
        threshold: r?.threshold ?? '',
        reason: r?.reason ?? 'not evaluated',
        samples: evaluations.flatMap((e) => {
          const s = e.gates.find((g) => g.name === gate.name)?.conditions.find((x) => x.name === c.name);
          return s ? [{ at: e.at, value: s.value ?? null, measured: s.measured, verdict: s.verdict }] : [];
        }),
      };
    }
    out[gate.name] = { status: now?.status ?? 'RED', ...(gate.description ? { description: gate.description } : {}), conditions };
  }
  return out;
}

export function gatesSummary(
  gates: Gate[],
  result: { status: string; reason: string; evaluations: Evaluation[]; elapsedMs: number },
  options: { watchMs: number; intervalMs: number },
): SummaryBuilder {
  const icon = result.status === 'GREEN' ? '🟢' : result.status === 'RED' ? '🔴' : '⚪';
  const s = new SummaryBuilder().heading(`Gates: ${icon} ${result.status}`);
  const watched =
    options.watchMs > 0
      ? `Watched ${formatDuration(result.elapsedMs)} of ${formatDuration(options.watchMs)} every ${formatDuration(options.intervalMs)}; `
      : '';
  s.paragraph(`${watched}${result.evaluations.length} evaluation${result.evaluations.length === 1 ? '' : 's'}. ${result.reason}`);
  const report = gatesReport(gates, result.evaluations);
  for (const gate of gates) {
    const g = report[gate.name]!;
    s.heading(`${g.status === 'GREEN' ? '✅' : '❌'} ${gate.name}`, 3);
    if (gate.description) s.paragraph(gate.description);
    s.table(
      ['condition', 'measured', 'threshold', 'verdict', 'detail'],
      Object.entries(g.conditions).map(([name, c]) => [name, c.measured, c.threshold, trusted(c.verdict === 'pass' ? '✅' : '❌'), c.reason]),
    );
    if (result.evaluations.length > 1) {
      for (const c of gate.conditions) {
        if (c.kind !== 'prometheus' || c.rule !== 'threshold') continue;
        const samples = g.conditions[c.name]!.samples;
        const scale = c.unit === 'ratio' ? 100 : c.unit === 'seconds' ? 1000 : 1;
        const unit = c.unit === 'ratio' ? '%' : c.unit === 'seconds' ? 'ms' : '';
        const start = Date.parse(samples[0]?.at ?? '');
        s.xyChart(
          `${gate.name}: ${c.name} (${describePrometheusThreshold(c)})`,
          samples.map((x) => `+${formatDuration(Date.parse(x.at) - start)}`),
          [
            { name: c.name, values: samples.map((x) => (x.value === null ? NaN : x.value * scale)) },
            { name: 'threshold', values: samples.map(() => c.threshold! * scale) },
          ],
          unit,
        );
      }
    }
  }
  return s;
}

/** Markdown lines about what failed in the last evaluation (for the incident issue), escaped. */
export function failureLines(evaluation: Evaluation | undefined): string[] {
  if (!evaluation) return [];
  return evaluation.gates.flatMap((g) =>
    g.conditions
      .filter((c) => c.verdict === 'fail')
      .map((c) => `**${escapeHtml(g.name)}** — ${escapeHtml(c.name)}: ${escapeHtml(c.measured)} (${escapeHtml(c.threshold)}): ${escapeHtml(c.reason)}`),
  );
}
