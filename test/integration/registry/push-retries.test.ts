// `docker push` through a fault proxy in front of the real registry: transient failures (503, 429)
// are retried with backoff until the push succeeds, and the attempts are reported; an
// authentication error is not retried.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planImages, runImages, type ImagePlan, type RunDeps } from '../../../src/registry/build-push.js';
import { RegistryClient } from '../../../src/registry/distribution.js';
import { DockerCli } from '../../../src/registry/docker.js';
import { resolveImages } from '../../../src/registry/images-config.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { loadServices, type ServicesEnv } from '../../support/services.js';
import { FaultProxy, type FaultRule } from './fault-proxy.js';
import { fixtures, registryDigest, removeImages, uniqueRepo } from './support.js';

let env: ServicesEnv;
const cleanup: string[] = [];
const proxies: FaultProxy[] = [];
beforeAll(() => {
  env = loadServices();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await removeImages(cleanup);
});

async function setUp(rules: FaultRule[]): Promise<{ proxy: FaultProxy; plans: ImagePlan[]; repo: string }> {
  const proxy = await FaultProxy.start({ target: env.DK_REGISTRY, rules });
  proxies.push(proxy);
  const repo = `${uniqueRepo()}/backend`;
  const configs = resolveImages(
    [{ image: repo, context: 'app', buildArgs: { BASE: env.DK_BASE_BUSYBOX, NONCE: repo } }],
    { workspace: fixtures, registry: proxy.host },
    true,
  );
  const plans = planImages(configs, {
    git: { ref: 'refs/heads/main', sha: '0123456789abcdef0123456789abcdef01234567', eventName: 'push' },
    tags: { semverAliases: false, latest: 'never', templates: [] },
    labels: {},
    sourceUrl: '',
    created: new Date(),
    cacheFrom: [],
    cacheTo: [],
    push: true,
  });
  cleanup.push(...plans[0]!.refs);
  return { proxy, plans, repo };
}

function deps(log: ReturnType<typeof memoryLogger>, pushRetries: number): RunDeps {
  return {
    docker: new DockerCli({ log }),
    builder: 'classic',
    log,
    registryClient: (p) => new RegistryClient({ registry: p.config.image.registry, baseDelayMs: 20 }),
    pushRetries,
    pushTimeoutMs: 120_000,
    buildTimeoutMs: 300_000,
    retryBaseDelayMs: 100,
    concurrency: 1,
    tempDir: join(process.env.RUNNER_TEMP!, 'bp'),
  };
}

const tooMany = JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down', detail: null }] });

describe('push retries through a fault proxy (real engine and registry)', () => {
  // The engine retries some blob failures itself (a 503 with an error body, after 5 s); a 429
  // TOOMANYREQUESTS on a blob and any failed manifest PUT end `docker push`, which is where ours retries.
  it('429 on the blob upload and 503 on the manifest PUT: retried until the push succeeds; attempts reported', async () => {
    const { proxy, plans, repo } = await setUp([
      { method: 'POST', path: /\/blobs\/uploads\/$/, status: 429, times: 1, body: tooMany, headers: { 'content-type': 'application/json' } },
      { method: 'PUT', path: /\/manifests\/main$/, status: 503, times: 1, body: 'service unavailable' },
    ]);
    const log = memoryLogger();
    const [r] = await runImages(plans, deps(log, 3));
    expect(r!.error).toBeUndefined();
    expect(proxy.faults().map((f) => `${f.method} ${f.status}`)).toEqual(['POST 429', 'PUT 503']);
    // Tag main: attempt 1 meets the 429, attempt 2 the 503, attempt 3 succeeds; tag sha-0123456 needs one.
    expect(r!.pushAttempts).toBe(4);
    expect(r!.failedAttempts.map((a) => [a.ref, a.attempt, a.kind])).toEqual([
      [plans[0]!.refs[0], 1, 'transient'],
      [plans[0]!.refs[0], 2, 'transient'],
    ]);
    expect(r!.failedAttempts[0]!.error).toMatch(/toomanyrequests|429|too many/i);
    expect(r!.failedAttempts[1]!.error).toMatch(/503/);
    expect(log.lines.filter((l) => l.startsWith('warning: Push of')).length).toBe(2);
    // The digest we report is what the real registry (behind the proxy) serves for every tag.
    for (const tag of plans[0]!.tags) expect(await registryDigest(env.DK_REGISTRY, repo, tag)).toBe(r!.digest);
    expect(r!.verified).toBe(true);
  });

  it('gives up after push-retries when the registry keeps failing, and says so', async () => {
    const { proxy, plans, repo } = await setUp([{ method: 'PUT', path: /\/manifests\//, status: 503, times: 100, body: 'down for maintenance' }]);
    const [r] = await runImages(plans, deps(memoryLogger(), 1));
    expect(r!.error).toMatch(/still failing after 2 attempt\(s\) \(push-retries: 1\)/);
    expect(r!.pushAttempts).toBe(2);
    expect(proxy.faults().length).toBe(2);
    expect(await registryDigest(env.DK_REGISTRY, repo, 'main')).toBeUndefined();
  });

  it('an authentication error is not retried', async () => {
    const { proxy, plans } = await setUp([
      {
        method: 'PUT',
        path: /\/manifests\//,
        status: 401,
        times: 100,
        body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
        headers: { 'content-type': 'application/json' },
      },
    ]);
    const [r] = await runImages(plans, deps(memoryLogger(), 3));
    expect(r!.error).toMatch(/refused the credentials \(not retried\)/);
    expect(r!.pushAttempts).toBe(1);
    expect(r!.failedAttempts.map((a) => a.kind)).toEqual(['auth']);
    expect(proxy.faults().length).toBeGreaterThanOrEqual(1);
  });
});
