// github-deployment: true in the deploy-canary and rollback bundles, on real compose containers,
// against the GitHub API stand-in (answers validated against GitHub's OpenAPI description): the
// releases appear as Deployments, and a rollback on a runner without the local record finds the
// last good release there.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../harness/run-action.js';
import { createComposeProject, serviceContainers, type TestComposeProject } from '../support/compose.js';
import { ensureFixtureAppVersion } from '../support/fixture-app.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github-standin.js';

describe('GitHub Deployments from the release bundles (GitHub API stand-in)', () => {
  let v1: string;
  let v2: string;
  let p: TestComposeProject;
  let gh: GitHubStandIn;
  const base = (): Record<string, string> => ({
    'compose-file': p.file,
    project: p.project,
    'compose-command': p.flavor === 'v2' ? 'docker compose' : 'docker-compose',
    'health-timeout': '60s',
    'github-deployment': 'true',
    environment: 'production',
    'environment-url': 'https://shop.example.com',
    'github-token': gh.token,
  });
  const env = (sha: string) => ({
    GITHUB_API_URL: gh.url,
    GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`,
    GITHUB_SHA: sha,
    GITHUB_RUN_ID: '4242',
    GITHUB_SERVER_URL: 'https://github.example',
  });

  beforeAll(async () => {
    [v1, v2, gh] = await Promise.all([ensureFixtureAppVersion('gd-1'), ensureFixtureAppVersion('gd-2'), startGitHubStandIn()]);
    p = await createComposeProject({ image: v1, service: 'backend' });
    await p.compose(['up', '-d']);
  }, 240_000);
  afterEach(() => expect(gh.violations).toEqual([]));
  afterAll(async () => {
    await gh?.stop();
    await p?.down();
  });

  it('stand-in: deploys are recorded as Deployments; rollback on a runner without the local record goes back to the last good one from GitHub', async () => {
    for (const [image, sha] of [
      [v1, '1'.repeat(40)],
      [v2, '2'.repeat(40)],
    ] as const) {
      const run = await runAction('deploy-canary', {
        inputs: { ...base(), strategy: 'rolling', services: `backend=${image}` },
        env: env(sha),
        timeoutMs: 120_000,
      });
      expect(run.errors, run.log).toEqual([]);
      expect(run.log).toMatch(/GitHub deployment \d+ of production recorded/);
    }
    expect(gh.deployments.map((d) => [d.sha[0], d.statuses.map((s) => s.state).join('→')])).toEqual([
      ['1', 'in_progress→success→inactive'],
      ['2', 'in_progress→success'],
    ]);
    expect(gh.deployments[1]!.statuses[1]).toMatchObject({
      environmentUrl: 'https://shop.example.com',
      logUrl: 'https://github.example/acme/shop/actions/runs/4242',
    });
    expect(gh.deployments[1]!.payload).toEqual({ 'deploy-kit': { action: 'rolling', images: [{ service: 'backend', image: v2 }] } });

    // A new runner host: no local record.
    rmSync(join(p.dir, '.deploy-kit', `${p.project}.history.json`), { force: true });
    const run = await runAction('rollback', { inputs: { ...base(), services: 'backend' }, env: env('3'.repeat(40)), timeoutMs: 120_000 });
    expect(run.errors, run.log).toEqual([]);
    expect(run.log).toContain('the last good release came from GitHub Deployments');
    const [id] = await serviceContainers(p.project, 'backend');
    const { runProgram } = await import('../../src/exec/run.js');
    expect((await runProgram('docker', ['inspect', '--format', '{{.Config.Image}}', id!])).stdout.trim()).toBe(v1);
    const last = gh.deployments.at(-1)!;
    expect(last.payload).toEqual({ 'deploy-kit': { action: 'rollback', images: [{ service: 'backend', image: v1 }] } });
    expect(last.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(gh.deployments[1]!.statuses.at(-1)!.state).toBe('inactive');
    expect(run.log.replace(/^::add-mask::.*$/gm, '')).not.toContain(gh.token);
  }, 400_000);
});
