// GitHub Deployments through octokit against the GitHub API stand-in (responses validated against
// GitHub's OpenAPI description): create, statuses in order, the replaced one inactive, last good.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHubDeployments, lastGoodFromDeployments } from '../../../src/github/deployments.js';
import { createGitHubClient } from '../../../src/runtime/github.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-standin.js';
import { validateGitHubResponse } from '../../support/openapi.js';

const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);
const SHA3 = '3'.repeat(40);

describe('GitHub Deployments (GitHub API stand-in)', () => {
  let gh: GitHubStandIn;
  let deployments: GitHubDeployments;
  beforeAll(async () => {
    gh = await startGitHubStandIn();
    deployments = new GitHubDeployments(await createGitHubClient(gh.token, { baseUrl: gh.url }), { owner: gh.owner, repo: gh.repo });
  });
  afterEach(() => {
    expect(gh.violations).toEqual([]);
  });
  afterAll(async () => gh.stop());

  it('stand-in: creates a deployment with the images in its payload and sets statuses in order; the replaced one becomes inactive', async () => {
    const first = await deployments.create({
      ref: SHA1,
      environment: 'production',
      action: 'deploy-canary',
      images: [{ service: 'web', image: 'shop/web:1.0.0' }],
    });
    await deployments.setStatus(first, 'in_progress', { logUrl: 'https://github.example/acme/shop/actions/runs/1' });
    await deployments.setStatus(first, 'success', { environmentUrl: 'https://shop.example', logUrl: 'https://github.example/acme/shop/actions/runs/1' });
    const second = await deployments.create({
      ref: SHA2,
      environment: 'production',
      action: 'deploy-canary',
      images: [{ service: 'web', image: 'shop/web:1.1.0' }],
    });
    await deployments.setStatus(second, 'in_progress');
    await deployments.setStatus(second, 'success', { environmentUrl: 'https://shop.example' });
    expect(await deployments.markReplaced('production', second)).toBe(first);

    const [d1, d2] = gh.deployments;
    expect(d1!.statuses.map((s) => s.state)).toEqual(['in_progress', 'success', 'inactive']);
    expect(d2!.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(d1!.statuses[1]!.environmentUrl).toBe('https://shop.example');
    expect(d1!.statuses[1]!.logUrl).toBe('https://github.example/acme/shop/actions/runs/1');
    expect(d2!.payload).toEqual({ 'deploy-kit': { images: [{ service: 'web', image: 'shop/web:1.1.0' }], action: 'deploy-canary' } });
    expect(gh.requests.filter((r) => r.method === 'POST').every((r) => r.authorization === `token ${gh.token}`)).toBe(true);
  });

  it('stand-in: the last good release is the success before the current one, read back from the payloads', async () => {
    const third = await deployments.create({
      ref: SHA3,
      environment: 'production',
      action: 'deploy-canary',
      images: [{ service: 'web', image: 'shop/web:1.2.0' }],
    });
    await deployments.setStatus(third, 'in_progress');
    await deployments.setStatus(third, 'failure', { description: 'canary aborted' });
    const listed = await deployments.list('production');
    expect(listed.map((d) => d.states.at(-1))).toEqual(['failure', 'success', 'inactive']);
    // Running now: 1.1.0 (the newest success); the one before it is 1.0.0.
    expect(lastGoodFromDeployments(listed)).toMatchObject({ sha: SHA1, images: [{ service: 'web', image: 'shop/web:1.0.0' }] });
  });
});

describe('lastGoodFromDeployments', () => {
  const d = (id: number, states: string[], image?: string) => ({
    id,
    sha: String(id).repeat(40).slice(0, 40),
    environment: 'production',
    createdAt: new Date(id * 1000).toISOString(),
    payload: image ? { 'deploy-kit': { action: 'deploy-canary', images: [{ service: 'web', image }] } } : {},
    states: states as never[],
  });
  it('skips deployments without deploy-kit images and those that never succeeded', () => {
    const list = [d(5, ['in_progress', 'success'], 'web:5'), d(4, ['success']), d(3, ['failure'], 'web:3'), d(2, ['success', 'inactive'], 'web:2')];
    expect(lastGoodFromDeployments(list)?.images[0]!.image).toBe('web:2');
  });
  it('none older than the current one: undefined', () => {
    expect(lastGoodFromDeployments([d(1, ['success'], 'web:1')])).toBeUndefined();
    expect(lastGoodFromDeployments([])).toBeUndefined();
  });
  it('skips an older deployment of the images running now', () => {
    const list = [d(3, ['success'], 'web:2'), d(2, ['success'], 'web:2'), d(1, ['success'], 'web:1')];
    expect(lastGoodFromDeployments(list, [{ service: 'web', image: 'web:2' }])?.images[0]!.image).toBe('web:1');
  });
});

describe('GitHub API stand-in validation', () => {
  it('a malformed response fails validation against GitHub’s OpenAPI description (stand-in)', async () => {
    const gh = await startGitHubStandIn();
    try {
      const client = await createGitHubClient(gh.token, { baseUrl: gh.url });
      gh.corrupt = (body) => ({ ...(body as object), id: 'not-a-number', creator: { login: 42 } });
      await expect(client.rest.repos.createDeployment({ owner: gh.owner, repo: gh.repo, ref: SHA1, environment: 'x' })).rejects.toMatchObject({ status: 500 });
      expect(gh.violations).toHaveLength(1);
      expect(gh.violations[0]).toMatch(/\/id must be integer/);
    } finally {
      await gh.stop();
    }
    expect(validateGitHubResponse('get', '/repos/{owner}/{repo}/deployments', 200, [{ id: 1 }])[0]).toMatch(/must have required property/);
    expect(validateGitHubResponse('get', '/repos/{owner}/{repo}/deployments', 200, [])).toEqual([]);
  });
});
