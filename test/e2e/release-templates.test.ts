/**
 * action-templates/release.yml run end to end by the template runner, on the real local stack: images
 * built by build-push into the registry at 127.0.0.1:5000, PostgreSQL migrated by migrate-db, the backend
 * canaried on Docker Compose behind nginx with Prometheus judging, the frontend rolled out, smoke tests,
 * `latest` promoted by digest, rollback. One project's history, release after release (the tests run in
 * order and each starts from where the previous one left the stack).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCanaryStage, type CanaryStage } from '../support/compose.js';
import { ensureFixtureAppVersion, FIXTURE_APP_DIR } from '../support/fixture-app.js';
import { startLoad } from '../support/load.js';
import { loadServices } from '../support/services.js';
import { createPgDatabase, loadDbServices, type TestDatabase } from '../integration/db/databases.js';
import { runWorkflow, type WorkflowRun } from '../support/workflow-runner/runner.js';

const services = loadServices();
const registry = services.DK_REGISTRY;
// Capitals on purpose: image names must be lower case, and the template lower-cases the owner.
const owner = `DkRel${randomBytes(3).toString('hex')}`;
const repoPath = (name: string): string => `${owner.toLowerCase()}/${name}`;

let stage: CanaryStage;
let db: TestDatabase;
let dir: string;
let repo: string;
let backups: string;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
}

function dockerfile(version: string, errorRate = 0): string {
  return readFileSync(join(FIXTURE_APP_DIR, 'Dockerfile'), 'utf8')
    .replace(/^ARG BASE=.*$/m, `ARG BASE=${services.DK_BASE_NODE}`)
    .replace(/^ARG VERSION=.*$/m, `ARG VERSION=${version}`)
    .replace(/^ARG ERROR_RATE=.*$/m, `ARG ERROR_RATE=${errorRate}`);
}

const okChecks = `checks:
  - name: backend health
    url: /health
    expect: { status: 200, json: { status: ok } }
`;

/** Commits a release of the app (backend and frontend at `version`) and tags it. */
function release(tag: string, o: { migrations?: Record<string, string | null>; errorRate?: number; checks?: string } = {}): string {
  const version = tag.replace(/^v/, '');
  for (const app of ['backend', 'frontend']) {
    mkdirSync(join(repo, app), { recursive: true });
    writeFileSync(join(repo, app, 'Dockerfile'), dockerfile(app === 'backend' ? version : `fe-${version}`, app === 'backend' ? o.errorRate : 0));
    writeFileSync(join(repo, app, 'server.mjs'), readFileSync(join(FIXTURE_APP_DIR, 'server.mjs')));
  }
  mkdirSync(join(repo, 'db', 'migrations'), { recursive: true });
  for (const [file, sql] of Object.entries(o.migrations ?? {})) {
    if (sql === null) rmSync(join(repo, 'db', 'migrations', file));
    else writeFileSync(join(repo, 'db', 'migrations', file), sql);
  }
  mkdirSync(join(repo, '.deploy'), { recursive: true });
  writeFileSync(join(repo, '.deploy', 'smoke.yml'), o.checks ?? okChecks);
  git('add', '-A');
  git('commit', '-qm', `release ${tag}`);
  git('tag', tag);
  return git('rev-parse', 'HEAD');
}

async function runRelease(tag: string, sha: string): Promise<WorkflowRun> {
  const vars = {
    REGISTRY: registry,
    COMPOSE_FILE: stage.inputs['compose-file']!,
    COMPOSE_PROJECT: stage.inputs.project!,
    NGINX_UPSTREAM_FILE: stage.inputs['nginx-upstream-file']!,
    NGINX_UPSTREAM: stage.inputs['nginx-upstream']!,
    NGINX_CONFIG: stage.inputs['nginx-config']!,
    NGINX_PREFIX: stage.inputs['nginx-prefix']!,
    STABLE_ADDRESS: stage.inputs['stable-address']!,
    CANARY_PORT: stage.inputs['canary-port']!,
    PROMETHEUS_URL: stage.inputs['prometheus-url']!,
    METRIC_LABELS: stage.inputs['metric-labels']!,
    BASE_URL: stage.nginx.url,
    BACKUP_DIR: backups,
    CANARY_STEPS: '50,100',
    CANARY_INTERVAL: '3s',
    CANARY_ANALYSIS_WINDOW: '5s',
    HEALTH_TIMEOUT: '60s',
  };
  const load = startLoad(`${stage.nginx.url}/api/orders`, { rps: 30 });
  try {
    return await runWorkflow('action-templates/release.yml', {
      eventName: 'push',
      github: { ref: `refs/tags/${tag}`, ref_name: tag, ref_type: 'tag', sha, repository_owner: owner, repository: `${owner}/shop` },
      repository: repo,
      vars,
      // Pre-releases deploy to staging; here staging is the same local stack, so what is asserted is
      // which environment the job named and what it did (latest untouched).
      environments: { staging: vars, production: vars },
      secrets: { DATABASE_URL: db.url, REGISTRY_USERNAME: '', REGISTRY_PASSWORD: '', SLACK_WEBHOOK_URL: '' },
      env: { DK_COMPOSE: services.DK_COMPOSE },
      stepTimeoutMs: 240_000,
    });
  } finally {
    lastLoad = await load.stop();
  }
}

let lastLoad: Awaited<ReturnType<ReturnType<typeof startLoad>['stop']>>;

async function manifestDigest(name: string, tag: string): Promise<string | null> {
  const res = await fetch(`http://${registry}/v2/${repoPath(name)}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
      ].join(', '),
    },
  });
  return res.ok ? res.headers.get('docker-content-digest') : null;
}

async function dbVersion(): Promise<string | null> {
  const rows = await db.query<{ version: string }>(`SELECT max(version)::text AS version FROM deploy_kit_migrations`).catch(() => []);
  return rows[0]?.version ?? null;
}

function imagesOf(run: WorkflowRun): Record<string, { ref: string; digest: string }> {
  return JSON.parse(run.jobs.build!.outputs.images!) as Record<string, { ref: string; digest: string }>;
}

async function serving(): Promise<Record<string, number>> {
  return stage.nginx.sample(10);
}

const explain = (run: WorkflowRun): string =>
  [...run.log, ...run.steps.filter((s) => s.outcome === 'failure').map((s) => `--- ${s.job}/${s.id}\n${s.run?.log ?? s.output ?? ''}`)].join('\n');

describe('release.yml end to end (real registry, PostgreSQL, Compose, nginx, Prometheus)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dk-release-e2e-'));
    repo = join(dir, 'shop');
    backups = join(dir, 'backups');
    mkdirSync(backups);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    git('config', 'user.email', 'release@example.com');
    git('config', 'user.name', 'release');
    const initial = await ensureFixtureAppVersion('rel-0');
    stage = await startCanaryStage({
      stableImage: initial,
      service: 'backend',
      extra: `  frontend:\n    image: ${initial}\n    environment:\n      PORT: "8080"\n`,
    });
    db = await createPgDatabase(loadDbServices(), 'dk_rel');
  }, 300_000);

  afterAll(async () => {
    await stage?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
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
    expect(lastLoad.byStatus[500] ?? 0).toBe(0);
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
});
