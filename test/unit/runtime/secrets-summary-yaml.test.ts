import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretRegistry, secretForms } from '../../../src/runtime/secrets.js';
import { SummaryBuilder, escapeCell, summaryToText, trusted } from '../../../src/runtime/summary.js';
import { loadYamlInput, parseYaml } from '../../../src/runtime/yaml.js';

describe('secrets', () => {
  it('a URL with a password is masked whole and by its password, encoded and decoded', () => {
    const forms = secretForms('postgres://app:p%40ss-word@db:5432/app');
    expect(forms).toContain('postgres://app:p%40ss-word@db:5432/app');
    expect(forms).toContain('p%40ss-word');
    expect(forms).toContain('p@ss-word');
  });
  it('redacts longest first', () => {
    const r = new SecretRegistry();
    r.add('postgres://u:hunter22@h/db');
    expect(r.redact('url=postgres://u:hunter22@h/db pw=hunter22')).toBe('url=*** pw=***');
  });
  it('ignores values too short to mask safely', () => {
    const r = new SecretRegistry();
    r.add('ab');
    expect(r.redact('abc ab')).toBe('abc ab');
  });
});

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

describe('YAML inputs', () => {
  it('reports the line of a syntax error', () => {
    expect(() => parseYaml('checks:\n  - name: a\n   url: b\n', 'smoke.yml')).toThrow(/smoke\.yml is not valid YAML \(line 3\)/);
  });
  it('rejects duplicate keys', () => {
    expect(() => parseYaml('a: 1\na: 2\n', 'x.yml')).toThrow(/not valid YAML/);
  });
  it('reads a file relative to the workspace, or takes inline YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dk-yaml-'));
    writeFileSync(join(dir, 'c.yml'), 'checks: []\n');
    expect(loadYamlInput('c.yml', 'checks', dir)).toMatchObject({ value: { checks: [] }, label: 'c.yml' });
    expect(loadYamlInput('- url: /x\n', 'checks', dir)).toMatchObject({ value: [{ url: '/x' }], label: 'the checks input' });
  });
  it('a missing .yml path is an error naming the path, not inline YAML', () => {
    expect(() => loadYamlInput('.deploy/smoke.yml', 'checks', tmpdir())).toThrow(/checks: the file "\.deploy\/smoke\.yml" does not exist/);
  });
});
