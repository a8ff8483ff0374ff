/** Pure renderings of check results: the JSON report (an output) and the job summary. */
import { SummaryBuilder, escapeCell, trusted } from '../runtime/summary.js';
import { formatMs } from './run.js';
import type { CheckResult } from './types.js';

export interface ChecksReport {
  passed: boolean;
  total: number;
  failed: number;
  checks: Array<{
    name: string;
    url: string;
    method: string;
    passed: boolean;
    status: number | null;
    latencyMs: number | null;
    attempts: number;
    error: string | null;
    samples?: CheckResult['samples'];
    certificate?: CheckResult['certificate'];
  }>;
}

const r1 = (n: number): number => Math.round(n * 10) / 10;

export function checksReport(results: readonly CheckResult[]): ChecksReport {
  const failed = results.filter((r) => !r.passed).length;
  return {
    passed: failed === 0,
    total: results.length,
    failed,
    checks: results.map((r) => ({
      name: r.name,
      url: r.url,
      method: r.method,
      passed: r.passed,
      status: r.status ?? null,
      latencyMs: r.latencyMs === undefined ? null : r1(r.latencyMs),
      attempts: r.attempts,
      error: r.error ?? null,
      ...(r.samples
        ? {
            samples: {
              ...r.samples,
              errorRatePercent: r1(r.samples.errorRatePercent),
              latency: r.samples.latency && {
                count: r.samples.latency.count,
                min: r1(r.samples.latency.min),
                mean: r1(r.samples.latency.mean),
                p50: r1(r.samples.latency.p50),
                p95: r1(r.samples.latency.p95),
                p99: r1(r.samples.latency.p99),
                max: r1(r.samples.latency.max),
              },
            },
          }
        : {}),
      ...(r.certificate ? { certificate: r.certificate } : {}),
    })),
  };
}

/** The latency cell: one figure for a single request, percentiles for repeat/load. */
export function describeLatency(r: CheckResult): string {
  const l = r.samples?.latency;
  if (l) {
    return `p50 ${formatMs(l.p50)} · p95 ${formatMs(l.p95)} · max ${formatMs(l.max)} (${r.samples!.requests} req, ${Math.round(r.samples!.errorRatePercent * 100) / 100}% errors)`;
  }
  if (r.certificate && r.latencyMs === undefined) return `certificate: ${r.certificate.daysLeft} days left`;
  return r.latencyMs === undefined ? '—' : formatMs(r.latencyMs);
}

export function checksSummary(results: readonly CheckResult[], title: string): SummaryBuilder {
  const failed = results.filter((r) => !r.passed);
  const s = new SummaryBuilder().heading(
    failed.length === 0 ? `${title}: all ${results.length} checks passed` : `${title}: ${failed.length} of ${results.length} checks failed`,
  );
  s.table(
    ['', 'Check', 'Status', 'Latency', 'Attempts', 'Result'],
    results.map((r) => [
      trusted(r.passed ? '✅' : '❌'),
      trusted(`${escapeCell(r.name)}<br><sub>${escapeCell(`${r.method} ${r.url}`)}</sub>`),
      r.status ?? '—',
      describeLatency(r),
      r.attempts,
      r.passed ? 'passed' : (r.error ?? 'failed'),
    ]),
  );
  for (const r of failed) {
    if (r.bodyExcerpt) s.details(`${r.name}: start of the last response body`, r.bodyExcerpt, { code: '' });
  }
  return s;
}
