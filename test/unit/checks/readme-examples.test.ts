// Every checks example in smoke-test/README.md and examples/ validates.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChecksDocument } from '../../../src/checks/document.js';
import { parseYaml } from '../../../src/runtime/yaml.js';
import { repoRoot } from '../../harness/run-action.js';

const readme = readFileSync(join(repoRoot, 'smoke-test', 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((y) => /^(checks:|- name:)/m.test(y) && !y.includes('uses:'));

const options = {
  source: 'example',
  baseUrl: 'https://api.example.com',
  env: { API_TOKEN: 'example-token' },
  workspace: repoRoot,
  defaults: { timeoutMs: 30_000, requestTimeoutMs: 10_000 },
};

describe('documented checks validate', () => {
  it('the README has checks examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });
  it.each(blocks.map((b, i) => [i, b] as const))('README example %i', (_i, yaml) => {
    expect(parseChecksDocument(parseYaml(yaml, 'example'), options).checks.length).toBeGreaterThan(0);
  });
  it('examples/smoke.yml', () => {
    const yaml = readFileSync(join(repoRoot, 'examples', 'smoke.yml'), 'utf8');
    expect(parseChecksDocument(parseYaml(yaml, 'examples/smoke.yml'), options).checks).toHaveLength(5);
  });
});
