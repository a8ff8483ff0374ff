/**
 * `npm run demo`: the whole release story, on this machine, by running action-templates/release.yml
 * through the template runner against real services (the registry at 127.0.0.1:5000, PostgreSQL,
 * Docker Compose, nginx, Prometheus). Three tags of one shop:
 *   v1.0.0  good: built, migrated (backup first), canaried, smoke-tested, `latest` moved by digest;
 *   v1.1.0  bad canary (5 % errors): caught by Prometheus, aborted, traffic back on 1.0.0;
 *   v1.2.0  slow: passes the canary, fails the smoke tests after promotion → both services rolled
 *           back to 1.0.0 and the database migrated down with the down files.
 * Each step's job summary is written as Markdown under `out`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowRun } from '../support/workflow-runner/runner.js';
import { explain, HEALTH_CHECKS, imagesOf, ReleaseStage } from '../support/release-stage.js';

export interface StoryOptions {
  /** Where the job summaries go (one Markdown file per step that wrote one). */
  out: string;
  narrate: (line: string) => void;
  /** Called with the URLs before the stack is stopped (`--keep` waits there). */
  beforeStop?: (urls: Record<string, string>) => Promise<void>;
}

export interface StoryResult {
  summaries: string[];
  /** What each act ended with, checked (a failed expectation throws). */
  acts: Array<{ tag: string; outcome: string }>;
}

const USERS = 'CREATE TABLE users (id BIGSERIAL PRIMARY KEY, login TEXT NOT NULL);\n';
const ORDERS = 'CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL);\n';

export async function releaseStory(options: StoryOptions): Promise<StoryResult> {
  const { narrate, out } = options;
  const summaries: string[] = [];
  const acts: StoryResult['acts'] = [];
  mkdirSync(out, { recursive: true });
  const check = (ok: boolean, what: string, run?: WorkflowRun): void => {
    if (!ok) throw new Error(`demo: expected ${what}${run ? `\n${explain(run)}` : ''}`);
  };
  const keepSummaries = (tag: string, run: WorkflowRun): void => {
    for (const step of run.steps) {
      const summary = step.run?.summary.trim();
      if (!summary) continue;
      const file = join(out, `${tag}-${step.job}-${step.id}.md`);
      writeFileSync(file, `${summary}\n`);
      summaries.push(file);
    }
  };
  const steps = (run: WorkflowRun): string =>
    run.steps
      .filter((s) => s.kind === 'deploy-kit' || s.outcome !== 'skipped')
      .map((s) => `${s.id}:${s.outcome}`)
      .join(' ');

  narrate('Starting the stage: a Compose project (backend + frontend) behind nginx, Prometheus scraping it, a PostgreSQL database.');
  const stage = await ReleaseStage.start();
  try {
    narrate(`  nginx ${stage.stage.nginx.url} · Prometheus ${stage.stage.prometheus.url} · registry ${stage.registry} · backups in ${stage.backups}`);

    // Act 1: a good release.
    narrate('');
    narrate('v1.0.0 — a good release (action-templates/release.yml on a push of the tag)');
    const first = await stage.runRelease('v1.0.0', stage.release('v1.0.0', { migrations: { 'V1__users.sql': USERS, 'U1__users.sql': 'DROP TABLE users;\n' } }));
    keepSummaries('v1.0.0', first);
    check(first.jobs.deploy!.result === 'success', 'v1.0.0 to be released', first);
    const images = imagesOf(first);
    narrate(`  build-push: backend and frontend built and pushed (${images.backend!.ref})`);
    narrate(
      `  migrate-db: database at version ${first.step('migrate').outputs['current-version']}, backup first at ${first.step('migrate').outputs['backup-path'] || '(none: empty database)'}`,
    );
    narrate(`  deploy-canary: backend canary 50 % → 100 %, Prometheus judged it: ${first.step('canary').outputs.result}; frontend rolled out`);
    narrate(
      `  smoke-test: ${first.step('smoke').outcome}; latest → ${(await stage.manifestDigest('backend', 'latest'))?.slice(0, 19)}… (the built digest, no rebuild)`,
    );
    check((await stage.manifestDigest('backend', 'latest')) === images.backend!.digest, 'latest to be the v1.0.0 digest');
    check(JSON.stringify(await stage.serving()) === JSON.stringify({ '1.0.0': 10 }), 'nginx to serve 1.0.0');
    acts.push({ tag: 'v1.0.0', outcome: 'promoted' });

    // Act 2: a bad canary.
    narrate('');
    narrate('v1.1.0 — a release that answers 5 % of requests with 500');
    const latest = await stage.manifestDigest('backend', 'latest');
    const bad = await stage.runRelease('v1.1.0', stage.release('v1.1.0', { errorRate: 0.05 }));
    keepSummaries('v1.1.0', bad);
    check(bad.step('canary').outputs.result === 'aborted', 'the v1.1.0 canary to be aborted', bad);
    const serving = await stage.serving();
    narrate(`  deploy-canary: ${bad.step('canary').run?.errors[0] ?? 'aborted'}`);
    narrate(`  traffic back on stable: nginx serves ${JSON.stringify(serving)}; latest unchanged; the database left as it is`);
    narrate(`  no rollback, no restore: ${steps(bad)}`);
    check(JSON.stringify(serving) === JSON.stringify({ '1.0.0': 10 }), 'stable 1.0.0 to serve everything after the abort');
    check((await stage.manifestDigest('backend', 'latest')) === latest, 'latest to be untouched');
    acts.push({ tag: 'v1.1.0', outcome: 'aborted' });

    // Act 3: a failure after promotion.
    narrate('');
    narrate('v1.2.0 — adds a table, answers in 450 ms: fine for the canary (p95 < 1 s), too slow for the smoke tests (300 ms)');
    const slow = await stage.runRelease(
      'v1.2.0',
      stage.release('v1.2.0', {
        latencyMs: 450,
        migrations: { 'V2__orders.sql': ORDERS, 'U2__orders.sql': 'DROP TABLE orders;\n' },
        checks: `${HEALTH_CHECKS}  - name: orders answer fast\n    url: /api/orders\n    expect: { status: 200, max-latency: 300ms }\n`,
      }),
    );
    keepSummaries('v1.2.0', slow);
    check(slow.step('canary').outputs.result === 'promoted' && slow.step('smoke').outcome === 'failure', 'v1.2.0 promoted, then failing its smoke tests', slow);
    narrate(
      `  migrate-db: ${slow.step('migrate').outputs['previous-version']} → ${slow.step('migrate').outputs['current-version']}; canary ${slow.step('canary').outputs.result}; smoke-test: ${slow.step('smoke').run?.errors[0] ?? 'failed'}`,
    );
    const rolledBack = slow.step('rollback');
    check(rolledBack.outcome === 'success', 'the rollback to succeed', slow);
    narrate(`  rollback: backend and frontend back to 1.0.0; database: ${rolledBack.outputs.database}`);
    const after = await stage.serving();
    const version = await stage.dbVersion();
    narrate(`  now: nginx serves ${JSON.stringify(after)}, database at version ${version}, latest still 1.0.0`);
    check(JSON.stringify(after) === JSON.stringify({ '1.0.0': 10 }) && version === '1', 'the app on 1.0.0 and the database at version 1');
    check((await stage.manifestDigest('backend', 'latest')) === latest, 'latest to be untouched');
    acts.push({ tag: 'v1.2.0', outcome: 'rolled back' });

    await options.beforeStop?.({
      nginx: stage.stage.nginx.url,
      prometheus: stage.stage.prometheus.url,
      registry: `http://${stage.registry}/v2/_catalog`,
      database: withoutPassword(stage.db.url),
    });
  } finally {
    narrate('');
    narrate('Stopping the stage (Compose project, nginx, Prometheus, the database).');
    await stage.stop();
  }
  return { summaries, acts };
}

function withoutPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
