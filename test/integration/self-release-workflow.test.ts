/**
 * deploy-kit's own .github/workflows/release.yml, run by the template runner on a git repository of
 * this machine. `gh` (the GitHub CLI: the GitHub API) is a stand-in that records what it was asked;
 * `npm` and `sudo` are recorders too (the build and the test suite are not what is tested here: which
 * commit they run at is). Tags are pushed for real, into the repository the job checked out from.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkflow, type WorkflowRun } from '../support/workflow-runner/runner.js';

let dir: string;
let repo: string;
let bin: string;
let calls: string;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
}

/** A recorder on PATH: appends `name args… @ HEAD-commit` to the calls file. */
function recorder(name: string, body = ''): void {
  const path = join(bin, name);
  writeFileSync(path, `#!/usr/bin/env bash\necho "${name} $* @ $(git rev-parse HEAD 2>/dev/null)" >> "${calls}"\n${body}\n`);
  chmodSync(path, 0o755);
}

function commitFile(name: string, text: string, message: string): string {
  writeFileSync(join(repo, name), text);
  git('add', '-A');
  git('commit', '-qm', message);
  return git('rev-parse', 'HEAD');
}

async function release(o: { tag?: string; dispatch?: string; head?: string; staleDist?: boolean }): Promise<{ run: WorkflowRun; calls: string[] }> {
  writeFileSync(calls, '');
  // `npm run build` leaves dist as committed, unless the test wants it stale.
  recorder('npm', o.staleDist ? 'if [ "$1 $2" = "run build" ]; then echo rebuilt > dist/index.js; fi' : '');
  const run = await runWorkflow('.github/workflows/release.yml', {
    eventName: o.dispatch ? 'workflow_dispatch' : 'push',
    inputs: o.dispatch ? { tag: o.dispatch } : {},
    github: o.dispatch
      ? { ref: 'refs/heads/main', ref_name: 'main', ref_type: 'branch', sha: o.head }
      : { ref: `refs/tags/${o.tag}`, ref_name: o.tag, ref_type: 'tag', sha: git('rev-parse', `${o.tag}^{commit}`), token: 'ghs_standin' },
    repository: repo,
    env: { PATH: `${bin}:${process.env.PATH}` },
  });
  return { run, calls: readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean) };
}

const tagCommit = (tag: string): string | undefined => {
  try {
    return git('rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`);
  } catch {
    return undefined;
  }
};

describe('.github/workflows/release.yml (deploy-kit’s own release; gh is a stand-in)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dk-self-release-'));
    repo = join(dir, 'deploy-kit');
    bin = join(dir, 'bin');
    calls = join(dir, 'calls');
    mkdirSync(bin);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    git('config', 'user.email', 'dev@example.com');
    git('config', 'user.name', 'dev');
    // The release pushes the moving tags into the repository it was cloned from (this one).
    git('config', 'receive.denyCurrentBranch', 'ignore');
    mkdirSync(join(repo, 'dist'));
    commitFile('dist/index.js', 'built\n', 'first');
    // gh: `release view` finds no release; `release create` is recorded.
    recorder('gh', 'if [ "$1 $2" = "release view" ]; then exit 1; fi');
    recorder('sudo');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stand-in: tag v1.2.0 → tests and dist at the tag’s commit, a release with generated notes, v1 and v1.2 moved to it', async () => {
    const commit = commitFile('a.txt', '1.2.0\n', 'feature');
    git('tag', '-a', 'v1.2.0', '-m', 'v1.2.0');
    const { run, calls: seen } = await release({ tag: 'v1.2.0' });
    expect(run.jobs.check!.result, run.log.join('\n')).toBe('success');
    expect(run.jobs.check!.outputs).toEqual({ prerelease: 'false', commit });
    expect(seen).toContain(`npm ci @ ${commit}`);
    expect(seen).toContain(`npm run build @ ${commit}`);
    expect(seen).toContain(`sudo --preserve-env=PATH,CI bash .ci/run @ ${commit}`);
    expect(run.jobs.release!.result, run.log.join('\n')).toBe('success');
    expect(seen).toContain(`gh release create v1.2.0 --verify-tag --generate-notes --latest @ ${commit}`);
    expect(tagCommit('v1')).toBe(commit);
    expect(tagCommit('v1.2')).toBe(commit);
  }, 120_000);

  it('stand-in: a pre-release tag gets a pre-release and moves nothing', async () => {
    const v1 = tagCommit('v1');
    commitFile('a.txt', '2.0.0-rc.1\n', 'breaking');
    git('tag', 'v2.0.0-rc.1');
    const { run, calls: seen } = await release({ tag: 'v2.0.0-rc.1' });
    expect(run.jobs.check!.outputs.prerelease, run.log.join('\n')).toBe('true');
    expect(seen.find((c) => c.startsWith('gh release create'))).toMatch(/^gh release create v2\.0\.0-rc\.1 --verify-tag --generate-notes --prerelease @/);
    expect(run.step('Move v1 and v1.Y to the release').outcome).toBe('skipped');
    expect(tagCommit('v2')).toBeUndefined();
    expect(tagCommit('v1')).toBe(v1);
  }, 120_000);

  it('stand-in: workflow_dispatch of an existing tag checks and moves the tag’s commit, not the branch head', async () => {
    const tagged = tagCommit('v1.2.0')!;
    const head = commitFile('a.txt', 'later\n', 'later work on main');
    git('tag', '-f', 'v1', head); // as if v1 had been moved wrongly
    const { run, calls: seen } = await release({ dispatch: 'v1.2.0', head });
    expect(run.jobs.check!.outputs.commit, run.log.join('\n')).toBe(tagged);
    expect(seen).toContain(`npm run build @ ${tagged}`);
    expect(seen.some((c) => c.endsWith(`@ ${head}`) && c.startsWith('npm'))).toBe(false);
    expect(tagCommit('v1')).toBe(tagged);
    expect(tagCommit('v1.2')).toBe(tagged);
  }, 120_000);

  it('stand-in: stale dist at the tag fails the check; no release, no tag moved', async () => {
    commitFile('a.txt', '1.3.0\n', 'fix');
    git('tag', 'v1.3.0');
    const v1 = tagCommit('v1');
    const { run, calls: seen } = await release({ tag: 'v1.3.0', staleDist: true });
    expect(run.jobs.check!.result).toBe('failure');
    expect(run.step('Check dist is what the source at the tag builds to').output).toContain('dist/ is stale at v1.3.0');
    expect(run.jobs.release!.result).toBe('skipped');
    expect(seen.some((c) => c.startsWith('gh release create'))).toBe(false);
    expect(tagCommit('v1')).toBe(v1);
  }, 120_000);

  it('refuses a tag that is not a version', async () => {
    commitFile('a.txt', 'x\n', 'x');
    git('tag', 'release-7');
    const { run, calls: seen } = await release({ tag: 'release-7' });
    expect(run.step('tag').outcome).toBe('failure');
    expect(run.step('tag').output).toContain('release tag must look like v1.2.3');
    expect(seen.some((c) => c.startsWith('gh'))).toBe(false);
  }, 120_000);
});
