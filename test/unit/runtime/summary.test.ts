import { describe, expect, it } from 'vitest';
import { SummaryBuilder, escapeCell, summaryToText, trusted } from '../../../src/runtime/summary.js';

describe('SummaryBuilder', () => {
  it('escapes user text in tables and keeps trusted cells', () => {
    const md = new SummaryBuilder()
      .heading('Smoke <test>')
      .table(['check', 'result'], [['a|b<script>', trusted('✅')]])
      .toString();
    expect(md).toContain('## Smoke &lt;test&gt;');
    expect(md).toContain('| a\\|b&lt;script&gt; | ✅ |');
  });
  it('escapeCell turns newlines into <br>', () => {
    expect(escapeCell('a\nb')).toBe('a<br>b');
  });
  it('renders a mermaid xychart', () => {
    const md = new SummaryBuilder().xyChart('Canary', ['10%', '50%'], [{ name: 'success %', values: [99.5, 100] }], '%').toString();
    expect(md).toContain('xychart-beta');
    expect(md).toContain('x-axis ["10%", "50%"]');
    expect(md).toContain('line [99.5, 100]');
  });
  it('details blocks keep code fences closed', () => {
    const md = new SummaryBuilder().details('log', 'a ``` b', { code: 'text' }).toString();
    expect(md.match(/```/g)).toHaveLength(2);
  });
  it('summaryToText strips tags for the terminal', () => {
    expect(summaryToText('<details><summary>x &amp; y</summary>a<br>b</details>')).toBe('x & ya / b');
  });
});
