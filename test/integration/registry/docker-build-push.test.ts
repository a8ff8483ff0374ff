// Real engine, real registry: build the fixture images with the classic builder, push every tag,
// and check what a user would: the registry's digest, and what the built image prints when run.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planImages, runImages, type ImagePlan, type RunDeps } from '../../../src/registry/build-push.js';
import { RegistryClient } from '../../../src/registry/distribution.js';
import { DockerCli } from '../../../src/registry/docker.js';
import { resolveImages } from '../../../src/registry/images-config.js';
import { promoteTag } from '../../../src/registry/promote.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { loadServices, type ServicesEnv } from '../../support/services.js';
import { fixtures, registryDigest, removeImages, runImage, skopeoDigest, uniqueRepo } from './support.js';

let env: ServicesEnv;
const cleanup: string[] = [];
beforeAll(() => {
  env = loadServices();
});
afterAll(async () => {
  await removeImages(cleanup);
});

function plan(
  images: Parameters<typeof resolveImages>[0],
  git = { ref: 'refs/tags/v1.4.2', sha: 'abc1234def5678901234567890abcdef12345678', eventName: 'push' },
): ImagePlan[] {
  const configs = resolveImages(images, { workspace: fixtures, registry: env.DK_REGISTRY }, true);
  const plans = planImages(configs, {
    git,
    tags: { semverAliases: true, latest: 'never', templates: [] },
    labels: {},
    sourceUrl: 'https://github.com/org/seed',
    created: new Date('2026-11-28T00:00:00Z'),
    cacheFrom: [],
    cacheTo: [],
    push: true,
  });
  for (const p of plans) cleanup.push(...p.refs);
  return plans;
}

function deps(log = memoryLogger(), overrides: Partial<RunDeps> = {}): RunDeps {
  return {
    docker: new DockerCli({ log }),
    builder: 'classic',
    log,
    registryClient: (p) => new RegistryClient({ registry: p.config.image.registry }),
    pushRetries: 2,
    pushTimeoutMs: 120_000,
    buildTimeoutMs: 300_000,
    retryBaseDelayMs: 50,
    concurrency: 1,
    tempDir: join(process.env.RUNNER_TEMP!, 'bp'),
    ...overrides,
  };
}

describe('classic docker build + push (real engine and registry)', () => {
  it('builds backend and frontend concurrently; every tag in the registry has the output digest; build args and targets take effect', async () => {
    const repo = uniqueRepo();
    const plans = plan([
      { name: 'backend', image: `${repo}/backend`, context: 'app', target: 'debug', buildArgs: { BASE: env.DK_BASE_BUSYBOX, GREETING: 'hola-backend' } },
      { name: 'frontend', image: `${repo}/frontend`, context: 'web', buildArgs: [`BASE=${env.DK_BASE_NODE}`, 'APP_VERSION=1.4.2'] },
    ]);
    expect(plans[0]!.tags).toEqual(['1.4.2', '1.4', '1', 'sha-abc1234']);
    const log = memoryLogger();
    const results = await runImages(plans, deps(log, { concurrency: 2 }));
    for (const r of results) expect(r.error).toBeUndefined();
    const [backend, frontend] = results;
    for (const [r, p] of [
      [backend!, plans[0]!],
      [frontend!, plans[1]!],
    ] as const) {
      expect(r.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(r.ref).toBe(`${p.config.image.name}@${r.digest}`);
      expect(r.verified).toBe(true);
      expect(r.size).toBeGreaterThan(0);
      expect(r.pushAttempts).toBe(p.refs.length);
      for (const tag of p.tags) expect(await registryDigest(env.DK_REGISTRY, p.config.image.repository, tag)).toBe(r.digest);
    }
    expect(await skopeoDigest(`${env.DK_REGISTRY}/${repo}/backend:1.4.2`)).toBe(backend!.digest);
    // Concurrent builds prefix their lines with the image key.
    expect(log.lines.some((l) => l.startsWith('info: [frontend] '))).toBe(true);

    expect(await runImage(plans[0]!.refs[0]!)).toBe('greeting=hola-backend\nstage=debug\n');
    expect((await runImage(plans[1]!.refs[0]!)).trim()).toMatch(/^web version=1\.4\.2 node=v\d+/);

    // The OCI labels are on the image.
    const cli = new DockerCli({ log });
    const inspect = await cli.run(['image', 'inspect', '--format', '{{json .Config.Labels}}', plans[0]!.refs[0]!]);
    expect(JSON.parse(inspect.stdout)).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/org/seed',
      'org.opencontainers.image.revision': 'abc1234def5678901234567890abcdef12345678',
      'org.opencontainers.image.version': '1.4.2',
      'org.opencontainers.image.created': '2026-11-28T00:00:00.000Z',
    });

    // Promote what docker pushed (a Docker v2 manifest): same digest under latest, no rebuild.
    const promoted = await promoteTag(new RegistryClient({ registry: env.DK_REGISTRY }), `${repo}/backend`, 'sha-abc1234', ['latest']);
    expect(promoted.digest).toBe(backend!.digest);
    expect(await registryDigest(env.DK_REGISTRY, `${repo}/backend`, 'latest')).toBe(backend!.digest);
  });

  it('without a target builds the last stage; a branch build is tagged with the branch and sha only', async () => {
    const repo = uniqueRepo();
    const plans = plan([{ image: `${repo}/app`, context: 'app', buildArgs: { BASE: env.DK_BASE_BUSYBOX } }], {
      ref: 'refs/heads/feature/Login_v2',
      sha: 'fedcba9876543210fedcba9876543210fedcba98',
      eventName: 'push',
    });
    expect(plans[0]!.tags).toEqual(['feature-Login_v2', 'sha-fedcba9']);
    const [r] = await runImages(plans, deps());
    expect(r!.error).toBeUndefined();
    expect(await runImage(plans[0]!.refs[0]!)).toBe('greeting=hello\nstage=runtime\n');
    expect(await registryDigest(env.DK_REGISTRY, `${repo}/app`, 'feature-Login_v2')).toBe(r!.digest);
    expect(await registryDigest(env.DK_REGISTRY, `${repo}/app`, 'latest')).toBeUndefined();
  });

  it('reports a failing build with the build output and pushes nothing', async () => {
    const repo = uniqueRepo();
    const plans = plan([{ image: `${repo}/app`, context: 'app', target: 'no-such-stage', buildArgs: { BASE: env.DK_BASE_BUSYBOX } }]);
    const [r] = await runImages(plans, deps());
    expect(r!.error).toMatch(/docker build exited with code 1[\s\S]*no-such-stage/);
    expect(r!.pushAttempts).toBe(0);
    expect(await registryDigest(env.DK_REGISTRY, `${repo}/app`, '1.4.2')).toBeUndefined();
  });
});
