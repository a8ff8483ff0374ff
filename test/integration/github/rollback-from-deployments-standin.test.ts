// rollback on a runner without the local record: the last good release comes from GitHub
// Deployments (read through octokit from the GitHub API stand-in, answers validated against
// GitHub's OpenAPI description), and the rollback itself is recorded as a deployment.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHubDeployments } from '../../../src/github/deployments.js';
import { entriesFromDeployments, RecordWithGitHubFallback } from '../../../src/github/deployments-record.js';
import { withGitHubDeployment } from '../../../src/release/github-deployment.js';
import { rollback } from '../../../src/release/rollback.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { createGitHubClient } from '../../../src/runtime/github.js';
import { FakeTarget } from '../../support/fakes/target.js';
import { MemoryRecord } from '../../support/fakes/record.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-standin.js';

describe('rollback reads the last good release from GitHub Deployments (GitHub API stand-in)', () => {
  let gh: GitHubStandIn;
  let deployments: GitHubDeployments;
  beforeAll(async () => {
    gh = await startGitHubStandIn();
    deployments = new GitHubDeployments(await createGitHubClient(gh.token, { baseUrl: gh.url }), { owner: gh.owner, repo: gh.repo });
    // History on GitHub: 1.0 (good), 1.1 (good, live), then 1.2 failed its canary.
    for (const [version, end] of [
      ['1.0', 'success'],
      ['1.1', 'success'],
      ['1.2', 'failure'],
    ] as const) {
      const id = await deployments.create({
        ref: version.replace('.', '').repeat(20).slice(0, 40).padEnd(40, '0'),
        environment: 'production',
        action: 'deploy-canary',
        images: [{ service: 'web', image: `shop/web:${version}` }],
      });
      await deployments.setStatus(id, 'in_progress');
      await deployments.setStatus(id, end);
      if (end === 'success') await deployments.markReplaced('production', id);
    }
  });
  afterEach(() => expect(gh.violations).toEqual([]));
  afterAll(async () => gh.stop());

  it('stand-in: the deployments become record entries: successes are good, the failed canary is rejected', async () => {
    const entries = entriesFromDeployments(await deployments.list('production'));
    expect(entries.map((e) => `${e.services[0]!.image} ${e.result}`)).toEqual(['shop/web:1.0 promoted', 'shop/web:1.1 promoted', 'shop/web:1.2 failed']);
  });

  it('stand-in: with an empty local record, rollback goes back to 1.0 from 1.1 and records the rollback as a deployment', async () => {
    const target = new FakeTarget({ web: 'shop/web:1.1' });
    const local = new MemoryRecord();
    const record = new RecordWithGitHubFallback(local, deployments, 'production');
    const request = { services: ['web'], healthTimeoutMs: 1000, dryRun: false };
    const tracked = await withGitHubDeployment(
      deployments,
      {
        ref: 'f'.repeat(40),
        environment: 'production',
        action: 'rollback',
        images: [{ service: 'web', image: 'shop/web:1.0' }],
        logUrl: 'https://github.example/run/9',
      },
      () => rollback({ target, record, log: nullLogger }, request),
      (r) => (r.kind === 'rolled-back' ? 'success' : 'failure'),
    );
    expect(tracked.result.kind).toBe('rolled-back');
    expect(record.source).toBe('github');
    expect(target.running.get('web')).toBe('shop/web:1.0');
    const newest = gh.deployments.at(-1)!;
    expect(newest.payload).toEqual({ 'deploy-kit': { action: 'rollback', images: [{ service: 'web', image: 'shop/web:1.0' }] } });
    expect(newest.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    // 1.1 was live, and is now inactive.
    expect(gh.deployments[1]!.statuses.at(-1)!.state).toBe('inactive');
    // The local record gets the rollback, so the next run reads it first.
    expect((await local.read()).entries).toHaveLength(1);
  });

  it('a local record wins over GitHub when it has entries', async () => {
    const local = new MemoryRecord();
    await local.append({
      at: new Date().toISOString(),
      action: 'deploy-canary',
      result: 'promoted',
      services: [{ service: 'web', image: 'shop/web:0.9' }],
      previous: [],
    });
    const record = new RecordWithGitHubFallback(local, { list: () => Promise.reject(new Error('must not be asked')) }, 'production');
    expect((await record.read()).entries[0]!.services[0]!.image).toBe('shop/web:0.9');
    expect(record.source).toBe('local');
  });
});
