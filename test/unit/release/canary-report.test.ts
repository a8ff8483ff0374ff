import { describe, expect, it } from 'vitest';
import { analysisOutput, canarySummary } from '../../../src/release/canary-report.js';
import type { StepAnalysis } from '../../../src/metrics/analysis.js';

const step = (rate: number | null, p95: number, verdict: 'pass' | 'fail'): StepAnalysis => ({
  verdict,
  at: '2026-11-28T09:00:00.000Z',
  results: [
    {
      name: 'success-rate',
      query: 'q1',
      value: rate,
      threshold: '>= 99%',
      verdict: rate !== null && rate >= 99 ? 'pass' : 'fail',
      reason: rate === null ? 'no data <none>' : 'ok',
    },
    { name: 'latency', query: 'q2', value: p95, threshold: '<= 1000ms', verdict: 'pass', reason: 'ok' },
  ],
});

describe('canary report', () => {
  const steps = [
    { index: 0, weight: 10, analysis: step(100, 120, 'pass') },
    { index: 1, weight: 50, analysis: step(null, 130, 'fail') },
  ];

  it('gives per step the weight, verdict and each metric (no data as null)', () => {
    expect(analysisOutput(steps)).toEqual([
      {
        step: 1,
        weight: 10,
        verdict: 'pass',
        at: '2026-11-28T09:00:00.000Z',
        metrics: [
          { name: 'success-rate', value: 100, threshold: '>= 99%', verdict: 'pass', reason: 'ok' },
          { name: 'latency', value: 120, threshold: '<= 1000ms', verdict: 'pass', reason: 'ok' },
        ],
      },
      expect.objectContaining({
        step: 2,
        weight: 50,
        verdict: 'fail',
        metrics: expect.arrayContaining([expect.objectContaining({ name: 'success-rate', value: null })]),
      }),
    ]);
  });

  it('writes a table of measured vs threshold per step, escaped, and a chart per unit across steps', () => {
    const md = canarySummary({ result: 'aborted', service: 'app', image: 'app:2', previousImage: 'app:1', reason: 'analysis failed at 50%', steps }).toString();
    expect(md).toContain('## Canary of app: aborted');
    expect(md).toContain('| 1 | 10% | success-rate | 100 |  | &gt;= 99% | ✅ | ok |');
    expect(md).toContain('| 2 | 50% | success-rate | no data |  | &gt;= 99% | ❌ | no data &lt;none&gt; |');
    expect(md).toContain('xychart-beta');
    expect(md).toContain('x-axis ["10%", "50%"]');
    expect(md.match(/```mermaid/g)).toHaveLength(2);
  });
});
