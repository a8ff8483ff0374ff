// The verify-gates bundle run as the runner runs it, against real HTTP servers on 127.0.0.1, a real
// Prometheus for query validation, and the GitHub API stand-in (answers validated against GitHub's
// OpenAPI description) — the tests that use the stand-in say so.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../harness/run-action.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-standin.js';
import { sendJson, startServer, type TestServer } from '../support/http-servers.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';

const SHA = 'c0ffee'.padEnd(40, '0');
let app: TestServer;
let healthy = true;
let gh: GitHubStandIn;
let hook: TestServer;
let workspace: string;

beforeAll(async () => {
  [app, gh, hook] = await Promise.all([
    startServer({
      '/health': (_req, res) => (healthy ? sendJson(res, 200, { status: 'ok' }) : sendJson(res, 503, { status: 'failing' })),
    }),
    startGitHubStandIn(),
    startServer({ '/hook': (_req, res) => sendJson(res, 200, { ok: true }) }),
  ]);
  workspace = mkdtempSync(join(tmpdir(), 'dk-gates-ws-'));
});
afterAll(async () => {
  await Promise.all([app.close(), gh.stop(), hook.close()]);
});
afterEach(() => {
  expect(gh.violations).toEqual([]);
  healthy = true;
});

function gatesFile(name: string, yaml: string): string {
  writeFileSync(join(workspace, name), yaml);
  return name;
}

const run = (inputs: Record<string, string>, options: Parameters<typeof runAction>[1] = {}): Promise<ActionRun> =>
  runAction('verify-gates', {
    cwd: workspace,
    ...options,
    inputs: { 'base-url': app.url, 'github-token': gh.token, ...inputs },
    env: {
      GITHUB_API_URL: gh.url,
      GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`,
      GITHUB_SHA: SHA,
      GITHUB_RUN_ID: '777',
      GITHUB_SERVER_URL: 'https://github.example',
      ...options.env,
    },
  });

/** Everything a user could see, without the runner's ::add-mask:: commands (the runner consumes them). */
const visible = (r: ActionRun): string => [r.log.replace(/^::add-mask::.*$/gm, ''), r.summary, JSON.stringify(r.outputs)].join('\n');

const PRE_DEPLOY = `gates:
  - name: backend
    description: backend answers
    checks:
      - name: backend health
        url: /health
        expect: { status: 200, json: { status: ok } }
  - name: pre-deploy
    checks:
      - github: { approvals: 2 }
      - github: { code-scanning: { max-severity: high } }
`;

describe('verify-gates bundle (GitHub API stand-in)', () => {
  it('stand-in: GREEN once: every gate holds; outputs, summary table; the token never appears', async () => {
    gh.pulls = [
      {
        number: 42,
        mergeCommitSha: SHA,
        reviews: [
          { user: 'ana', state: 'APPROVED' },
          { user: 'bo', state: 'APPROVED' },
        ],
      },
    ];
    gh.codeScanning = [{ number: 3, severity: 'high' }];
    const r = await run({ gates: gatesFile('green.yml', PRE_DEPLOY) });
    expect(r.exitCode, r.log).toBe(0);
    expect(r.outputs.status).toBe('GREEN');
    expect(JSON.parse(r.outputs['failed-gates']!)).toEqual([]);
    const gates = JSON.parse(r.outputs.gates!);
    expect(gates['pre-deploy'].conditions['approvals ≥ 2']).toMatchObject({ verdict: 'pass', measured: '2 approvals' });
    expect(gates.backend.conditions['backend health'].samples).toHaveLength(1);
    expect(r.summary).toContain('| backend health | HTTP 200');
    expect(r.summary).toContain('✅');
    expect(r.masked).toContain(gh.token);
    expect(visible(r)).not.toContain(gh.token);
  });

  it('stand-in: RED once naming the failing condition: approvals 1 < 2 names the PR; a critical code-scanning alert', async () => {
    gh.pulls = [
      {
        number: 43,
        mergeCommitSha: SHA,
        reviews: [
          { user: 'ana', state: 'APPROVED' },
          { user: 'bo', state: 'CHANGES_REQUESTED' },
        ],
      },
    ];
    gh.codeScanning = [{ number: 9, severity: 'critical', rule: 'SQL injection' }];
    const r = await run({ gates: gatesFile('red.yml', PRE_DEPLOY) });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.status).toBe('RED');
    expect(JSON.parse(r.outputs['failed-gates']!)).toEqual(['pre-deploy']);
    const c = JSON.parse(r.outputs.gates!)['pre-deploy'].conditions;
    expect(c['approvals ≥ 2'].reason).toMatch(/^PR #43 has 1 approval \(ana\), fewer than 2/);
    expect(c['code-scanning ≤ high']).toMatchObject({ verdict: 'fail', measured: '1 open, worst critical' });
    expect(r.errors.join('\n')).toMatch(/Gates RED: pre-deploy — pre-deploy: approvals ≥ 2, pre-deploy: code-scanning ≤ high/);
    expect(visible(r)).not.toContain(gh.token);
  });

  it('fail-on-red: false reports RED and passes', async () => {
    healthy = false;
    const r = await run({
      gates: gatesFile('http.yml', 'gates:\n  - name: backend\n    checks:\n      - { name: health, url: /health }\n'),
      'fail-on-red': 'false',
    });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.status).toBe('RED');
    expect(r.log).toContain('fail-on-red is false');
  });

  it('a watch that turns RED mid-window ends early, with the samples of the window', async () => {
    const file = gatesFile('watch.yml', 'gates:\n  - name: backend\n    checks:\n      - { name: health, url: /health }\n');
    // The app breaks once two evaluations have passed.
    const r = await run(
      { gates: file, watch: '60s', interval: '1s' },
      {
        onSpawn: (_child, output) => {
          const timer = setInterval(() => {
            if (output().includes('[2]')) {
              clearInterval(timer);
              healthy = false;
            }
          }, 20);
        },
      },
    );
    expect(r.exitCode).toBe(1);
    expect(r.outputs.status).toBe('RED');
    const n = Number(r.outputs.evaluations);
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThan(15);
    expect(r.durationMs).toBeLessThan(30_000);
    const samples = JSON.parse(r.outputs.gates!).backend.conditions.health.samples as Array<{ verdict: string }>;
    expect(samples.map((s) => s.verdict).slice(-1)).toEqual(['fail']);
    expect(samples[0]!.verdict).toBe('pass');
  });

  it('SIGTERM ends a watch promptly with the result so far, reported as cancelled', async () => {
    const file = gatesFile('cancel.yml', 'gates:\n  - name: backend\n    checks:\n      - { name: health, url: /health }\n');
    const r = await run(
      { gates: file, watch: '10m', interval: '1s' },
      {
        onSpawn: (child, output) => {
          const timer = setInterval(() => {
            if (output().includes('[2]')) {
              clearInterval(timer);
              child.kill('SIGTERM');
            }
          }, 50);
        },
      },
    );
    expect(r.outputs.status).toBe('cancelled');
    expect(r.exitCode).toBe(1);
    expect(r.durationMs).toBeLessThan(20_000);
    expect(Number(r.outputs.evaluations)).toBeGreaterThanOrEqual(2);
    expect(r.summary).toContain('cancelled');
  });

  it('stand-in: from cron, one incident: RED opens the issue and posts once; RED again changes nothing; GREEN closes it and posts the recovery', async () => {
    gh.issues = [];
    const file = gatesFile('cron.yml', 'gates:\n  - name: backend\n    checks:\n      - { name: health, url: /health }\n');
    const inputs = { gates: file, incident: 'issue', 'notify-webhook': `${hook.url}/hook`, 'fail-on-red': 'false' };
    const posts = (): number => hook.requests.length;

    healthy = false;
    const first = await run(inputs);
    expect(first.outputs.status).toBe('RED');
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0]).toMatchObject({ state: 'open', title: 'Gates RED: backend', labels: ['deploy-kit:gates'] });
    expect(first.outputs['incident-url']).toContain('/issues/1');
    expect(posts()).toBe(1);
    expect(JSON.parse(hook.requests[0]!.body).text).toContain('Gates RED: backend');

    healthy = false;
    const again = await run(inputs);
    expect(again.outputs.status).toBe('RED');
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0]!.comments).toEqual([]);
    expect(posts()).toBe(1);
    expect(again.log).toContain('the incident is open for the same failing gates');

    healthy = true;
    const green = await run(inputs);
    expect(green.outputs.status).toBe('GREEN');
    expect(gh.issues[0]!.state).toBe('closed');
    expect(gh.issues[0]!.comments[0]).toMatch(/^Recovered after \d/);
    expect(posts()).toBe(2);
    expect(JSON.parse(hook.requests[1]!.body).text).toContain('recovered after');
    for (const r of [first, again, green]) expect(visible(r)).not.toContain(gh.token);
  });
});

describe('verify-gates bundle: a bad gates file fails before any request', () => {
  let prom: TestPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus();
  });
  afterAll(async () => prom.stop());

  it.each([
    [
      'an unknown key',
      'gates:\n  - name: g\n    checks:\n      - { name: health, url: /health, expectt: { status: 200 } }\n',
      /unknown key "expectt"\. Did you mean "expect"\?/,
    ],
    [
      'a bad duration',
      'gates:\n  - name: g\n    checks:\n      - { prometheus: { error-rate: "", window: soon }, max: 1% }\n',
      /window is "soon", which is not a duration/,
    ],
    ['an empty gate', 'gates:\n  - name: g\n    checks: []\n', /checks is empty: a gate needs at least one check/],
    [
      'a query Prometheus rejects',
      'gates:\n  - name: g\n    checks:\n      - { name: health, url: /health }\n      - { name: broken, prometheus: "sum(rate(http_requests_total[1m]", max: 1 }\n',
      /Prometheus rejects the query/,
    ],
  ])('%s', async (_what, yaml, message) => {
    const before = app.requests.length;
    const ghBefore = gh.requests.length;
    const r = await run({ gates: gatesFile('bad.yml', yaml), 'prometheus-url': prom.url });
    expect(r.exitCode).toBe(1);
    expect(r.errors.join('\n')).toMatch(message);
    expect(r.log).not.toMatch(/at .*index\.js/);
    expect(app.requests.length).toBe(before);
    expect(gh.requests.length).toBe(ghBefore);
  });

  it('the error of a gates file carries its YAML line as an annotation', async () => {
    const r = await run({ gates: gatesFile('line.yml', 'gates:\n  - name: g\n    checks:\n      - name: health\n        url: /health\n        retries: 3\n') });
    expect(r.exitCode).toBe(1);
    expect(r.log).toMatch(/::error [^:]*file=[^,]*line\.yml,line=4::line\.yml \(line 4\)/);
  });
});
