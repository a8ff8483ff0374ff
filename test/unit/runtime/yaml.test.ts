import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadYamlInput, parseYaml } from '../../../src/runtime/yaml.js';

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
