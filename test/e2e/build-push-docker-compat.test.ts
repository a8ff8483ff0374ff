// build-push as docker's actions' users expect it: earlier logins (a config written by docker login,
// a credential helper), several registries, promote across repositories and registries, push by
// event, docker-like outputs, and bad input for every new option — the real engine and registries.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, runActionWithPost, type ActionRun } from '../harness/run-action.js';
import { FaultProxy } from '../integration/registry/fault-proxy.js';
import { pushOciIndex } from '../integration/registry/oci-fixture.js';
import { exec, registryDigest, registryTags, removeImages, skopeoRaw, uniqueRepo } from '../integration/registry/support.js';
import { loadServices, type ServicesEnv } from '../support/services.js';
import { registerSecret } from '../support/secrets.js';

let env: ServicesEnv;
let creds: { username: string; password: string };
const cleanup: string[] = [];
const dirs: string[] = [];
const SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f80912345678';
beforeAll(() => {
  env = loadServices();
  creds = { username: env.DK_REGISTRY_USER, password: env.DK_REGISTRY_PASSWORD };
  // Given through a credential helper, not an input: the secret scan is told here.
  registerSecret(creds.password, 'registry password (credential helper)');
});
afterAll(async () => {
  await removeImages(cleanup);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const git = (ref: string, event = 'push', extra: Record<string, string> = {}) => ({
  GITHUB_REF: ref,
  GITHUB_SHA: SHA,
  GITHUB_EVENT_NAME: event,
  GITHUB_REPOSITORY: 'org/seed',
  GITHUB_SERVER_URL: 'https://github.com',
  ...extra,
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function expectNoSecret(run: ActionRun, secret: string): void {
  const log = run.log
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  expect(log).not.toContain(secret);
  expect(run.summary).not.toContain(secret);
  expect(JSON.stringify(run.outputs)).not.toContain(secret);
}

/** A `docker-credential-test` helper on PATH that answers for the htpasswd registry, and logs each call. */
function credentialHelper(): { path: string; calls: string } {
  const bin = tempDir('dk-cred-helper-');
  const calls = join(bin, 'calls.log');
  const script = `#!/bin/sh
# docker-credential-test: answers "get" for one registry, as a real helper does
[ "$1" = get ] || exit 1
read -r server
echo "$server" >> ${calls}
if [ "$server" = "${env.DK_REGISTRY_AUTH}" ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$server" '${creds.username}' '${creds.password}'
  exit 0
fi
echo "credentials not found in native keychain" >&2
exit 1
`;
  writeFileSync(join(bin, 'docker-credential-test'), script);
  chmodSync(join(bin, 'docker-credential-test'), 0o755);
  return { path: `${bin}:${process.env.PATH}`, calls };
}

describe('build-push: logins made before the step', { timeout: 400_000 }, () => {
  it('a config written by docker login before the step: builds and pushes to the htpasswd registry with no credentials given', async () => {
    const config = tempDir('dk-docker-login-');
    const login = spawnSync('docker', ['login', '--username', creds.username, '--password-stdin', env.DK_REGISTRY_AUTH], {
      input: creds.password,
      env: { ...process.env, DOCKER_CONFIG: config },
      encoding: 'utf8',
    });
    expect(login.status).toBe(0);
    expect(readFileSync(join(config, 'config.json'), 'utf8')).toContain(env.DK_REGISTRY_AUTH);
    const repo = uniqueRepo();
    const run = await runAction('build-push', {
      inputs: {
        registry: env.DK_REGISTRY_AUTH,
        image: `${repo}/app`,
        context: 'test/fixtures/images/app',
        'build-args': `BASE=${env.DK_BASE_BUSYBOX}\nNONCE=${repo}`,
      },
      env: { ...git('refs/heads/main'), DOCKER_CONFIG: config },
      timeoutMs: 180_000,
    });
    cleanup.push(`${env.DK_REGISTRY_AUTH}/${repo}/app:main`, `${env.DK_REGISTRY_AUTH}/${repo}/app:sha-1a2b3c4`);
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    const digest = await registryDigest(env.DK_REGISTRY_AUTH, `${repo}/app`, 'main', creds);
    expect(run.outputs.digest).toBe(digest);
    // The digest was read back with the login from the config (auths).
    expect(run.summary).toContain('pushed, digest verified');
    expect(run.log).toContain(`Using the login for ${env.DK_REGISTRY_AUTH} from ${join(config, 'config.json')} (auths)`);
    // docker-like outputs
    expect(run.outputs.imageid).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(JSON.parse(run.outputs.metadata!)).toEqual({
      'image.name': `${env.DK_REGISTRY_AUTH}/${repo}/app:main,${env.DK_REGISTRY_AUTH}/${repo}/app:sha-1a2b3c4`,
      'containerimage.config.digest': run.outputs.imageid,
      'containerimage.digest': digest,
    });
    expect(run.outputs.labels).toContain(`org.opencontainers.image.revision=${SHA}`);
    expect(run.outputs.labels).toContain('org.opencontainers.image.source=https://github.com/org/seed');
    const { stdout } = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', `${env.DK_REGISTRY_AUTH}/${repo}/app:main`]);
    expect(stdout.trim()).toBe(run.outputs.imageid);
    expectNoSecret(run, creds.password);
  });

  it('a credential helper (credHelpers → docker-credential-test on PATH) serves promote, which had only its own username/password', async () => {
    const repo = `${uniqueRepo()}/app`;
    const pushed = await pushOciIndex(env.DK_REGISTRY_AUTH, repo, 'sha-1a2b3c4', creds);
    const config = tempDir('dk-docker-helper-');
    writeFileSync(join(config, 'config.json'), JSON.stringify({ credHelpers: { [env.DK_REGISTRY_AUTH]: 'test' } }));
    const helper = credentialHelper();
    const run = await runAction('build-push', {
      inputs: { registry: env.DK_REGISTRY_AUTH, image: repo, 'promote-from': 'sha-{{sha}}', 'promote-to': 'production' },
      env: { ...git('refs/heads/main'), DOCKER_CONFIG: config, PATH: helper.path, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(await skopeoRaw(`${env.DK_REGISTRY_AUTH}/${repo}:production`, creds)).toBe(pushed.bytes.toString('utf8'));
    expect(run.log).toContain(`Using the login for ${env.DK_REGISTRY_AUTH} from docker-credential-test`);
    expect(run.masked).toContain(creds.password);
    expectNoSecret(run, creds.password);
  });

  it('credsStore with no login for the registry: promote fails with the registry’s refusal, not a crash', async () => {
    const repo = `${uniqueRepo()}/app`;
    await pushOciIndex(env.DK_REGISTRY_AUTH, repo, 'sha-1a2b3c4', creds);
    const config = tempDir('dk-docker-store-');
    writeFileSync(join(config, 'config.json'), JSON.stringify({ credsStore: 'missing-helper' }));
    const run = await runAction('build-push', {
      inputs: { registry: env.DK_REGISTRY_AUTH, image: repo, 'promote-from': 'sha-1a2b3c4', 'promote-to': 'production' },
      env: { ...git('refs/heads/main'), DOCKER_CONFIG: config, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors.join('\n')).toMatch(/requires authentication|refused the credentials/);
    expect(run.log).not.toContain('this is a bug');
  });
});

describe('build-push: promote across repositories and registries', { timeout: 400_000 }, () => {
  it('to another registry (plain → htpasswd, registries list): blobs streamed, then the manifest; same bytes, same digest', async () => {
    const repo = `${uniqueRepo()}/app`;
    const pushed = await pushOciIndex(env.DK_REGISTRY, repo, 'sha-1a2b3c4');
    const target = `${uniqueRepo()}/prod-app`;
    const run = await runAction('build-push', {
      inputs: {
        registry: env.DK_REGISTRY,
        image: repo,
        registries: `- registry: ${env.DK_REGISTRY_AUTH}\n  username: ${creds.username}\n  password: ${creds.password}`,
        'promote-from': 'sha-1a2b3c4',
        'promote-to': `latest\n${env.DK_REGISTRY_AUTH}/${target}:1.0.0`,
      },
      env: { ...git('refs/heads/main'), DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toBe(pushed.digest);
    expect(await skopeoRaw(`${env.DK_REGISTRY_AUTH}/${target}:1.0.0`, creds)).toBe(pushed.bytes.toString('utf8'));
    expect(await registryDigest(env.DK_REGISTRY, repo, 'latest')).toBe(pushed.digest);
    // Every platform manifest and blob came along: skopeo can read each child by digest.
    for (const child of pushed.manifestDigests) expect(await skopeoRaw(`${env.DK_REGISTRY_AUTH}/${target}@${child}`, creds)).toContain('"layers"');
    expect(run.log).toMatch(/blobs: 0 mounted, [1-9]\d* streamed/);
    expect(run.summary).toContain(`${env.DK_REGISTRY_AUTH}/${target}:1.0.0 (new)`);
    expect(run.summary).toMatch(/app: blobs 0 mounted, [1-9]\d* streamed/);
    expect(JSON.parse(run.outputs.images!).app.tags).toEqual(['latest', `${env.DK_REGISTRY_AUTH}/${target}:1.0.0`]);
    expect(run.masked).toContain(creds.password);
    expectNoSecret(run, creds.password);
  });

  it('to another repository of the same registry: blobs mounted, not copied', async () => {
    const repo = `${uniqueRepo()}/app`;
    const pushed = await pushOciIndex(env.DK_REGISTRY, repo, 'sha-1a2b3c4');
    const target = `${uniqueRepo()}/released`;
    const run = await runAction('build-push', {
      inputs: { registry: env.DK_REGISTRY, image: repo, 'promote-from': 'sha-1a2b3c4', 'promote-to': `${env.DK_REGISTRY}/${target}:stable` },
      env: { ...git('refs/heads/main'), DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(run.errors).toEqual([]);
    expect(await registryDigest(env.DK_REGISTRY, target, 'stable')).toBe(pushed.digest);
    expect(run.log).toMatch(/blobs: [1-9]\d* mounted, 0 streamed/);
    expect(await registryTags(env.DK_REGISTRY, repo)).toEqual(['sha-1a2b3c4']);
  });
});

describe('build-push: push by event, several registries', { timeout: 400_000 }, () => {
  it('a pull_request event builds and does not push (the default), and says so', async () => {
    const repo = uniqueRepo();
    const run = await runAction('build-push', {
      inputs: {
        registry: env.DK_REGISTRY,
        image: `${repo}/app`,
        context: 'test/fixtures/images/app',
        'build-args': `BASE=${env.DK_BASE_BUSYBOX}\nNONCE=${repo}`,
      },
      env: git('refs/pull/42/merge', 'pull_request'),
      timeoutMs: 180_000,
    });
    cleanup.push(`${env.DK_REGISTRY}/${repo}/app:pr-42`, `${env.DK_REGISTRY}/${repo}/app:sha-1a2b3c4`);
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.log).toContain('push is not set and the event is pull_request: the images are built, not pushed');
    expect(await registryTags(env.DK_REGISTRY, `${repo}/app`)).toEqual([]);
    expect(run.outputs.digest).toBe('');
    expect(run.outputs.imageid).toMatch(/^sha256:/);
    expect(run.summary).toContain('built (not pushed)');
  });

  it('a fork’s pull request with push: true still does not push', async () => {
    const repo = uniqueRepo();
    const event = join(tempDir('dk-event-'), 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { head: { repo: { full_name: 'someone/seed' } }, base: { repo: { full_name: 'org/seed' } } } }));
    const run = await runAction('build-push', {
      inputs: { registry: env.DK_REGISTRY, image: `${repo}/app`, push: true, 'dry-run': true, context: 'test/fixtures/images/app' },
      env: git('refs/pull/43/merge', 'pull_request', { GITHUB_EVENT_PATH: event }),
    });
    expect(run.exitCode).toBe(0);
    expect(run.log).toContain('push: true is ignored: this pull request comes from a fork');
    expect(run.summary).not.toContain('docker push');
  });

  it('several registries in one step: logs in to each (registries list), pushes to both, the post step logs out of both', async () => {
    const repo = uniqueRepo();
    const { main, post } = await runActionWithPost('build-push', {
      inputs: {
        registries: `- registry: ${env.DK_REGISTRY_AUTH}\n  username: ${creds.username}\n  password: ${creds.password}`,
        images: `- name: a\n  image: ${env.DK_REGISTRY}/${repo}/a\n  context: test/fixtures/images/app\n- name: b\n  image: ${env.DK_REGISTRY_AUTH}/${repo}/b\n  context: test/fixtures/images/app`,
        'build-args': `BASE=${env.DK_BASE_BUSYBOX}\nNONCE=${repo}`,
      },
      env: git('refs/heads/main'),
      timeoutMs: 240_000,
    });
    cleanup.push(...['a', 'b'].flatMap((n) => ['main', 'sha-1a2b3c4'].map((t) => `${n === 'a' ? env.DK_REGISTRY : env.DK_REGISTRY_AUTH}/${repo}/${n}:${t}`)));
    expect(main.errors).toEqual([]);
    expect(main.exitCode).toBe(0);
    expect(await registryDigest(env.DK_REGISTRY_AUTH, `${repo}/b`, 'main', creds)).toBe(JSON.parse(main.outputs.images!).b.digest);
    expect(await registryDigest(env.DK_REGISTRY, `${repo}/a`, 'main')).toBe(JSON.parse(main.outputs.images!).a.digest);
    expect(main.outputs.tags!.split('\n')).toHaveLength(4);
    expect(post.log).toContain(`Logged out of ${env.DK_REGISTRY_AUTH}`);
    expectNoSecret(main, creds.password);
  });
});

describe('build-push: bad input for every new option, before any registry request', { timeout: 400_000 }, () => {
  it.each([
    [{ annotations: 'no-equals' }, 'annotations: "no-equals" is not KEY=VALUE'],
    [{ 'build-contexts': 'shared' }, 'build-contexts: "shared" is not name=VALUE'],
    [{ secrets: 'TOKEN' }, 'secrets: line 1 is not id=VALUE'],
    [{ 'secret-files': 'npmrc=nope/.npmrc' }, 'secret-files: npmrc points at "nope/.npmrc", which is not a file'],
    [{ ssh: 'a b' }, 'ssh: "a b" is not default or ID=PATH'],
    [{ provenance: 'lots' }, 'provenance is "lots"'],
    [{ sbom: 'lots' }, 'sbom is "lots"'],
    [{ outputs: 'dest=out' }, 'outputs: "dest=out" names no exporter'],
    [{ outputs: 'type=local,dest=out', push: true }, 'outputs and push: true are both set'],
    [{ 'no-cache': 'maybe' }, 'no-cache'],
    [{ pull: 'sometimes' }, 'pull'],
    [{ load: 'y-e-s' }, 'load'],
    [{ network: 'a b' }, 'network is "a b"'],
    [{ 'add-hosts': 'db 10.0.0.1' }, 'add-hosts: "db 10.0.0.1" is not HOST:IP'],
    [{ push: 'perhaps' }, 'push'],
    [{ file: 'Dockerfile', dockerfile: 'Dockerfile' }, 'Both file and dockerfile are set'],
    [{ registries: '- registry: 127.0.0.1:5001\n  username: u' }, 'registries[0].password is missing'],
    [{ registries: '- registry: 127.0.0.1:5001\n  username: u\n  password: p\n  pasword: q' }, 'registries[0] has an unknown key "pasword"'],
    [{ 'promote-from': 'sha-abc1234', 'promote-to': '127.0.0.1:5001/Prod/app:1' }, 'repository names must be lower-case'],
    [{ 'promote-from': 'sha-abc1234', 'promote-to': '127.0.0.1:5001/prod/app@sha256:abc' }, 'has a digest'],
  ])('%j', async (inputs, message) => {
    const proxy = await FaultProxy.start({ target: env.DK_REGISTRY });
    try {
      const run = await runAction('build-push', {
        inputs: { registry: proxy.host, image: 'org/backend', context: 'test/fixtures/images/app', ...inputs },
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

  it('buildx-only options on this classic-only engine fail naming the options and docker/setup-buildx-action; nothing is built or pushed', async () => {
    const proxy = await FaultProxy.start({ target: env.DK_REGISTRY });
    const repo = uniqueRepo();
    try {
      const run = await runAction('build-push', {
        inputs: {
          registry: proxy.host,
          image: `${repo}/app`,
          context: 'test/fixtures/images/app',
          secrets: 'TOKEN=s3cr3t-build-value',
          provenance: 'mode=max',
          'build-contexts': 'extra=test/fixtures',
        },
        env: git('refs/heads/main'),
      });
      expect(run.exitCode).toBe(1);
      expect(run.errors.join('\n')).toContain('build-contexts, secrets, provenance need buildx, which is not available here: add docker/setup-buildx-action');
      expect(proxy.requests).toEqual([]);
      expect(run.masked).toContain('s3cr3t-build-value');
      expectNoSecret(run, 's3cr3t-build-value');
      await expect(exec('docker', ['image', 'inspect', `${proxy.host}/${repo}/app:main`])).rejects.toThrow();
    } finally {
      await proxy.close();
    }
  });
});
