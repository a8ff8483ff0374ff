// The commit's state on GitHub, read through octokit from the GitHub API stand-in (answers
// validated against GitHub's OpenAPI description), judged by the gates' pure rules.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommitState } from '../../../src/github/commit-state.js';
import { judgeGitHub } from '../../../src/gates/judge.js';
import type { GitHubCondition } from '../../../src/gates/types.js';
import { createGitHubClient } from '../../../src/runtime/github.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../support/github-standin.js';

const SHA = 'ab'.repeat(20);
const RUN = 'https://github.example/acme/shop/actions/runs/99';
const cond = (github: GitHubCondition['github']): GitHubCondition => ({ kind: 'github', name: 'x', label: 'x', github });

describe('commit state (GitHub API stand-in)', () => {
  let gh: GitHubStandIn;
  let state: CommitState;
  beforeAll(async () => {
    gh = await startGitHubStandIn();
    state = new CommitState(await createGitHubClient(gh.token, { baseUrl: gh.url }), { owner: gh.owner, repo: gh.repo });
  });
  afterEach(() => expect(gh.violations).toEqual([]));
  afterAll(async () => gh.stop());

  it('stand-in: approvals count each reviewer’s latest review; a commit without a PR has none', async () => {
    gh.pulls = [
      {
        number: 5,
        mergeCommitSha: SHA,
        reviews: [
          { user: 'ana', state: 'CHANGES_REQUESTED' },
          { user: 'ana', state: 'APPROVED' },
          { user: 'bo', state: 'APPROVED' },
          { user: 'bo', state: 'COMMENTED' },
          { user: 'cy', state: 'APPROVED' },
          { user: 'cy', state: 'DISMISSED' },
        ],
      },
    ];
    expect(await state.approvals(SHA)).toMatchObject({ number: 5, approvedBy: ['ana', 'bo'] });
    expect(await state.approvals('f'.repeat(40))).toBeUndefined();
  });

  it('stand-in: checks green leaves out this run’s own jobs; a pending or failed one is RED', async () => {
    gh.checkRuns[SHA] = [
      { name: 'ci/test', status: 'completed', conclusion: 'success' },
      { name: 'ci/lint', status: 'completed', conclusion: 'skipped' },
      { name: 'verify-gates', status: 'in_progress', htmlUrl: `${RUN}/job/1` },
    ];
    gh.statuses[SHA] = [{ context: 'deploy/preview', state: 'success' }];
    const checks = await state.checks(SHA, { excludeRunUrl: RUN });
    expect(checks.map((c) => c.name)).toEqual(['ci/test', 'ci/lint', 'deploy/preview']);
    expect(judgeGitHub(cond({ rule: 'checks' }), { rule: 'checks', checks, sha: SHA }).verdict).toBe('pass');
    gh.statuses[SHA] = [{ context: 'deploy/preview', state: 'pending' }];
    const again = await state.checks(SHA, { excludeRunUrl: RUN });
    expect(judgeGitHub(cond({ rule: 'checks' }), { rule: 'checks', checks: again, sha: SHA }).reason).toBe('not green: deploy/preview (pending)');
  });

  it('stand-in: open Dependabot alerts only; a critical one is RED under max-severity high', async () => {
    gh.dependabot = [
      { number: 1, severity: 'critical', rule: 'lodash' },
      { number: 2, severity: 'critical', state: 'fixed' },
      { number: 3, severity: 'medium' },
    ];
    const alerts = await state.dependabotAlerts();
    expect(alerts.map((a) => a.number)).toEqual([1, 3]);
    const r = judgeGitHub(cond({ rule: 'dependabot', maxSeverity: 'high' }), { rule: 'dependabot', alerts });
    expect(r.verdict).toBe('fail');
    expect(r.reason).toContain('#1 critical lodash');
  });

  it('stand-in: an environment that is missing, or that this run waits on, is not satisfied', async () => {
    gh.environments = ['production'];
    expect(await state.environment('staging', '99')).toEqual({ exists: false, waiting: false });
    expect(await state.environment('production', '99')).toEqual({ exists: true, waiting: false });
    gh.pendingDeployments['99'] = ['production'];
    expect(await state.environment('production', '99')).toEqual({ exists: true, waiting: true });
  });

  it('stand-in: a wrong token is refused by the stand-in as GitHub would (401)', async () => {
    const bad = new CommitState(await createGitHubClient('ghs_wrong', { baseUrl: gh.url }), { owner: gh.owner, repo: gh.repo });
    await expect(bad.codeScanningAlerts()).rejects.toMatchObject({ status: 401 });
  });
});
