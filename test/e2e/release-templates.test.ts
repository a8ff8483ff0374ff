/**
 * action-templates/release.yml run end to end by the template runner, on the real local stack: images
 * built by build-push into the registry at 127.0.0.1:5000, PostgreSQL migrated by migrate-db, the backend
 * canaried on Docker Compose behind nginx with Prometheus judging, the frontend rolled out, smoke tests,
 * `latest` promoted by digest, rollback. One project's history, release after release (the tests run in
 * order and each starts from where the previous one left the stack).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../integration/db/databases.js';
import type { CanaryStage } from '../support/compose.js';
import { startGitHubStandIn } from '../support/github-standin.js';
import { explain, HEALTH_CHECKS, imageIn, imagesOf, ReleaseStage, type AppCommit } from '../support/release-stage.js';
import { startLoad } from '../support/load.js';
import { loadServices } from '../support/services.js';
import { runWorkflow, type WorkflowRun, type WorkflowRunOptions } from '../support/workflow-runner/runner.js';

const services = loadServices();
let s: ReleaseStage;
let stage: CanaryStage;
let db: TestDatabase;
let repo: string;
let backups: string;
let owner: string;
let registry: string;

const okChecks = HEALTH_CHECKS;
const repoPath = (name: string): string => s.repoPath(name);
const git = (...args: string[]): string => s.git(...args);
const release = (tag: string, o?: AppCommit): string => s.release(tag, o);
const commit = (version: string, o?: AppCommit): string => s.commit(version, o);
const runRelease = (tag: string, sha: string): Promise<WorkflowRun> => s.runRelease(tag, sha);
const runTemplate = (file: string, o: Partial<WorkflowRunOptions> & { eventName: string }): Promise<WorkflowRun> => s.run(file, o);
const manifestDigest = (name: string, tag: string): Promise<string | null> => s.manifestDigest(name, tag);
const dbVersion = (): Promise<string | null> => s.dbVersion();
const serving = (): Promise<Record<string, number>> => s.serving();
const stageVars = (): Record<string, string> => s.vars();
const readHistory = () => s.history();

const ORDERS_UP = 'CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, user_id BIGINT);\n';
const ORDERS_DOWN = 'DROP TABLE orders;\n';

const GATES = `gates:
  - name: backend
    checks:
      - name: backend health
        url: /health
        expect: { status: 200, json: { status: ok } }
`;

async function waitFor(ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('release.yml end to end (real registry, PostgreSQL, Compose, nginx, Prometheus)', () => {
  beforeAll(async () => {
    s = await ReleaseStage.start();
    ({ stage, db, repo, backups, owner, registry } = s);
  }, 300_000);

  afterAll(async () => {
    await s?.stop();
  });

  it('a first release: built, migrated, canaried, promoted', async () => {
    const first = await runRelease(
      'v1.0.0',
      release('v1.0.0', {
        migrations: {
          'V1__create_users.sql': 'CREATE TABLE users (id BIGSERIAL PRIMARY KEY, login TEXT NOT NULL);\n',
          'U1__create_users.sql': 'DROP TABLE users;\n',
        },
      }),
    );
    expect(first.jobs.deploy!.result, explain(first)).toBe('success');
    expect(first.jobs.deploy!.environment).toBe('production');
    expect(first.step('canary').outputs.result).toBe('promoted');
    expect(await serving()).toEqual({ '1.0.0': 10 });
  }, 900_000);

  it('a good second release: promoted, latest is the new digest, both services run it, the backup kept in BACKUP_DIR', async () => {
    const firstBackend = (await stage.project.compose(['config'])).match(/image: (\S+backend@sha256:\S+)/)?.[1];
    const sha = release('v1.1.0', {
      migrations: { 'V2__add_email.sql': 'ALTER TABLE users ADD COLUMN email TEXT;\n', 'U2__add_email.sql': 'ALTER TABLE users DROP COLUMN email;\n' },
    });
    const second = await runRelease('v1.1.0', sha);
    expect(second.jobs.deploy!.result, explain(second)).toBe('success');
    const images = imagesOf(second);
    expect(images.backend!.ref).toMatch(new RegExp(`^${registry}/${repoPath('backend')}@sha256:`));
    expect(second.step('canary').outputs).toMatchObject({ result: 'promoted', image: images.backend!.ref, 'previous-image': firstBackend });
    expect(second.step('promote').outcome).toBe('success');
    expect(await manifestDigest('backend', 'latest')).toBe(images.backend!.digest);
    expect(await manifestDigest('frontend', 'latest')).toBe(images.frontend!.digest);
    expect(await manifestDigest('backend', '1.1')).toBe(images.backend!.digest);
    expect(await serving()).toEqual({ '1.1.0': 10 });
    expect(await stage.project.compose(['config'])).toContain(images.frontend!.ref);
    expect(await dbVersion()).toBe('2');
    // The backup is kept in BACKUP_DIR, not in the job's temp dir.
    expect(second.step('migrate').outputs['backup-path']).toContain(backups);
    expect(second.ran()).not.toContain('deploy/rollback');
    expect(s.lastLoad!.byStatus[500] ?? 0).toBe(0);
  }, 900_000);

  it('a bad canary: aborted, stable still serves N with no errors, latest and the database untouched, nothing rolled back', async () => {
    const latestBefore = await manifestDigest('backend', 'latest');
    const run = await runRelease('v1.2.0', release('v1.2.0', { errorRate: 0.05 }));
    expect(run.step('canary').outputs.result, explain(run)).toBe('aborted');
    expect(run.jobs.deploy!.result).toBe('failure');
    for (const id of ['frontend', 'smoke', 'promote', 'migrate-down', 'rollback']) expect(run.step(id).outcome, id).toBe('skipped');
    expect(await serving()).toEqual({ '1.1.0': 10 });
    const after = startLoad(`${stage.nginx.url}/api/orders`, { rps: 20 });
    await new Promise((r) => setTimeout(r, 2000));
    const seen = await after.stop();
    expect(seen.byStatus[200]).toBe(seen.sent);
    expect(await manifestDigest('backend', 'latest')).toBe(latestBefore);
    expect(await dbVersion()).toBe('2');
  }, 900_000);

  it('a broken migration: migrate-db restores the database, nothing is deployed, no rollback step acts', async () => {
    const latestBefore = await manifestDigest('backend', 'latest');
    const run = await runRelease(
      'v1.3.0',
      release('v1.3.0', { migrations: { 'V3__orders.sql': 'CREATE TABLE orders (id BIGSERIAL PRIMARY KEY);\nALTER TABLE no_such_table ADD COLUMN x INT;\n' } }),
    );
    expect(run.step('migrate').outcome, explain(run)).toBe('failure');
    expect(run.ran()).toEqual(['build/build', 'deploy/migrate']);
    expect(await dbVersion()).toBe('2');
    expect(await db.query(`SELECT to_regclass('public.orders') AS t`)).toEqual([{ t: null }]);
    expect(await serving()).toEqual({ '1.1.0': 10 });
    expect(await manifestDigest('backend', 'latest')).toBe(latestBefore);
  }, 900_000);

  it('a pre-release tag: staging only, latest and the 1.x aliases untouched', async () => {
    const latestBefore = await manifestDigest('backend', 'latest');
    const run = await runRelease('v2.0.0-rc.1', release('v2.0.0-rc.1', { migrations: { 'V3__orders.sql': null } }));
    expect(run.jobs.build!.outputs.prerelease, explain(run)).toBe('true');
    expect(run.jobs.deploy!.environment).toBe('staging');
    expect(run.jobs.deploy!.result, explain(run)).toBe('success');
    expect(run.step('promote').outcome).toBe('skipped');
    expect(await manifestDigest('backend', 'latest')).toBe(latestBefore);
    expect(await manifestDigest('backend', '2')).toBeNull();
    expect(await manifestDigest('backend', '2.0.0-rc.1')).toBe(imagesOf(run).backend!.digest);
  }, 900_000);

  it('smoke tests failing after promotion: backend and frontend back to N, the database migrated down with the down files', async () => {
    const config = await stage.project.compose(['config']);
    const before = { backend: imageIn(config, 'backend'), frontend: imageIn(config, 'frontend') };
    const latestBefore = await manifestDigest('backend', 'latest');
    // 1.4.0 answers in 450 ms: within the canary's p95 < 1s, but the smoke checks want 300 ms.
    const sha = release('v1.4.0', {
      latencyMs: 450,
      migrations: { 'V3__orders.sql': ORDERS_UP, 'U3__orders.sql': ORDERS_DOWN },
      checks: `${okChecks}  - name: orders answer fast
    url: /api/orders
    expect: { status: 200, max-latency: 300ms }
`,
    });
    const run = await runRelease('v1.4.0', sha);
    expect(run.step('canary').outputs.result, explain(run)).toBe('promoted');
    expect(run.step('frontend').outcome).toBe('success');
    expect(run.step('smoke').outcome).toBe('failure');
    expect(run.step('promote').outcome).toBe('skipped');
    expect(run.step('migrate-down').outcome).toBe('skipped');
    const rolledBack = run.step('rollback');
    expect(rolledBack.outcome, explain(run)).toBe('success');
    expect(rolledBack.inputs['to-migration-version']).toBe('2');
    expect(run.jobs.deploy!.result).toBe('failure');
    const after = await stage.project.compose(['config']);
    expect({ backend: imageIn(after, 'backend'), frontend: imageIn(after, 'frontend') }).toEqual(before);
    expect(await serving()).toEqual({ '2.0.0-rc.1': 10 });
    expect(await dbVersion()).toBe('2');
    expect(await db.query(`SELECT to_regclass('public.orders') AS t`)).toEqual([{ t: null }]);
    expect(rolledBack.outputs.database).toMatch(/down to 2 \(undid 3\)/);
    expect(rolledBack.run!.summary).toContain('Rolled back');
    expect(await manifestDigest('backend', 'latest')).toBe(latestBefore);
    // The record keeps each release's database version and the backup taken before it.
    const history = readHistory();
    const promoted = history.find((e) => e.result === 'promoted' && e.services[0]!.image === imagesOf(run).backend!.ref);
    expect(promoted).toMatchObject({ databaseVersion: '3', backup: run.step('migrate').outputs['backup-path'] });
    expect(history.at(-1)).toMatchObject({ action: 'rollback', result: 'rolled-back', databaseVersion: '2' });
  }, 900_000);

  it('manual deploy of a sha- version: that commit is checked out, so its migrations run (not the branch head’s)', async () => {
    const x = commit('1.5.0-dev', {});
    await runTemplate('action-templates/release.yml', {
      eventName: 'push',
      github: { ref: 'refs/heads/main', ref_name: 'main', ref_type: 'branch', sha: x },
      jobs: ['build'],
    });
    const short = `sha-${x.slice(0, 7)}`;
    expect(await manifestDigest('backend', short)).not.toBeNull();
    // The branch moved on: its head has a migration the chosen version must not get.
    const head = commit('1.6.0-dev', { migrations: { 'V4__invoices.sql': 'CREATE TABLE invoices (id BIGSERIAL PRIMARY KEY);\n' } });
    const run = await runTemplate('action-templates/manual-deploy.yml', {
      eventName: 'workflow_dispatch',
      inputs: { environment: 'production', version: short },
      github: { ref: 'refs/heads/main', ref_name: 'main', ref_type: 'branch', sha: head },
    });
    expect(run.jobs.deploy!.result, explain(run)).toBe('success');
    expect(run.step('version').outputs.commit).toBe(x);
    expect(run.step('migrate').outputs).toMatchObject({ 'previous-version': '2', 'current-version': '3' });
    expect(await db.query(`SELECT to_regclass('public.invoices') AS t`)).toEqual([{ t: null }]);
    expect(run.step('migrate').outputs['backup-path']).toContain(backups);
    expect(run.step('canary').outputs.result).toBe('promoted');
    expect(await serving()).toEqual({ '1.5.0-dev': 10 });
    expect(imageIn(await stage.project.compose(['config']), 'frontend')).toContain(`frontend:${short}`);
    expect(run.ran()).not.toContain('deploy/rollback');
  }, 900_000);

  it('manual rollback with restore: both services back, the backup taken before the release restored, its age in the summary', async () => {
    await db.query(`INSERT INTO users (login) VALUES ('written-after-the-backup')`);
    const run = await runTemplate('action-templates/manual-rollback.yml', {
      eventName: 'workflow_dispatch',
      inputs: { environment: 'production', 'restore-backup': 'record' },
      github: { ref: 'refs/heads/main', ref_name: 'main', ref_type: 'branch', sha: git('rev-parse', 'HEAD') },
    });
    const step = run.step('rollback');
    expect(step.outcome, explain(run)).toBe('success');
    expect(await serving()).toEqual({ '2.0.0-rc.1': 10 });
    expect(imageIn(await stage.project.compose(['config']), 'frontend')).toMatch(/frontend@sha256:/);
    expect(await dbVersion()).toBe('2');
    expect(await db.query(`SELECT to_regclass('public.orders') AS t`)).toEqual([{ t: null }]);
    expect(await db.query(`SELECT login FROM users WHERE login = 'written-after-the-backup'`)).toEqual([]);
    expect(step.run!.summary).toMatch(/The backup was taken at \S+ \(\d+ (s|min) ago\): every write made to the database after that is lost\./);
    expect(step.run!.summary).toContain(backups);
    expect(run.step('Report').output).toContain('rolled back from');
  }, 900_000);

  it('stand-in (GitHub issues): scheduled checks on schedule, RED while the backend is down, GREEN once it is back', async () => {
    const gh = await startGitHubStandIn({ owner: owner.toLowerCase(), repo: 'shop' });
    try {
      writeFileSync(join(repo, '.deploy', 'gates.yml'), GATES);
      git('add', '-A');
      git('commit', '-qm', 'gates');
      const scheduled = (): Promise<WorkflowRun> =>
        runWorkflow('action-templates/scheduled-checks.yml', {
          eventName: 'schedule',
          repository: repo,
          vars: stageVars(),
          secrets: { SLACK_WEBHOOK_URL: '' },
          github: { sha: git('rev-parse', 'HEAD'), token: gh.token, repository: `${gh.owner}/${gh.repo}`, repository_owner: gh.owner },
          env: { GITHUB_API_URL: gh.url, DK_COMPOSE: services.DK_COMPOSE },
        });
      await stage.project.compose(['stop', 'backend']);
      const red = await scheduled();
      expect(red.steps.find((s) => s.action === 'verify-gates')!.outputs.status, explain(red)).toBe('RED');
      expect(gh.issues).toHaveLength(1);
      expect(gh.issues[0]).toMatchObject({ state: 'open' });
      await stage.project.compose(['start', 'backend']);
      await waitFor(async () => (await fetch(`${stage.nginx.url}/health`).catch(() => undefined))?.status === 200);
      const green = await scheduled();
      const gates = green.steps.find((s) => s.action === 'verify-gates')!;
      expect(gates.outputs.status, explain(green)).toBe('GREEN');
      expect(green.jobs.gates!.result).toBe('success');
      expect(gh.issues[0]!.state).toBe('closed');
      expect(gh.violations).toEqual([]);
      // The runner consumes ::add-mask:: lines (the token is registered there); everything a user sees must not hold it.
      const visible = (r: WorkflowRun): string => JSON.stringify(r.steps.map((x) => [x.run?.log.replace(/^::add-mask::.*$/gm, ''), x.run?.summary, x.outputs]));
      for (const r of [red, green]) expect(visible(r)).not.toContain(gh.token);
    } finally {
      await gh.stop();
    }
  }, 900_000);
});
