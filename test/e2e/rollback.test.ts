import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../harness/run-action.js';
import { createComposeProject, ensureUnhealthyImage, serviceContainers, type TestComposeProject } from '../support/compose.js';
import { ensureFixtureAppVersion } from '../support/fixture-app.js';

interface Hook {
  url: string;
  bodies: unknown[];
  server: Server;
}

function startWebhook(): Promise<Hook> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.end('ok');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      resolve({ url: `http://127.0.0.1:${port}/services/T000/B000/s3cr3t-hook-token`, bodies, server });
    }),
  );
}

async function imageOf(p: TestComposeProject, service: string): Promise<string> {
  const [id] = await serviceContainers(p.project, service);
  const { runProgram } = await import('../../src/exec/run.js');
  return (await runProgram('docker', ['inspect', '--format', '{{.Config.Image}}|{{.State.Health.Status}}', id!])).stdout.trim();
}

describe('rollback bundle on compose (real containers)', () => {
  let v1: string;
  let v2: string;
  let p: TestComposeProject;
  let hook: Hook;
  const base = (): Record<string, string> => ({
    'compose-file': p.file,
    project: p.project,
    'compose-command': p.flavor === 'v2' ? 'docker compose' : 'docker-compose',
    'health-timeout': '60s',
  });

  beforeAll(async () => {
    [v1, v2] = await Promise.all([ensureFixtureAppVersion('rb-1'), ensureFixtureAppVersion('rb-2')]);
    p = await createComposeProject({
      image: v1,
      service: 'backend',
      extra: `  frontend:\n    image: ${v1}\n    ports:\n      - "127.0.0.1::8080"\n`,
    });
    await p.compose(['up', '-d']);
    hook = await startWebhook();
  }, 240_000);
  afterAll(async () => {
    hook?.server.close();
    await p?.down();
  });

  it('with no earlier good release says so and changes nothing', async () => {
    const before = await serviceContainers(p.project, 'backend');
    const run = await runAction('rollback', { inputs: { ...base(), services: 'backend' }, timeoutMs: 60_000 });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(/No earlier good release of backend \(now .*rb-1\) is in the deployment record .*; nothing was changed/);
    expect(await serviceContainers(p.project, 'backend')).toEqual(before);
  }, 60_000);

  it('bad input changes nothing: unknown service, to-image with to-version, a webhook that is not a URL', async () => {
    const before = await serviceContainers(p.project, 'backend');
    for (const [inputs, message] of [
      [{ services: 'backend,fronted' }, /services: service "fronted" is not defined .*Did you mean "frontend"\?/],
      [{ services: 'backend', 'to-image': v2, 'to-version': 'x' }, /Give one of to-image, to-version, not several/],
      [{ services: 'backend', 'notify-webhook': 'not a url' }, /notify-webhook is not a URL/],
      [{ services: 'backend', 'to-version': 'bad tag' }, /to-version is "bad tag"/],
    ] as const) {
      const run = await runAction('rollback', { inputs: { ...base(), ...inputs }, timeoutMs: 60_000 });
      expect(run.exitCode).toBe(1);
      expect(run.errors.join('\n')).toMatch(message);
    }
    expect(await serviceContainers(p.project, 'backend')).toEqual(before);
  }, 60_000);

  it('after a rolling deploy (backend, then frontend), rolls both back in order to the last good release, health-waited, and notifies', async () => {
    const deploy = await runAction('deploy-canary', {
      inputs: { ...base(), strategy: 'rolling', services: `backend=${v2}\nfrontend=${v2}` },
      timeoutMs: 120_000,
    });
    expect(deploy.errors).toEqual([]);
    expect(deploy.log.indexOf('Deploying backend')).toBeLessThan(deploy.log.indexOf('Deploying frontend'));
    expect(await imageOf(p, 'backend')).toBe(`${v2}|healthy`);
    expect(await imageOf(p, 'frontend')).toBe(`${v2}|healthy`);

    const run = await runAction('rollback', { inputs: { ...base(), services: 'backend\nfrontend', 'notify-webhook': hook.url }, timeoutMs: 120_000 });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs['rolled-back-to']).toBe(`backend=${v1}\nfrontend=${v1}`);
    expect(run.outputs['rolled-back-from']).toBe(`backend=${v2}\nfrontend=${v2}`);
    expect(run.outputs.database).toBe('untouched');
    expect(await imageOf(p, 'backend')).toBe(`${v1}|healthy`);
    expect(await imageOf(p, 'frontend')).toBe(`${v1}|healthy`);
    expect(run.log.indexOf('Rolling backend back')).toBeLessThan(run.log.indexOf('Rolling frontend back'));
    expect(await p.compose(['config'])).not.toContain(v2);
    // The Slack-compatible message arrived; the webhook URL (a secret) appears nowhere.
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]).toMatchObject({
      text: expect.stringContaining(`Rolled back: backend to ${v1}, frontend to ${v1}`),
      attachments: [{ color: '#ecb22e' }],
    });
    expect(run.masked).toContain(hook.url);
    const logWithoutMaskCommands = run.log.replace(/^::add-mask::.*$/gm, '');
    for (const text of [logWithoutMaskCommands, run.summary, JSON.stringify(run.outputs)]) expect(text).not.toContain('s3cr3t-hook-token');

    // Rolling back again does not bring the release it rolled back from back.
    const again = await runAction('rollback', { inputs: { ...base(), services: 'backend' }, timeoutMs: 60_000 });
    expect(again.exitCode).toBe(1);
    expect(again.errors.join('\n')).toMatch(/No earlier good release of backend/);
  }, 240_000);

  it('a target that does not become healthy: stops, records the failure, notifies it, fails', async () => {
    const sick = await ensureUnhealthyImage(v1);
    const before = hook.bodies.length;
    const run = await runAction('rollback', { inputs: { ...base(), services: 'frontend', 'to-image': sick, 'notify-webhook': hook.url }, timeoutMs: 120_000 });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(/frontend did not roll back: frontend is not healthy: its health check reports unhealthy/);
    expect(run.summary).toMatch(/Rollback failed/);
    expect(hook.bodies.slice(before)).toEqual([expect.objectContaining({ text: expect.stringContaining('Rollback of frontend FAILED') })]);
  }, 120_000);

  it('with the database: services back, the pre-migration backup restored (PostgreSQL), then the checks pass', async () => {
    const { createPgDatabase, loadDbServices, tempDir } = await import('../integration/db/databases.js');
    const { backupDatabase, parseDatabaseUrl } = await import('../../src/db/index.js');
    const db = await createPgDatabase(loadDbServices(), 'dk_rb');
    try {
      await db.query('CREATE TABLE orders (id int PRIMARY KEY, note text)');
      await db.query("INSERT INTO orders VALUES (1, 'before')");
      const backup = await backupDatabase(parseDatabaseUrl(db.url), tempDir());
      // The release: a migration after the backup, then the new backend.
      await db.query('CREATE TABLE coupons (id int)');
      await db.query("INSERT INTO orders VALUES (2, 'after')");
      const deploy = await runAction('deploy-canary', { inputs: { ...base(), strategy: 'rolling', services: `backend=${v2}` }, timeoutMs: 120_000 });
      expect(deploy.errors).toEqual([]);

      const run = await runAction('rollback', {
        inputs: {
          ...base(),
          services: 'backend',
          'database-url': db.url,
          'restore-backup': backup.path,
          checks: `- name: backend health\n  url: http://${p.stableAddress}/health\n  expect:\n    status: 200\n    json:\n      version: rb-1\n`,
        },
        timeoutMs: 120_000,
      });
      expect(run.errors).toEqual([]);
      expect(run.outputs['rolled-back-to']).toBe(v1);
      expect(run.outputs.database).toMatch(
        new RegExp(
          `^restored ${backup.path} into ${db.name} in [\\d.]+s; dropped 1 object\\(s\\) created after it: TABLE public.coupons; the state before it is kept in \\S+/${db.name}-before-restore-\\d{8}T\\d{6}Z\\.dump\\.`,
        ),
      );
      expect(JSON.parse(run.outputs.checks!)).toMatchObject({ passed: true, total: 1 });
      expect(run.summary).toMatch(/### Database/);
      // A restore is deliberate: the summary says how old the backup is and that later writes are lost.
      expect(run.summary).toMatch(
        /The backup was taken at \d{4}-\d\d-\d\dT[\d:.]+Z \((?:\d+ s|\d+ min) ago\): every write made to the database after that is lost\./,
      );
      expect(await db.query('SELECT id, note FROM orders ORDER BY id')).toEqual([{ id: 1, note: 'before' }]);
      expect(await db.query("SELECT to_regclass('coupons') AS t")).toEqual([{ t: null }]);
      expect(await imageOf(p, 'backend')).toBe(`${v1}|healthy`);
      // The database URL's password never shows.
      const password = decodeURIComponent(new URL(db.url).password);
      if (password) {
        expect(run.masked).toContain(password);
        expect(run.log.replace(/^::add-mask::.*$/gm, '')).not.toContain(password);
      }
    } finally {
      await db.drop();
    }
  }, 240_000);

  it('with the database: migrates down to to-migration-version through the down scripts (a backup first)', async () => {
    const { createPgDatabase, loadDbServices, writeMigrations } = await import('../integration/db/databases.js');
    const { applyMigrations, parseDatabaseUrl, readMigrationDirectory } = await import('../../src/db/index.js');
    const db = await createPgDatabase(loadDbServices(), 'dk_rbm');
    try {
      const dir = writeMigrations({
        'V1__orders.sql': 'CREATE TABLE orders (id int PRIMARY KEY);',
        'V2__coupons.sql': 'CREATE TABLE coupons (id int);',
        'U2__coupons.sql': 'DROP TABLE coupons;',
      });
      const target = parseDatabaseUrl(db.url);
      await applyMigrations({ target, migrations: readMigrationDirectory(dir, 'postgres'), backup: false });
      await runAction('deploy-canary', { inputs: { ...base(), strategy: 'rolling', services: `backend=${v2}` }, timeoutMs: 120_000 });
      const run = await runAction('rollback', {
        inputs: { ...base(), services: 'backend', 'database-url': db.url, 'to-migration-version': '1', migrations: dir },
        timeoutMs: 120_000,
      });
      expect(run.errors).toEqual([]);
      expect(run.outputs.database).toMatch(new RegExp(`^migrated ${db.name} from version 2 down to 1 \\(undid 2\\); backup first at .*\\.dump$`));
      expect(await db.query("SELECT to_regclass('coupons') AS t")).toEqual([{ t: null }]);
      expect(await db.query("SELECT to_regclass('orders')::text AS t")).toEqual([{ t: 'orders' }]);
    } finally {
      await db.drop();
    }
  }, 240_000);

  it('database inputs are checked before anything changes', async () => {
    const before = await serviceContainers(p.project, 'backend');
    for (const [inputs, message] of [
      [{ services: 'backend', 'restore-backup': '/nonexistent.dump' }, /restore-backup needs database-url/],
      [{ services: 'backend', 'database-url': 'postgres://u:longer-secret-pw@127.0.0.1:5432/x' }, /give restore-backup .* or to-migration-version/],
      [
        { services: 'backend', 'database-url': 'postgres://u:longer-secret-pw@127.0.0.1:5432/x', 'restore-backup': 'missing.dump' },
        /restore-backup: the file "missing.dump" does not exist/,
      ],
      [{ services: 'backend', 'database-url': 'oracle://u:longer-secret-pw@h/x', 'to-migration-version': '1' }, /database-url/],
      [{ services: 'backend', checks: '- name: x\n  url: /health\n  expect: { status: 99999 }\n' }, /checks/],
    ] as const) {
      const run = await runAction('rollback', { inputs: { ...base(), ...inputs }, timeoutMs: 60_000 });
      expect(run.exitCode, JSON.stringify(inputs)).toBe(1);
      expect(run.errors.join('\n'), JSON.stringify(inputs)).toMatch(message);
    }
    expect(await serviceContainers(p.project, 'backend')).toEqual(before);
  }, 120_000);

  it('rolls back to a given version (to-version)', async () => {
    const run = await runAction('rollback', { inputs: { ...base(), services: 'frontend', 'to-version': 'rb-2' }, timeoutMs: 120_000 });
    expect(run.errors).toEqual([]);
    expect(run.outputs['rolled-back-to']).toBe(v2);
    expect(await imageOf(p, 'frontend')).toBe(`${v2}|healthy`);
  }, 120_000);
});
