/**
 * A project released with deploy-kit's own templates on this machine: a git repository of a shop
 * (backend and frontend images of the fixture app, db/migrations, .deploy/smoke.yml), a Compose
 * project behind nginx with Prometheus scraping it, a PostgreSQL database and a BACKUP_DIR — and the
 * template runner to run action-templates/*.yml against all of it. Used by the template e2e tests and
 * by `npm run demo`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RecordEntry } from '../../src/record/history.js';
import { createPgDatabase, loadDbServices, type TestDatabase } from '../integration/db/databases.js';
import { startCanaryStage, type CanaryStage } from './compose.js';
import { ensureFixtureAppVersion, FIXTURE_APP_DIR } from './fixture-app.js';
import { startLoad, type LoadResult } from './load.js';
import { loadServices, type ServicesEnv } from './services.js';
import { runWorkflow, type WorkflowRun, type WorkflowRunOptions } from './workflow-runner/runner.js';

export const HEALTH_CHECKS = `checks:
  - name: backend health
    url: /health
    expect: { status: 200, json: { status: ok } }
`;

export interface AppCommit {
  migrations?: Record<string, string | null>;
  /** Fraction of the backend's /api requests answered 500. */
  errorRate?: number;
  /** Delay on every backend /api request, ms. */
  latencyMs?: number;
  /** .deploy/smoke.yml (default: HEALTH_CHECKS). */
  checks?: string;
  files?: Record<string, string>;
}

export class ReleaseStage {
  readonly services: ServicesEnv = loadServices();
  readonly registry = this.services.DK_REGISTRY;
  /** Capitals on purpose: image names must be lower case, and the templates lower-case the owner. */
  readonly owner = `DkRel${randomBytes(3).toString('hex')}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'dk-release-'));
  readonly repo = join(this.dir, 'shop');
  readonly backups = join(this.dir, 'backups');
  stage!: CanaryStage;
  db!: TestDatabase;
  /** What the load sent during the last template run. */
  lastLoad?: LoadResult;

  static async start(): Promise<ReleaseStage> {
    const s = new ReleaseStage();
    mkdirSync(s.backups);
    execFileSync('git', ['init', '-q', '-b', 'main', s.repo]);
    s.git('config', 'user.email', 'release@example.com');
    s.git('config', 'user.name', 'release');
    const initial = await ensureFixtureAppVersion('rel-0');
    s.stage = await startCanaryStage({
      stableImage: initial,
      service: 'backend',
      extra: `  frontend:\n    image: ${initial}\n    environment:\n      PORT: "8080"\n`,
    });
    s.db = await createPgDatabase(loadDbServices(), 'dk_rel');
    return s;
  }

  async stop(): Promise<void> {
    await this.stage?.stop();
    await this.db?.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  repoPath(name: string): string {
    return `${this.owner.toLowerCase()}/${name}`;
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.repo, encoding: 'utf8' }).trim();
  }

  private dockerfile(version: string, errorRate = 0, latencyMs = 0): string {
    return (
      readFileSync(join(FIXTURE_APP_DIR, 'Dockerfile'), 'utf8')
        .replace(/^ARG BASE=.*$/m, `ARG BASE=${this.services.DK_BASE_NODE}`)
        .replace(/^ARG VERSION=.*$/m, `ARG VERSION=${version}`)
        .replace(/^ARG ERROR_RATE=.*$/m, `ARG ERROR_RATE=${errorRate}`)
        .replace(/^ARG LATENCY_MS=.*$/m, `ARG LATENCY_MS=${latencyMs}`)
        // Generous health-check margins: on a loaded machine a 2 s wget times out and the canary never starts.
        .replace(/--timeout=\S+ --start-period=\S+ --retries=\d+/, '--timeout=10s --start-period=20s --retries=10')
    );
  }

  /** Commits the app (backend at `version`, frontend at fe-`version`), its migrations and checks; returns the commit. */
  commit(version: string, o: AppCommit = {}): string {
    const { repo } = this;
    for (const app of ['backend', 'frontend']) {
      mkdirSync(join(repo, app), { recursive: true });
      const backend = app === 'backend';
      writeFileSync(join(repo, app, 'Dockerfile'), this.dockerfile(backend ? version : `fe-${version}`, backend ? o.errorRate : 0, backend ? o.latencyMs : 0));
      writeFileSync(join(repo, app, 'server.mjs'), readFileSync(join(FIXTURE_APP_DIR, 'server.mjs')));
    }
    mkdirSync(join(repo, 'db', 'migrations'), { recursive: true });
    for (const [file, sql] of Object.entries(o.migrations ?? {})) {
      if (sql === null) rmSync(join(repo, 'db', 'migrations', file));
      else writeFileSync(join(repo, 'db', 'migrations', file), sql);
    }
    mkdirSync(join(repo, '.deploy'), { recursive: true });
    writeFileSync(join(repo, '.deploy', 'smoke.yml'), o.checks ?? HEALTH_CHECKS);
    for (const [file, text] of Object.entries(o.files ?? {})) writeFileSync(join(repo, file), text);
    this.git('add', '-A');
    this.git('commit', '-qm', `app ${version}`);
    return this.git('rev-parse', 'HEAD');
  }

  /** Commits a release and tags it `tag` (v1.2.3). */
  release(tag: string, o: AppCommit = {}): string {
    const sha = this.commit(tag.replace(/^v/, ''), o);
    this.git('tag', tag);
    return sha;
  }

  /** The variables the templates read, pointing at this stage (short canary steps). */
  vars(): Record<string, string> {
    const { inputs, nginx } = this.stage;
    return {
      REGISTRY: this.registry,
      COMPOSE_FILE: inputs['compose-file']!,
      COMPOSE_PROJECT: inputs.project!,
      NGINX_UPSTREAM_FILE: inputs['nginx-upstream-file']!,
      NGINX_UPSTREAM: inputs['nginx-upstream']!,
      NGINX_CONFIG: inputs['nginx-config']!,
      NGINX_PREFIX: inputs['nginx-prefix']!,
      STABLE_ADDRESS: inputs['stable-address']!,
      CANARY_PORT: inputs['canary-port']!,
      PROMETHEUS_URL: inputs['prometheus-url']!,
      METRIC_LABELS: inputs['metric-labels']!,
      BASE_URL: nginx.url,
      BACKUP_DIR: this.backups,
      CANARY_STEPS: '50,100',
      CANARY_INTERVAL: '3s',
      CANARY_ANALYSIS_WINDOW: '5s',
      HEALTH_TIMEOUT: '180s',
    };
  }

  /** Runs a template against the stage, with traffic on the backend (the canary's analysis needs it). */
  async run(file: string, o: Partial<WorkflowRunOptions> & { eventName: string }): Promise<WorkflowRun> {
    const vars = this.vars();
    const load = startLoad(`${this.stage.nginx.url}/api/orders`, { rps: 30 });
    try {
      return await runWorkflow(file, {
        repository: this.repo,
        vars,
        // Pre-releases deploy to staging; here staging is the same local stack.
        environments: { staging: vars, production: vars },
        secrets: { DATABASE_URL: this.db.url, REGISTRY_USERNAME: '', REGISTRY_PASSWORD: '', SLACK_WEBHOOK_URL: '' },
        env: { DK_COMPOSE: this.services.DK_COMPOSE },
        stepTimeoutMs: 240_000,
        ...o,
        github: { repository_owner: this.owner, repository: `${this.owner}/shop`, ...o.github },
      });
    } finally {
      this.lastLoad = await load.stop();
    }
  }

  /** action-templates/release.yml on a push of `tag` at `sha`. */
  runRelease(tag: string, sha: string): Promise<WorkflowRun> {
    return this.run('action-templates/release.yml', { eventName: 'push', github: { ref: `refs/tags/${tag}`, ref_name: tag, ref_type: 'tag', sha } });
  }

  async manifestDigest(name: string, tag: string): Promise<string | null> {
    const res = await fetch(`http://${this.registry}/v2/${this.repoPath(name)}/manifests/${tag}`, {
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

  async dbVersion(): Promise<string | null> {
    const rows = await this.db.query<{ version: string }>(`SELECT max(version)::text AS version FROM deploy_kit_migrations`).catch(() => []);
    return rows[0]?.version ?? null;
  }

  /** Which version answers, over `n` requests through nginx. */
  serving(n = 10): Promise<Record<string, number>> {
    return this.stage.nginx.sample(n);
  }

  /** The image Compose runs for `service`. */
  async imageOf(service: string): Promise<string | undefined> {
    return imageIn(await this.stage.project.compose(['config']), service);
  }

  history(): RecordEntry[] {
    const { inputs } = this.stage;
    const path = join(dirname(inputs['compose-file']!), '.deploy-kit', `${inputs.project}.history.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { entries: RecordEntry[] }).entries;
  }
}

/** The image `service` runs in the output of `docker compose config`. */
export function imageIn(config: string, service: string): string | undefined {
  const block = config.split(/\n {2}(?=\S)/).find((b) => b.startsWith(`${service}:`));
  return block?.match(/\n\s+image: (\S+)/)?.[1];
}

/** The images build-push reported ({name: {ref, digest}}). */
export function imagesOf(run: WorkflowRun): Record<string, { ref: string; digest: string }> {
  return JSON.parse(run.jobs.build!.outputs.images!) as Record<string, { ref: string; digest: string }>;
}

/** The run log and each failed step's log, for an assertion message. */
export const explain = (run: WorkflowRun): string =>
  [...run.log, ...run.steps.filter((s) => s.outcome === 'failure').map((s) => `--- ${s.job}/${s.id}\n${s.run?.log ?? s.output ?? ''}`)].join('\n');
