/**
 * Pure reporting of a canary: the `analysis` output (JSON per step) and the job summary — a
 * per-step table of measured value vs threshold and a mermaid chart per unit across steps.
 */
import { analysisSeries, type StepAnalysis } from '../metrics/analysis.js';
import { formatNumber } from '../metrics/config.js';
import { formatP } from '../metrics/statistics.js';
import { SummaryBuilder, trusted } from '../runtime/summary.js';

export interface ReportedStep {
  index: number;
  weight: number;
  analysis: StepAnalysis;
}

export interface AnalysisOutputStep {
  step: number;
  weight: number;
  verdict: StepAnalysis['verdict'];
  at: string;
  metrics: Array<{
    name: string;
    value: number | null;
    stable?: number | null;
    /** judge: compare — the control's value (baseline, or stable), the difference, the test's p-value and bound, the level of the look. */
    control?: number | null;
    difference?: string;
    pValue?: number | null;
    bound?: string;
    alpha?: number;
    threshold: string;
    verdict: string;
    reason: string;
  }>;
}

/** The `analysis` output: per step its weight, and each metric's measured value, threshold and verdict. */
export function analysisOutput(steps: ReportedStep[]): AnalysisOutputStep[] {
  return steps.map((step) => ({
    step: step.index + 1,
    weight: step.weight,
    verdict: step.analysis.verdict,
    at: step.analysis.at,
    metrics: step.analysis.results.map((r) => ({
      name: r.name,
      value: r.value === null || Number.isNaN(r.value) ? null : r.value,
      ...(r.stableValue !== undefined ? { stable: r.stableValue === null || Number.isNaN(r.stableValue) ? null : r.stableValue } : {}),
      ...(r.baselineValue !== undefined
        ? {
            control: r.baselineValue === null || Number.isNaN(r.baselineValue) ? null : r.baselineValue,
            difference: r.difference ?? '',
            pValue: r.pValue ?? null,
            ...(r.bound !== undefined ? { bound: r.bound } : {}),
            alpha: r.alpha,
          }
        : {}),
      threshold: r.threshold,
      verdict: r.verdict,
      reason: r.reason,
    })),
  }));
}

const ICON: Record<string, string> = { pass: '✅', fail: '❌', inconclusive: '⚠️', skipped: '⏭️' };

export interface CanaryReport {
  result: 'promoted' | 'aborted' | 'paused' | 'planned';
  service: string;
  image: string;
  previousImage: string;
  reason?: string;
  steps: ReportedStep[];
  /** False when nothing was analysed (metrics: []): the steps' verdicts are `skipped`, which is not a pass. */
  analysed?: boolean;
  /** Extra lines (cleanup problems, timings). */
  notes?: string[];
  /** The baseline that ran beside the canary (judge: compare): its name, and whether it still runs. */
  baseline?: { name: string; running: boolean };
}

/** The result in words: "promoted without analysis" when there was nothing to analyse. */
export function resultText(result: CanaryReport['result'], analysed = true): string {
  if (result === 'planned') return 'planned (dry run)';
  return analysed ? result : `${result} without analysis`;
}

export function canarySummary(report: CanaryReport): SummaryBuilder {
  const analysed = report.analysed ?? true;
  const summary = new SummaryBuilder().heading(`Canary of ${report.service}: ${resultText(report.result, analysed)}`);
  summary.table(
    ['', ''],
    [
      ['Image', report.image],
      ['Previous image', report.previousImage || '(unknown)'],
      ...(report.baseline ? [['Baseline', baselineText(report.baseline, report.previousImage)]] : []),
      ['Result', report.result === 'planned' ? report.result : resultText(report.result, analysed)],
      ...(report.reason ? [['Reason', report.reason]] : []),
    ],
  );
  if (!analysed) {
    summary.paragraph('No analysis: metrics is empty, so every step’s verdict is skipped (not a pass).');
    if (report.steps.length) {
      summary.heading('Steps', 3).table(
        ['Step', 'Weight', 'Verdict'],
        report.steps.map((step) => [`${step.index + 1}`, `${step.weight}%`, trusted(`${ICON.skipped} skipped`)]),
      );
    }
  } else if (report.steps.length) {
    const rows: Array<Array<string | ReturnType<typeof trusted>>> = [];
    const compared = report.steps.some((step) => step.analysis.results.some((m) => m.baselineValue !== undefined));
    for (const step of report.steps) {
      for (const m of step.analysis.results) {
        const head = [`${step.index + 1}`, `${step.weight}%`, m.name, show(m.value)];
        const tail = [m.threshold, trusted(ICON[m.verdict] ?? m.verdict), m.reason];
        rows.push(
          compared
            ? [...head, m.baselineValue !== undefined ? show(m.baselineValue) : '', m.difference ?? '', testCell(m.pValue, m.alpha, m.bound), ...tail]
            : [...head, m.stableValue !== undefined ? show(m.stableValue) : '', ...tail],
        );
      }
    }
    const columns = compared
      ? ['Step', 'Weight', 'Metric', 'Canary', 'Control', 'Difference', 'p-value (α) / bound', 'Threshold', 'Verdict', 'Detail']
      : ['Step', 'Weight', 'Metric', 'Canary', 'Stable', 'Threshold', 'Verdict', 'Detail'];
    summary.heading('Analysis per step', 3).table(columns, rows);
    const data = analysisSeries(report.steps.map((x) => ({ weight: x.weight, analysis: x.analysis })));
    const units = [...new Set(data.series.map((x) => x.unit))];
    for (const unit of units) {
      const series = data.series.filter((x) => x.unit === unit);
      const title = series.map((x) => x.name).join(', ');
      summary.xyChart(
        `${title} across steps`,
        data.labels,
        series.map((x) => ({ name: x.name, values: x.values })),
        unit,
      );
    }
  }
  for (const n of report.notes ?? []) summary.paragraph(n);
  return summary;
}

/** What the summary says of the baseline: what it ran, its share, whether it is gone. */
export function baselineText(baseline: { name: string; running: boolean }, stableImage: string): string {
  const what = `${baseline.name} (${stableImage || 'the stable image'}, fresh, at the canary's share of traffic up to 50%)`;
  return `${what}: ${baseline.running ? 'still running beside the paused canary' : 'removed'}`;
}

/** `p=0.003 (α=0.018); error rate ≥ baseline +1.2 points (98.2% one-sided)` */
function testCell(pValue: number | null | undefined, alpha: number | undefined, bound: string | undefined): string {
  const p = pValue === null || pValue === undefined || Number.isNaN(pValue) ? '' : `p=${formatP(pValue)}`;
  const a = alpha !== undefined ? ` (α=${formatP(alpha)})` : '';
  return [p ? `${p}${a}` : '', bound ?? ''].filter(Boolean).join('; ');
}

function show(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? 'no data' : formatNumber(v);
}
