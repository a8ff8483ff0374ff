// The JSON Schemas editors use (schemas/gates.json, schemas/checks.json) accept the documented
// examples, reject what the validators reject, and agree with the validators on a set of cases.
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChecksDocument } from '../../../src/checks/document.js';
import { parseGatesDocument } from '../../../src/gates/document.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { parseYaml } from '../../../src/runtime/yaml.js';
import { repoRoot } from '../../support/repo.js';

const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');
// validateSchema (the default) checks both against the draft-07 meta-schema when they are added.
const ajv = new Ajv({ allErrors: true, strict: false });
const BASE = 'https://github.com/org/deploy-kit/schemas/';
ajv.addSchema(JSON.parse(read('schemas/checks.json')) as object);
ajv.addSchema(JSON.parse(read('schemas/gates.json')) as object);
const schemaAccepts = (schema: 'gates.json' | 'checks.json', value: unknown): boolean => ajv.validate(`${BASE}${schema}`, value) as boolean;

const env = { API_TOKEN: 'example-token', GRAFANA_TOKEN: 'example-token' };
function validatorAccepts(kind: 'gates' | 'checks', value: unknown): boolean {
  try {
    if (kind === 'gates')
      parseGatesDocument(value, { source: 'example', baseUrl: 'https://api.example.com', env, workspace: repoRoot, prometheusConfigured: true });
    else
      parseChecksDocument(value, {
        source: 'example',
        baseUrl: 'https://api.example.com',
        env,
        workspace: repoRoot,
        defaults: { timeoutMs: 0, requestTimeoutMs: 10_000 },
      });
    return true;
  } catch (err) {
    if (err instanceof ConfigurationError) return false;
    throw err;
  }
}

const yamlBlocks = (file: string, start: RegExp): string[] =>
  [...read(file).matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((y) => start.test(y) && !y.includes('uses:'));
const gatesExamples = [...yamlBlocks('verify-gates/README.md', /^gates:/m), ...yamlBlocks('README.md', /^gates:/m)];
const checksExamples = [...yamlBlocks('smoke-test/README.md', /^(checks:|- name:)/m), read('examples/smoke.yml')];

describe('schemas/gates.json and schemas/checks.json', () => {
  it('are valid JSON Schemas (draft-07)', () => {
    expect(ajv.getSchema(`${BASE}gates.json`)).toBeTruthy();
    expect(ajv.getSchema(`${BASE}checks.json`)).toBeTruthy();
  });

  it('the READMEs have examples', () => {
    expect(gatesExamples.length).toBeGreaterThanOrEqual(2);
    expect(checksExamples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(gatesExamples.map((y, i) => [i, y] as const))('gates example %i: the schema and the validator accept it', (_i, yaml) => {
    const value = parseYaml(yaml, 'example');
    expect(schemaAccepts('gates.json', value), JSON.stringify(ajv.errors)).toBe(true);
    expect(validatorAccepts('gates', value)).toBe(true);
  });

  it.each(checksExamples.map((y, i) => [i, y] as const))('checks example %i: the schema and the validator accept it', (_i, yaml) => {
    const value = parseYaml(yaml, 'example');
    expect(schemaAccepts('checks.json', value), JSON.stringify(ajv.errors)).toBe(true);
    expect(validatorAccepts('checks', value)).toBe(true);
  });

  const gateCases: Array<[string, string]> = [
    [
      'the issue’s example',
      'gates:\n  - name: a\n    checks:\n      - { name: h, url: /health, expect: { status: 200, json: { status: ok } } }\n      - { name: e, prometheus: "sum(x)", max: 0.01 }\n',
    ],
    [
      'shorthands',
      'gates:\n  - name: a\n    checks:\n      - { prometheus: { error-rate: \'job="a"\', window: 1m }, max: 1% }\n      - { prometheus: { latency: p95 }, max: 1s }\n      - { prometheus: targets-up }\n',
    ],
    [
      'github rules',
      'gates:\n  - name: a\n    checks:\n      - github: { approvals: 2 }\n      - github: { checks: green, name: "^ci" }\n      - github: { dependabot: { max-severity: critical } }\n',
    ],
    ['grafana', 'gates:\n  - name: a\n    checks:\n      - grafana: { url: "https://g.example", datasource: p, query: up, from: 10m }\n'],
    ['an unknown key in a gate', 'gates:\n  - name: a\n    descripton: x\n    checks: [{ url: /h }]\n'],
    ['an unknown key in a Prometheus check', 'gates:\n  - name: a\n    checks: [{ prometheus: up, maks: 1 }]\n'],
    ['an unknown key in an HTTP check', 'gates:\n  - name: a\n    checks: [{ url: /h, expectt: {} }]\n'],
    ['an empty gate', 'gates:\n  - name: a\n    checks: []\n'],
    ['no gates', 'gates: []\n'],
    ['a gate without a name', 'gates:\n  - checks: [{ url: /h }]\n'],
    ['two thresholds', 'gates:\n  - name: a\n    checks: [{ prometheus: up, max: 1, min: 0 }]\n'],
    ['two github rules', 'gates:\n  - name: a\n    checks: [{ github: { approvals: 2, checks: green } }]\n'],
    ['a bad severity', 'gates:\n  - name: a\n    checks: [{ github: { code-scanning: { max-severity: severe } } }]\n'],
    ['a bad duration', 'gates:\n  - name: a\n    checks: [{ prometheus: { error-rate: "", window: soon }, max: 1% }]\n'],
    ['a bad status', 'gates:\n  - name: a\n    checks: [{ url: /h, expect: { status: 700 } }]\n'],
    ['grafana query without datasource', 'gates:\n  - name: a\n    checks: [{ grafana: { url: "https://g.example", query: up } }]\n'],
    ['two kinds in one check', 'gates:\n  - name: a\n    checks: [{ url: /h, github: { approvals: 1 } }]\n'],
  ];
  it.each(gateCases)('gates: the schema agrees with the validator on %s', (_what, yaml) => {
    const value = parseYaml(yaml, 'case');
    expect(schemaAccepts('gates.json', value)).toBe(validatorAccepts('gates', value));
  });
  it('the gates cases include both accepted and rejected documents', () => {
    const verdicts = gateCases.map(([, y]) => validatorAccepts('gates', parseYaml(y, 'case')));
    expect(verdicts.filter(Boolean).length).toBeGreaterThanOrEqual(4);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThanOrEqual(10);
  });

  const checkCases: Array<[string, string]> = [
    ['a bare list', '- { url: /a }\n'],
    ['a document with defaults', 'checks: [{ url: /a, timeout: 5s }]\ndefaults: { request-timeout: 2s }\n'],
    ['load and percentiles', 'checks: [{ url: /a, load: { requests: 10, concurrency: 2 }, expect: { p95-latency: 200ms, error-rate: 1% } }]\n'],
    ['an unknown key', 'checks: [{ url: /a, retries: 3 }]\n'],
    ['no url', 'checks: [{ name: a }]\n'],
    ['repeat and load', 'checks: [{ url: /a, repeat: 3, load: { requests: 3 } }]\n'],
    ['a latency without a unit', 'checks: [{ url: /a, expect: { max-latency: 50 } }]\n'],
    ['an unknown operator', 'checks: [{ url: /a, expect: { json: { a: { bigger: 1 } } } }]\n'],
    ['no checks', 'checks: []\n'],
  ];
  it.each(checkCases)('checks: the schema agrees with the validator on %s', (_what, yaml) => {
    const value = parseYaml(yaml, 'case');
    expect(schemaAccepts('checks.json', value)).toBe(validatorAccepts('checks', value));
  });
});
