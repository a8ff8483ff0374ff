// The template runner on tiny workflows: real deploy-kit bundles (smoke-test against a real HTTP
// server), a real git repository for actions/checkout, bash for run steps.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflow } from '../support/workflow-runner/runner.js';
import { standardRoutes, startServer, type TestServer } from '../support/http-servers.js';

let server: TestServer;
let dir: string;
let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
}

function workflow(name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

beforeAll(async () => {
  server = await startServer(standardRoutes());
  dir = mkdtempSync(join(tmpdir(), 'dk-wf-runner-'));
  repo = join(dir, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 't');
  writeFileSync(join(repo, 'smoke.yml'), 'checks:\n  - name: health\n    url: /health\n    expect: { status: 200 }\n');
  git('add', '.');
  git('commit', '-qm', 'passing checks');
  git('tag', 'v1.0.0');
  writeFileSync(join(repo, 'smoke.yml'), 'checks:\n  - name: broken\n    url: /error\n    expect: { status: 200 }\n');
  git('commit', '-qam', 'failing checks');
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const smoke = (id: string, extra = '') => `      - id: ${id}
        uses: org/deploy-kit/smoke-test@v1${extra}
        with:
          checks: smoke.yml
          base-url: \${{ vars.BASE_URL }}
          timeout: '0'
`;

describe('template runner', () => {
  it('checks out the asked ref, runs bundles in order, carries outputs and env, skips failure() steps, no-ops third-party steps', async () => {
    const file = workflow(
      'pass.yml',
      `name: pass
on:
  workflow_dispatch:
    inputs:
      tag: { type: string, required: true }
env:
  WHERE: workflow
jobs:
  first:
    runs-on: ubuntu-latest
    env:
      GREETING: hello-\${{ inputs.tag }}
    outputs:
      passed: \${{ steps.smoke.outputs.passed }}
    steps:
      - uses: actions/checkout@v4
        with:
          ref: refs/tags/\${{ inputs.tag }}
${smoke('smoke')}
      - id: echo
        env:
          FAILED: \${{ steps.smoke.outputs.failed-count }}
        run: |
          echo "said=$GREETING $WHERE failed=$FAILED sha=$GITHUB_SHA" >> "$GITHUB_OUTPUT"
          echo "LATER=from-env-file" >> "$GITHUB_ENV"
      - id: later
        run: echo "later=$LATER" >> "$GITHUB_OUTPUT"
      - uses: actions/upload-artifact@v4
        with:
          name: report
      - id: on-failure
        if: failure()
        run: echo never
  second:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - id: got
        run: echo "passed=\${{ needs.first.outputs.passed }}" >> "$GITHUB_OUTPUT"
`,
    );
    const run = await runWorkflow(file, {
      eventName: 'workflow_dispatch',
      inputs: { tag: 'v1.0.0' },
      repository: repo,
      vars: { BASE_URL: server.url },
      github: { sha: 'f'.repeat(40) },
    });
    expect(run.log.join('\n')).not.toMatch(/failure/);
    expect(run.step('actions/checkout@v4').outputs.commit).toBe(git('rev-parse', 'v1.0.0'));
    expect(run.step('smoke').outputs.passed).toBe('true');
    expect(run.step('echo').outputs.said).toBe(`hello-v1.0.0 workflow failed=0 sha=${'f'.repeat(40)}`);
    expect(run.step('later').outputs.later).toBe('from-env-file');
    expect(run.step('actions/upload-artifact@v4')).toMatchObject({ kind: 'no-op', outcome: 'success', inputs: { name: 'report' } });
    expect(run.log).toContain('  step actions/upload-artifact@v4: actions/upload-artifact@v4 is a no-op here (third-party action)');
    expect(run.step('on-failure').outcome).toBe('skipped');
    expect(run.jobs.first!.result).toBe('success');
    expect(run.step('got').outputs.passed).toBe('true');
    expect(run.ran()).toEqual(['first/smoke']);
  });

  it('a failure: continue-on-error, later steps skipped, failure() and always() run, needing jobs skipped, secrets masked in the log', async () => {
    const file = workflow(
      'fail.yml',
      `name: fail
on: push
jobs:
  first:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
${smoke('tolerated', '\n        continue-on-error: true')}
      - id: seen
        run: echo "outcome=\${{ steps.tolerated.outcome }} conclusion=\${{ steps.tolerated.conclusion }}" >> "$GITHUB_OUTPUT"
${smoke('smoke')}
      - id: after
        run: echo never
      - id: cleanup
        if: failure() && steps.smoke.outcome == 'failure'
        run: echo "saw=\${{ steps.smoke.outputs.failed-count }} \${{ secrets.TOKEN }}"
      - id: finally
        if: always()
        run: echo "status=\${{ job.status }}" >> "$GITHUB_OUTPUT"
  second:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - run: echo never
  report:
    needs: first
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - id: r
        run: echo "first=\${{ needs.first.result }}" >> "$GITHUB_OUTPUT"
`,
    );
    const run = await runWorkflow(file, {
      eventName: 'push',
      repository: repo,
      vars: { BASE_URL: server.url },
      secrets: { TOKEN: 's3cr3t-value' },
      github: { sha: git('rev-parse', 'HEAD') },
    });
    expect(run.step('tolerated')).toMatchObject({ outcome: 'failure', conclusion: 'success' });
    expect(run.step('seen').outputs.outcome).toBe('failure conclusion=success');
    expect(run.step('smoke')).toMatchObject({ outcome: 'failure', conclusion: 'failure' });
    expect(run.step('smoke').run?.errors.join('\n')).toMatch(/broken/);
    expect(run.step('after').outcome).toBe('skipped');
    expect(run.step('cleanup').outcome).toBe('success');
    expect(run.step('cleanup').output).toContain('saw=1 s3cr3t-value');
    expect(run.step('finally').outputs.status).toBe('failure');
    expect(run.jobs.first!.result).toBe('failure');
    expect(run.jobs.second!.result).toBe('skipped');
    expect(run.step('r').outputs.first).toBe('failure');
    expect(run.log.join('\n')).not.toContain('s3cr3t-value');
    expect(run.ran()).toEqual(['first/tolerated', 'first/smoke']);
  });

  it('refuses a workflow GitHub’s parser rejects', async () => {
    const file = workflow('bad.yml', 'name: bad\non: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: a/b@v1\n        run: echo both\n');
    await expect(runWorkflow(file, { eventName: 'push' })).rejects.toThrow(/workflow parser/);
  });
});
