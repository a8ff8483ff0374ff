// The smoke-test bundle run as the runner runs it (node dist/smoke-test/index.js with INPUT_*),
// against real HTTP servers on 127.0.0.1.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChecksReport } from '../../src/checks/report.js';
import { repoRoot, runAction } from '../harness/run-action.js';
import { refusedPort, standardRoutes, startServer, type TestServer } from '../support/http-servers.js';

let server: TestServer;
let workspace: string;
beforeAll(async () => {
  server = await startServer(standardRoutes());
  workspace = mkdtempSync(join(tmpdir(), 'dk-smoke-ws-'));
});
afterAll(async () => {
  await server.close();
});

function checksFile(name: string, yaml: string): string {
  writeFileSync(join(workspace, name), yaml);
  return name;
}

const run = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
  runAction('smoke-test', { cwd: workspace, inputs: { 'base-url': server.url, timeout: '0', ...inputs }, env });

describe('smoke-test bundle', () => {
  it('passes: outputs, report, summary table', async () => {
    const file = checksFile(
      'pass.yml',
      `checks:
  - name: backend health
    url: /health
    expect:
      status: 200
      json: { status: ok, version: { matches: '^1\\.' } }
      max-latency: 2s
  - name: frontend
    url: /ops
    expect: { status: 2xx, body: { contains: '<title>' } }
  - name: api latency
    url: /health
    load: { requests: 50, concurrency: 5 }
    expect: { p95-latency: 1s, error-rate: 0 }
  - name: compressed
    url: /gzip
    expect: { json: { compressed: true } }
`,
    );
    const r = await run({ checks: file });
    expect(r.exitCode, r.log).toBe(0);
    expect(r.outputs.passed).toBe('true');
    expect(r.outputs['failed-count']).toBe('0');
    const report = JSON.parse(r.outputs.report!) as ChecksReport;
    expect(report.checks.map((c) => [c.name, c.passed, c.status, c.attempts])).toEqual([
      ['backend health', true, 200, 1],
      ['frontend', true, 200, 1],
      ['api latency', true, 200, 1],
      ['compressed', true, 200, 1],
    ]);
    expect(report.checks[2]!.samples!.requests).toBe(50);
    expect(r.summary).toContain('## Smoke test: all 4 checks passed');
    expect(r.summary).toMatch(/\| ✅ \| backend health<br><sub>GET http:\/\/127\.0\.0\.1:\d+\/health<\/sub> \| 200 \| \d+ms \| 1 \| passed \|/);
    expect(r.log).toContain('✅ frontend');
    expect(r.errors).toEqual([]);
  });

  it('fails: exit 1, one error annotation per failed check, ❌ with the reason in the summary', async () => {
    const file = checksFile(
      'fail.yml',
      `- { name: health, url: /health }
- { name: wrong json, url: /wrong-json, expect: { json: { status: ok } } }
- { name: server error, url: /error }
`,
    );
    const r = await run({ checks: file });
    expect(r.exitCode).toBe(1);
    expect(r.outputs).toMatchObject({ passed: 'false', 'failed-count': '2' });
    expect(r.log).toMatch(
      /^::error title=smoke-test%3A wrong json::wrong json \(GET http:\/\/127\.0\.0\.1:\d+\/wrong-json\): json "status" is "degraded", expected "ok"$/m,
    );
    expect(r.log).toMatch(/^::error title=smoke-test%3A server error::server error .*: status 500, expected 2xx$/m);
    expect(r.errors.at(-1)).toBe('2 of 3 checks failed: wrong json, server error.');
    expect(r.summary).toContain('## Smoke test: 2 of 3 checks failed');
    expect(r.summary).toMatch(/\| ❌ \| wrong json.*\| 200 \| \d+ms \| 1 \| json &quot;status&quot; is &quot;degraded&quot;, expected &quot;ok&quot; \|/);
    const report = JSON.parse(r.outputs.report!) as ChecksReport;
    expect(report.checks[2]).toMatchObject({ name: 'server error', passed: false, status: 500, error: 'status 500, expected 2xx' });
  });

  it('fail-on-error: false reports and passes', async () => {
    const r = await run({ checks: '- { name: server error, url: /error }', 'fail-on-error': 'false' });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toMatchObject({ passed: 'false', 'failed-count': '1' });
    expect(r.log).toMatch(/^::warning::1 of 1 checks failed: server error\. fail-on-error is false/m);
  });

  it('waits until ready: a flaky endpoint passes after its failures, attempts counted', async () => {
    const r = await run({ checks: '- { name: flaky, url: "/flaky?fail=2&key=e2e" }', timeout: '10s' });
    expect(r.exitCode, r.log).toBe(0);
    const report = JSON.parse(r.outputs.report!) as ChecksReport;
    expect(report.checks[0]).toMatchObject({ passed: true, attempts: 3 });
    expect(r.log).toMatch(/flaky: attempt 2 failed \(status 503, expected 2xx\); retrying in \d+ms/);
  });

  it('a token from ${{ env }} in a header never reaches the log, outputs or summary, and is masked', async () => {
    const token = 'tok-e2e-7f3a9c1d5b';
    const before = server.requests.length;
    // /echo answers with the request headers, so a failing check puts them in the body excerpt.
    const r = await run(
      {
        checks: `- name: authed
  url: /echo?key=\${{ env.API_TOKEN }}
  headers: { Authorization: 'Bearer \${{ env.API_TOKEN }}' }
  expect: { json: { method: POST } }
`,
      },
      { API_TOKEN: token },
    );
    expect(r.exitCode).toBe(1);
    const seen = server.requests.slice(before).find((q) => q.path.startsWith('/echo'));
    expect(seen?.headers.authorization).toBe(`Bearer ${token}`);
    expect(r.masked).toContain(token);
    const logWithoutMaskCommands = r.log.replace(/^::add-mask::.*$/gm, '');
    expect(logWithoutMaskCommands).not.toContain(token);
    expect(JSON.stringify(r.outputs)).not.toContain(token);
    expect(r.summary).not.toContain(token);
    expect(r.summary).toContain('Bearer ***');
    expect(r.summary).toContain('/echo?key=***');
  });

  it('bad input: an unknown key fails validation with "did you mean", and no request is sent', async () => {
    const before = server.requests.length;
    const file = checksFile(
      'bad.yml',
      `checks:
  - { name: first, url: /health }
  - name: second
    url: /health
    expcet: { status: 200 }
`,
    );
    const r = await run({ checks: file });
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toBe(
      'bad.yml: checks[1] ("second") has an unknown key "expcet". Did you mean "expect"? Allowed keys: name, url, method, headers, body, timeout, request-timeout, follow-redirects, ca-file, insecure, repeat, load, cors, expect.',
    );
    expect(r.log).toMatch(/^::error title=deploy-kit,file=.*bad\.yml::/m);
    expect(r.log).not.toContain('please report');
    await new Promise((res) => setTimeout(res, 100));
    expect(server.requests.length).toBe(before);
  });

  it('bad input: invalid YAML names its line; concurrency 0 names the field; nothing is sent', async () => {
    const before = server.requests.length;
    const yaml = await run({ checks: checksFile('broken.yml', 'checks:\n  - name: a\n    url: /health\n  - name: [b\n') });
    expect(yaml.exitCode).toBe(1);
    expect(yaml.errors[0]).toMatch(/^broken\.yml is not valid YAML \(line [45]\): /);
    const zero = await run({ checks: '- { name: a, url: /health, load: { requests: 5, concurrency: 0 } }' });
    expect(zero.errors[0]).toBe('the checks input: checks[0] ("a") load.concurrency is 0: it must be at least 1.');
    const input = await run({ checks: '- { url: /health }', concurrency: '0' });
    expect(input.errors[0]).toBe('concurrency is 0: it must be at least 1.');
    const duration = await run({ checks: '- { name: a, url: /health, timeout: soon }' });
    expect(duration.errors[0]).toMatch(/checks\[0\] \("a"\) timeout is "soon", which is not a duration/);
    expect(server.requests.length).toBe(before);
  });

  it('cancelled (SIGTERM) while waiting until ready: stops at once', async () => {
    const port = await refusedPort();
    const r = await runAction('smoke-test', {
      cwd: workspace,
      inputs: { checks: `- { name: down, url: "http://127.0.0.1:${port}/health" }`, timeout: '5m' },
      onSpawn: (child, output) => {
        const poll = setInterval(() => {
          if (output().includes('down: attempt 1 failed')) {
            clearInterval(poll);
            child.kill('SIGTERM');
          }
        }, 20);
      },
    });
    expect(r.signal).toBeNull();
    expect(r.exitCode).toBe(1);
    expect(r.errors.at(-1)).toBe('cancelled by SIGTERM');
    expect(r.durationMs).toBeLessThan(10_000);
  });

  it('fails fast without the checks input', async () => {
    const r = await runAction('smoke-test', { cwd: workspace, noDefaults: true });
    expect(r.exitCode).toBe(1);
    expect(r.errors[0]).toBe('Input required and not supplied: checks. Add it under "with:" in your workflow step.');
  });

  it('the README demo: examples/smoke.yml passes against scripts/demo-server.mjs', async () => {
    const demo = spawn(process.execPath, [join(repoRoot, 'scripts', 'demo-server.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        demo.stdout.once('data', (c: Buffer) => resolve(String(c)));
        demo.once('exit', (code) => reject(new Error(`demo server exited (${code})`)));
      });
      const base = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
      const r = await runAction('smoke-test', { inputs: { checks: 'examples/smoke.yml', 'base-url': base } });
      expect(r.exitCode, r.log).toBe(0);
      const report = JSON.parse(r.outputs.report!) as ChecksReport;
      expect(report.checks.map((c) => c.name)).toEqual(['backend health', 'ops page', 'items API', 'health latency', 'health under load']);
      expect(report.checks[4]!.samples!.requests).toBe(100);
    } finally {
      demo.kill();
    }
  });
});
