// The bundle, run as the runner runs it, against the real engine and registries.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, runActionWithPost, type ActionRun } from '../harness/run-action.js';
import { FaultProxy } from '../integration/registry/fault-proxy.js';
import { pushOciIndex } from '../integration/registry/oci-fixture.js';
import { exec, registryDigest, registryTags, removeImages, runImage, skopeoRaw, uniqueRepo } from '../integration/registry/support.js';
import { loadServices, type ServicesEnv } from '../support/services.js';

let env: ServicesEnv;
const cleanup: string[] = [];
const SHA = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';
beforeAll(() => {
  env = loadServices();
});
afterAll(async () => {
  await removeImages(cleanup);
});

const git = (ref: string) => ({
  GITHUB_REF: ref,
  GITHUB_SHA: SHA,
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REPOSITORY: 'org/seed',
  GITHUB_SERVER_URL: 'https://github.com',
});

function expectNoSecret(run: ActionRun, secret: string, readsIt = true): void {
  // The runner consumes ::add-mask:: lines; every other line must not hold the secret.
  expect(
    run.log
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
  ).not.toContain(secret);
  expect(run.summary).not.toContain(secret);
  expect(JSON.stringify(run.outputs)).not.toContain(secret);
  if (readsIt) expect(run.masked).toContain(secret);
}

async function imageExists(ref: string): Promise<boolean> {
  return exec('docker', ['image', 'inspect', ref]).then(
    () => true,
    () => false,
  );
}

describe('build-push bundle (real engine and registry)', { timeout: 300_000 }, () => {
  it('logs in to the htpasswd registry, builds, pushes every tag, reports digest and summary, then the post step logs out', async () => {
    const repo = uniqueRepo();
    const { main, post } = await runActionWithPost('build-push', {
      inputs: {
        registry: env.DK_REGISTRY_AUTH,
        username: env.DK_REGISTRY_USER,
        password: env.DK_REGISTRY_PASSWORD,
        image: `${repo}/backend`,
        context: 'test/fixtures/images/app',
        target: 'debug',
        'build-args': `BASE=${env.DK_BASE_BUSYBOX}\nGREETING=from-e2e`,
        'semver-aliases': true,
        tags: '{{version}}-debug',
      },
      env: git('refs/tags/v2.3.4'),
      timeoutMs: 240_000,
    });
    const refs = ['2.3.4', '2.3', '2', 'sha-9f8e7d6', '2.3.4-debug'].map((t) => `${env.DK_REGISTRY_AUTH}/${repo}/backend:${t}`);
    cleanup.push(...refs);
    expect(main.errors).toEqual([]);
    expect(main.exitCode).toBe(0);
    const creds = { username: env.DK_REGISTRY_USER, password: env.DK_REGISTRY_PASSWORD };
    const digest = await registryDigest(env.DK_REGISTRY_AUTH, `${repo}/backend`, '2.3.4', creds);
    expect(main.outputs.digest).toBe(digest);
    expect(main.outputs.image).toBe(`${env.DK_REGISTRY_AUTH}/${repo}/backend@${digest}`);
    expect(main.outputs.version).toBe('2.3.4');
    expect(main.outputs.tags!.split('\n')).toEqual(refs);
    expect(JSON.parse(main.outputs.images!)).toEqual({
      backend: {
        name: `${env.DK_REGISTRY_AUTH}/${repo}/backend`,
        ref: main.outputs.image,
        digest,
        tags: ['2.3.4', '2.3', '2', 'sha-9f8e7d6', '2.3.4-debug'],
        version: '2.3.4',
      },
    });
    expect(main.outputs['push-attempts']).toBe('5');
    for (const t of ['2.3', '2', 'sha-9f8e7d6', '2.3.4-debug']) expect(await registryDigest(env.DK_REGISTRY_AUTH, `${repo}/backend`, t, creds)).toBe(digest);
    expect(await registryTags(env.DK_REGISTRY_AUTH, `${repo}/backend`, creds)).not.toContain('latest');
    expect(await runImage(refs[0]!)).toBe('greeting=from-e2e\nstage=debug\n');

    expect(main.summary).toContain('## build-push: 1 image(s) built');
    expect(main.summary).toContain('| Image | Tags | Digest | Size | Build | Push | Push attempts | Result |');
    expect(main.summary).toContain('pushed, digest verified');
    expect(main.summary).toContain(digest!);
    expectNoSecret(main, env.DK_REGISTRY_PASSWORD);

    // The login went into a Docker config of this run only, and the post step removed it.
    const configDir = main.state['docker-config']!;
    expect(configDir).toContain('dk-docker-config-');
    const userConfig = join(process.env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
    if (existsSync(userConfig)) expect(readFileSync(userConfig, 'utf8')).not.toContain(env.DK_REGISTRY_AUTH);
    expect(post.exitCode).toBe(0);
    expect(post.log).toContain(`Logged out of ${env.DK_REGISTRY_AUTH}`);
    expect(existsSync(configDir)).toBe(false);
  });

  it('a wrong password: a clear error, nothing built or pushed, and the password in no log, output or summary', async () => {
    const repo = uniqueRepo();
    const wrong = 'wrong-pw-5e1d9c';
    const { main, post } = await runActionWithPost('build-push', {
      inputs: {
        registry: env.DK_REGISTRY_AUTH,
        username: env.DK_REGISTRY_USER,
        password: wrong,
        image: `${repo}/backend`,
        context: 'test/fixtures/images/app',
        'build-args': `BASE=${env.DK_BASE_BUSYBOX}`,
      },
      env: git('refs/heads/main'),
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      new RegExp(`docker login to ${env.DK_REGISTRY_AUTH.replace(/\./g, '\\.')} as ${env.DK_REGISTRY_USER} failed: .*401 Unauthorized`, 's'),
    );
    expect(main.errors[0]).toContain('Check the username and password');
    expect(main.log).not.toContain('this is a bug');
    expectNoSecret(main, wrong);
    expectNoSecret(post, wrong, false);
    expect(await imageExists(`${env.DK_REGISTRY_AUTH}/${repo}/backend:main`)).toBe(false);
    expect(existsSync(main.state['docker-config']!)).toBe(false);
  });

  it.each([
    [{ image: 'Org/Backend' }, 'image is "Org/Backend": repository names must be lower-case. Use "org/backend".'],
    [{ image: 'org/backend', context: 'test/fixtures/images/nope' }, 'context: the build context "test/fixtures/images/nope" is not a directory'],
    [{ image: 'org/backend', context: 'test/fixtures' }, 'dockerfile: no Dockerfile at test/fixtures/Dockerfile'],
    [{ image: 'org/backend', tags: 'release candidate' }, '"release candidate" is not a valid tag'],
    [{ image: 'org/backend', 'promote-from': 'sha-abc1234', 'promote-to': 'prod/eu' }, 'promote-to: "prod/eu" is not a valid tag'],
    [{ images: '- name: backend\n  image: org/backend\n  dockerfil: x' }, 'images[0] ("backend") has an unknown key "dockerfil". Did you mean "dockerfile"?'],
  ])('bad input %j fails before any build or registry request', async (inputs, message) => {
    const proxy = await FaultProxy.start({ target: env.DK_REGISTRY });
    try {
      const run = await runAction('build-push', {
        inputs: { registry: proxy.host, context: 'test/fixtures/images/app', ...inputs },
        env: { ...git('refs/heads/main'), DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      });
      expect(run.exitCode).toBe(1);
      expect(run.errors.join('\n')).toContain(message);
      expect(run.log).not.toContain('this is a bug');
      expect(proxy.requests).toEqual([]);
      expect(run.outputs).toEqual({});
    } finally {
      await proxy.close();
    }
  });

  it('promotes an OCI index by digest through the registry API, with no Docker engine at all', async () => {
    const repo = `${uniqueRepo()}/backend`;
    const creds = { username: env.DK_REGISTRY_USER, password: env.DK_REGISTRY_PASSWORD };
    const pushed = await pushOciIndex(env.DK_REGISTRY_AUTH, repo, 'sha-abc1234', creds);
    const run = await runAction('build-push', {
      inputs: { registry: env.DK_REGISTRY_AUTH, ...creds, image: repo, 'promote-from': 'sha-abc1234', 'promote-to': 'latest, production' },
      env: { ...git('refs/heads/main'), DOCKER_HOST: 'unix:///nonexistent/docker.sock', PATH: '/nonexistent' },
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toBe(pushed.digest);
    expect(run.outputs.image).toBe(`${env.DK_REGISTRY_AUTH}/${repo}@${pushed.digest}`);
    for (const tag of ['latest', 'production']) {
      expect(await skopeoRaw(`${env.DK_REGISTRY_AUTH}/${repo}:${tag}`, creds)).toBe(pushed.bytes.toString('utf8'));
    }
    expect(run.summary).toContain('promoted, digest unchanged');
    expect(run.summary).toContain('application/vnd.oci.image.index.v1+json');
    expectNoSecret(run, env.DK_REGISTRY_PASSWORD);
  });

  it('retries pushes that fail transiently (fault proxy) and reports the attempts in outputs and summary', async () => {
    const proxy = await FaultProxy.start({
      target: env.DK_REGISTRY,
      rules: [{ method: 'PUT', path: /\/manifests\/sha-9f8e7d6$/, status: 503, times: 2, body: 'temporarily unavailable' }],
    });
    const repo = uniqueRepo();
    try {
      const run = await runAction('build-push', {
        inputs: {
          registry: proxy.host,
          images: `- name: backend\n  image: ${repo}/backend\n  context: test/fixtures/images/app\n  build-args: { BASE: "${env.DK_BASE_BUSYBOX}", NONCE: "${repo}" }`,
          'retry-delay': '100ms',
        },
        env: git('refs/heads/main'),
        timeoutMs: 180_000,
      });
      cleanup.push(`${proxy.host}/${repo}/backend:main`, `${proxy.host}/${repo}/backend:sha-9f8e7d6`);
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs['push-attempts']).toBe('4');
      expect(proxy.faults().length).toBe(2);
      expect(run.summary).toContain('Failed push attempts');
      expect(run.summary).toMatch(/backend: attempt 1 for .*sha-9f8e7d6 \(transient\)/);
      expect(run.log).toMatch(/Push of .*sha-9f8e7d6 failed transiently \(attempt 2 of 4\)/);
      expect(await registryDigest(env.DK_REGISTRY, `${repo}/backend`, 'sha-9f8e7d6')).toBe(run.outputs.digest);
    } finally {
      await proxy.close();
    }
  });

  it('cancelled mid-build (SIGTERM): stops the build, pushes nothing, and the post step still logs out', async () => {
    const repo = uniqueRepo();
    const started = performance.now();
    const { main, post } = await runActionWithPost('build-push', {
      inputs: {
        registry: env.DK_REGISTRY_AUTH,
        username: env.DK_REGISTRY_USER,
        password: env.DK_REGISTRY_PASSWORD,
        image: `${repo}/slow`,
        context: 'test/fixtures/images/slow',
        'build-args': `BASE=${env.DK_BASE_BUSYBOX}\nNONCE=${repo}`,
      },
      env: git('refs/heads/main'),
      onSpawn: (child, output) => {
        const timer = setInterval(() => {
          if (output().includes('build-started')) {
            clearInterval(timer);
            child.kill('SIGTERM');
          }
        }, 100);
        child.on('close', () => clearInterval(timer));
      },
      timeoutMs: 100_000,
    });
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(main.exitCode).toBe(1);
    expect(main.log).toContain('Received SIGTERM');
    expect(main.errors.join('\n')).toMatch(/cancel/i);
    expect(await registryTags(env.DK_REGISTRY_AUTH, `${repo}/slow`, { username: env.DK_REGISTRY_USER, password: env.DK_REGISTRY_PASSWORD })).toEqual([]);
    expect(post.exitCode).toBe(0);
    expect(existsSync(main.state['docker-config']!)).toBe(false);
    expectNoSecret(main, env.DK_REGISTRY_PASSWORD);
  });

  it('dry-run prints the plan and the docker command lines, and pushes nothing', async () => {
    const repo = uniqueRepo();
    const run = await runAction('build-push', {
      inputs: { registry: env.DK_REGISTRY, image: `${repo}/backend`, context: 'test/fixtures/images/app', 'dry-run': true, 'cache-from': 'type=gha' },
      env: git('refs/pull/17/merge'),
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.version).toBe('pr-17');
    expect(run.outputs.tags).toBe(`${env.DK_REGISTRY}/${repo}/backend:pr-17\n${env.DK_REGISTRY}/${repo}/backend:sha-9f8e7d6`);
    expect(run.summary).toContain('plan (dry run)');
    expect(run.summary).toContain(`docker push ${env.DK_REGISTRY}/${repo}/backend:pr-17`);
    expect(await registryTags(env.DK_REGISTRY, `${repo}/backend`)).toEqual([]);
    expect(await imageExists(`${env.DK_REGISTRY}/${repo}/backend:pr-17`)).toBe(false);
  });
});
