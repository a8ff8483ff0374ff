// withGitHubDeployment with an in-memory recorder: statuses in order, the replaced one inactive,
// failures recorded, and GitHub trouble never failing the release.
import { describe, expect, it } from 'vitest';
import type { DeploymentState } from '../../../src/github/deployments.js';
import { withGitHubDeployment, type DeploymentRecorder } from '../../../src/release/github-deployment.js';

class FakeRecorder implements DeploymentRecorder {
  log: string[] = [];
  failCreate = false;
  private next = 10;
  private latest = new Map<number, DeploymentState>([[1, 'success']]);
  async create(o: { environment: string; images: Array<{ image: string }> }): Promise<number> {
    if (this.failCreate) throw new Error('Resource not accessible by integration');
    const id = this.next++;
    this.log.push(`create ${id} ${o.environment} ${o.images.map((i) => i.image).join(',')}`);
    return id;
  }
  async setStatus(id: number, state: DeploymentState): Promise<void> {
    this.latest.set(id, state);
    this.log.push(`${id} ${state}`);
  }
  async markReplaced(_env: string, current: number): Promise<number | undefined> {
    const live = [...this.latest].find(([id, s]) => id !== current && s === 'success')?.[0];
    if (live !== undefined) await this.setStatus(live, 'inactive');
    return live;
  }
}

const deployment = { ref: 'abc', environment: 'production', action: 'deploy-canary', images: [{ service: 'web', image: 'web:2' }], logUrl: 'https://run' };

describe('withGitHubDeployment (fakes)', () => {
  it('a release that succeeds: created, in_progress, success, and the one it replaced inactive', async () => {
    const rec = new FakeRecorder();
    const out = await withGitHubDeployment(
      rec,
      deployment,
      async () => 'promoted',
      (r) => (r === 'promoted' ? 'success' : 'failure'),
    );
    expect(rec.log).toEqual(['create 10 production web:2', '10 in_progress', '10 success', '1 inactive']);
    expect(out).toMatchObject({ result: 'promoted', deploymentId: 10, replaced: 1 });
  });
  it('a release that ends badly (aborted canary) is a failure; the live one stays', async () => {
    const rec = new FakeRecorder();
    await withGitHubDeployment(
      rec,
      deployment,
      async () => 'aborted',
      (r) => (r === 'promoted' ? 'success' : 'failure'),
    );
    expect(rec.log).toEqual(['create 10 production web:2', '10 in_progress', '10 failure']);
  });
  it('a release that throws records failure and rethrows', async () => {
    const rec = new FakeRecorder();
    await expect(
      withGitHubDeployment(
        rec,
        deployment,
        () => Promise.reject(new Error('compose up failed')),
        () => 'success' as const,
      ),
    ).rejects.toThrow('compose up failed');
    expect(rec.log.at(-1)).toBe('10 failure');
  });
  it('a paused canary stays in_progress', async () => {
    const rec = new FakeRecorder();
    await withGitHubDeployment(
      rec,
      deployment,
      async () => 'paused',
      () => 'pending',
    );
    expect(rec.log).toEqual(['create 10 production web:2', '10 in_progress']);
  });
  it('GitHub refusing the deployment is a warning; the release still runs', async () => {
    const rec = new FakeRecorder();
    rec.failCreate = true;
    let ran = false;
    const out = await withGitHubDeployment(
      rec,
      deployment,
      async () => (ran = true),
      () => 'success' as const,
    );
    expect(ran).toBe(true);
    expect(out.warning).toMatch(/could not create the deployment: Resource not accessible/);
  });
});
