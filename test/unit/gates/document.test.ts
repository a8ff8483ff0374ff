import { describe, expect, it } from 'vitest';
import { parseGatesDocument, type GatesDocumentOptions } from '../../../src/gates/document.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { parseYamlWithLines } from '../../../src/runtime/yaml.js';

const ISSUE_EXAMPLE = `gates:
  - name: gate-a
    description: backend answers and errors stay low
    checks:
      - name: backend health          # a smoke-test check, in exactly the smoke-test grammar
        url: /health
        expect: { status: 200, json: { status: ok } }
      - name: error rate
        prometheus: 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))'
        max: 0.01
`;

function parse(text: string, options: Partial<GatesDocumentOptions> = {}) {
  const { value, lineOf } = parseYamlWithLines(text, 'gates.yml');
  return parseGatesDocument(value, {
    source: 'gates.yml',
    lineOf,
    baseUrl: 'https://api.example.com',
    env: { TOKEN: 's3cret-token' },
    workspace: '/tmp',
    prometheusConfigured: true,
    ...options,
  });
}

function error(text: string, options: Partial<GatesDocumentOptions> = {}): ConfigurationError {
  try {
    parse(text, options);
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('parseGatesDocument', () => {
  it('reads the issue’s example as written: a smoke-test check and a PromQL threshold', () => {
    const plan = parse(ISSUE_EXAMPLE);
    expect(plan.gates).toHaveLength(1);
    const [http, prom] = plan.gates[0]!.conditions;
    expect(plan.gates[0]!.description).toBe('backend answers and errors stay low');
    expect(http).toMatchObject({ kind: 'http', name: 'backend health', check: { url: 'https://api.example.com/health', timeoutMs: 0 } });
    expect(prom).toMatchObject({ kind: 'prometheus', name: 'error rate', rule: 'threshold', comparison: '<=', threshold: 0.01 });
  });

  it('expands the shorthands into PromQL', () => {
    const plan = parse(`gates:
  - name: g
    checks:
      - { name: errors, prometheus: { error-rate: 'job="app"', window: 1m }, max: 1% }
      - { name: p95, prometheus: { latency: p95, selector: 'job="app"' }, max: 1s }
      - { prometheus: targets-up }
      - { prometheus: { no-firing-alerts: 'severity="critical"' } }
`);
    const [errors, p95, up, alerts] = plan.gates[0]!.conditions as Array<{ query: string; threshold?: number; rule: string; name: string }>;
    expect(errors!.query).toBe('sum(rate(http_requests_total{job="app",code=~"5.."}[1m])) / sum(rate(http_requests_total{job="app"}[1m]))');
    expect(errors!.threshold).toBe(0.01);
    expect(p95!.query).toBe('histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="app"}[5m])))');
    expect(p95!.threshold).toBe(1);
    expect(up).toMatchObject({ name: 'targets-up', query: 'up', rule: 'all-up' });
    expect(alerts).toMatchObject({ query: 'ALERTS{alertstate="firing",severity="critical"}', rule: 'none-firing' });
  });

  it('reads github and grafana checks, substituting and collecting ${{ env }} secrets', () => {
    const plan = parse(`gates:
  - name: pre-deploy
    checks:
      - github: { approvals: 2 }
      - github: { checks: green, name: '^ci/' }
      - github: { code-scanning: { max-severity: high } }
      - github: { dependabot: { max-severity: critical } }
      - github: { environment: production }
      - grafana: { url: 'https://grafana.example.com', token: '\${{ env.TOKEN }}', datasource: prom, query: up }
`);
    const names = plan.gates[0]!.conditions.map((c) => c.name);
    expect(names).toEqual([
      'approvals ≥ 2',
      'checks /^ci\\// green',
      'code-scanning ≤ high',
      'dependabot ≤ critical',
      'environment production',
      'grafana data',
    ]);
    expect(plan.gates[0]!.conditions[5]).toMatchObject({ kind: 'grafana', token: 's3cret-token', datasource: 'prom', query: 'up', fromMs: 300_000 });
    expect(plan.secrets).toContain('s3cret-token');
  });

  it('an unknown key: "did you mean", with the YAML line', () => {
    const err = error(`gates:
  - name: g
    checks:
      - name: errors
        prometheus: 'up'
        maks: 1
`);
    expect(err.message).toContain('gates.yml (line 4)');
    expect(err.message).toContain('unknown key "maks"');
    expect(err.message).toContain('Did you mean "max"?');
    expect(err.line).toBe(4);
  });

  it('an unknown key inside an HTTP check goes through the smoke-test grammar and keeps the line', () => {
    const err = error(`gates:
  - name: g
    checks:
      - name: health
        url: /health
        expect: { staus: 200 }
`);
    expect(err.message).toMatch(
      /gates\.yml \(line 6\): gates\[0\] \("g"\) checks\[0\] \("health"\) expect has an unknown key "staus". Did you mean "status"\?/,
    );
  });

  it.each([
    [
      'a bad duration',
      `gates:\n  - name: g\n    checks:\n      - { prometheus: { error-rate: '', window: 5 minutes }, max: 0.01 }\n`,
      /window is "5 minutes", which is not a duration/,
    ],
    ['an empty gate', `gates:\n  - name: g\n    checks: []\n`, /gates\[0\] \("g"\) checks is empty: a gate needs at least one check/],
    ['a gate without a name', `gates:\n  - checks: [{ prometheus: up, max: 1 }]\n`, /has no name/],
    ['no gates', `gates: []\n`, /gates is empty/],
    ['two thresholds', `gates:\n  - name: g\n    checks:\n      - { prometheus: up, max: 1, min: 0 }\n`, /give one threshold per check/],
    ['no threshold', `gates:\n  - name: g\n    checks:\n      - { prometheus: up }\n`, /has no threshold/],
    ['a check of no kind', `gates:\n  - name: g\n    checks:\n      - { name: x, prometeus: up }\n`, /neither url .* Did you mean "prometheus"\?/],
    ['two kinds', `gates:\n  - name: g\n    checks:\n      - { url: /x, prometheus: up, max: 1 }\n`, /has url and prometheus/],
    ['duplicate gate names', `gates:\n  - { name: g, checks: [{ url: /a }] }\n  - { name: g, checks: [{ url: /b }] }\n`, /same name as gates\[0\]/],
    ['duplicate check names', `gates:\n  - { name: g, checks: [{ url: /a }, { url: /a }] }\n`, /same name as checks\[0\]/],
    ['an error rate over 1', `gates:\n  - name: g\n    checks:\n      - { prometheus: { error-rate: '' }, max: 5 }\n`, /ratio from 0 to 1/],
    [
      'a bad severity',
      `gates:\n  - name: g\n    checks:\n      - github: { code-scanning: { max-severity: severe } }\n`,
      /use one of low, medium, high, critical/,
    ],
    ['two github rules', `gates:\n  - name: g\n    checks:\n      - github: { approvals: 2, checks: green }\n`, /exactly one of approvals/],
    [
      'grafana query without datasource',
      `gates:\n  - name: g\n    checks:\n      - grafana: { url: 'https://g.example', query: up }\n`,
      /datasource and query together/,
    ],
  ])('refuses %s', (_what, text, message) => {
    expect(error(text).message).toMatch(message);
  });

  it('a Prometheus check without the prometheus-url input is refused before anything runs', () => {
    expect(error(ISSUE_EXAMPLE, { prometheusConfigured: false }).message).toMatch(/prometheus-url input is not set/);
  });

  it('a relative URL without base-url is refused', () => {
    expect(error(ISSUE_EXAMPLE, { baseUrl: undefined }).message).toMatch(/relative URL, but no base-url is set/);
  });
});
