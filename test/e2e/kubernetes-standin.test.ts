// deploy-canary and rollback bundles on target: kubernetes, run as the runner runs them, with the
// real kubectl against the Kubernetes API server stand-in (no API server can run here).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun, type RunActionOptions } from '../harness/run-action.js';
import { startStandin, type KObject, type KubernetesStandin } from '../support/k8s-standin/index.js';

const TOKEN = 'k8s-t0ken-5ecret-e2e';
let standin: KubernetesStandin;
let dir: string;
let kubeconfig: string;
/** Environment of every run: kubectl's caches in a directory of its own, no KUBECONFIG of the job unless a test sets one. */
let env: Record<string, string | undefined>;

beforeAll(async () => {
  standin = await startStandin({ readyAfterMs: 100, gatewayApi: true, smiVersions: ['v1alpha2', 'v1alpha4'] });
  dir = mkdtempSync(join(tmpdir(), 'dk-k8s-e2e-'));
  // The kubeconfig carries a token (kubectl sends none over the stand-in's plain HTTP, and the stand-in asks for none):
  // it is the secret that must reach no log, output, state or summary.
  kubeconfig = readFileSync(standin.writeKubeconfig(dir, { contexts: ['standin', 'other'], token: TOKEN }), 'utf8');
  env = { KUBECONFIG: undefined, KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
});
afterAll(async () => {
  await standin?.close();
  rmSync(dir, { recursive: true, force: true });
});

function deployment(name: string, image: string, replicas: number): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      progressDeadlineSeconds: 4,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

/** A Deployment (ready) and its Service, replacing whatever had the name. */
async function fresh(name: string, image: string, replicas = 4): Promise<void> {
  for (const kind of ['Deployment', 'Service']) if (standin.get(kind, name)) standin.store.delete(standin.resource(kind), 'default', name);
  standin.create(deployment(name, image, replicas));
  standin.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { app: name } },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  await standin.until(() => standin.get('Deployment', name)?.status?.readyReplicas === replicas, 30_000, `${name} ready`);
}

const imageOf = (name: string): string | undefined => standin.get('Deployment', name)?.spec.template.spec.containers[0].image;
const templateOf = (name: string): string => JSON.stringify(standin.get('Deployment', name)?.spec.template);
/** The project lock (decision 0130): `kubectl create` of configmap/deploy-kit-lock, and its delete. */
const isLockWrite = (r: { method: string; path: string; query: string }): boolean =>
  r.path.endsWith('/configmaps/deploy-kit-lock') || (r.method === 'POST' && r.path.endsWith('/configmaps') && r.query.includes('fieldManager=kubectl-create'));
/** What changed objects: every write but the project lock's own, which a run takes and removes again. */
const writes = (since: number): string[] =>
  standin.requests.filter((r) => r.at >= since && !['GET', 'HEAD'].includes(r.method) && !isLockWrite(r)).map((r) => `${r.method} ${r.path}${r.query}`);

/** Samples `read` every 40 ms while `run` goes, keeping each distinct value once, in order. */
async function sampled<T>(read: () => T, run: () => Promise<ActionRun>): Promise<{ run: ActionRun; seen: T[] }> {
  const seen: T[] = [];
  const take = (): void => {
    const value = read();
    if (JSON.stringify(value) !== JSON.stringify(seen.at(-1))) seen.push(value);
  };
  const timer = setInterval(take, 40);
  try {
    const result = await run();
    take();
    return { run: result, seen };
  } finally {
    clearInterval(timer);
  }
}

const BASE = { target: 'kubernetes', metrics: '[]', interval: '1s', 'health-timeout': '60s' };

function canary(inputs: Record<string, string>, options: RunActionOptions = {}): Promise<ActionRun> {
  return runAction('deploy-canary', { inputs: { ...BASE, kubeconfig, ...inputs }, env, timeoutMs: 150_000, ...options });
}

/** The kubeconfig's token reached no log line (beyond the masking commands), output or summary. */
function expectNoSecret(run: ActionRun): void {
  expect(run.masked).toContain(TOKEN);
  for (const text of [run.log.replace(/^::add-mask::.*$/gm, ''), run.summary, JSON.stringify(run.outputs), JSON.stringify(run.state)]) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('clusters:');
  }
}

function history(): Array<{ action: string; result: string; services: Array<{ service: string; image: string }> }> {
  const cm = standin.get('ConfigMap', 'deploy-kit-history');
  return cm ? (JSON.parse(cm.data['history.json']) as { entries: never[] }).entries : [];
}

describe('deploy-canary and rollback bundles on target: kubernetes (real kubectl, API server stand-in)', { timeout: 240_000 }, () => {
  it('stand-in: rolling deploys the Deployments in order, each ready before the next; the record is the ConfigMap', async () => {
    await fresh('backend', 'registry.local/backend:1', 2);
    await fresh('frontend', 'registry.local/frontend:1', 2);
    const since = Date.now();
    const run = await runAction('deploy-canary', {
      inputs: {
        target: 'kubernetes',
        kubeconfig,
        strategy: 'rolling',
        deployment: 'backend=registry.local/backend:2\nfrontend',
        image: 'registry.local/frontend:2',
      },
      env,
      timeoutMs: 120_000,
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect([imageOf('backend'), imageOf('frontend')]).toEqual(['registry.local/backend:2', 'registry.local/frontend:2']);
    // backend was ready (its rollout status watched to the end) before frontend's template changed.
    const patches = writes(since).filter((w) => w.startsWith('PATCH /apis/apps/v1/namespaces/default/deployments/'));
    expect(patches.map((w) => w.split('/')[7]!.split('?')[0])).toEqual(['backend', 'frontend', 'backend', 'frontend']);
    expect(history().at(-1)).toMatchObject({ action: 'rolling', result: 'deployed' });
    expect(standin.get('Deployment', 'backend')!.metadata.annotations).toMatchObject({ 'deploy-kit.dev/image': 'registry.local/backend:2' });
    expectNoSecret(run);
    // The post step removes the kubeconfig file main wrote.
    const file = run.state['kubeconfig-file']!;
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(kubeconfig.trim());
    const post = await runAction('deploy-canary', { post: true, state: run.state, inputs: { target: 'kubernetes' }, env });
    expect(post.exitCode).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('stand-in: rolling from manifests (a directory) with images by name: other objects first, then backend, StatefulSet, frontend in order', async () => {
    const ws = mkdtempSync(join(dir, 'ws-'));
    mkdirSync(join(ws, 'k8s'));
    const workload = (kind: string, name: string, image: string) =>
      [
        'apiVersion: apps/v1',
        `kind: ${kind}`,
        `metadata: { name: ${name} }`,
        'spec:',
        '  replicas: 1',
        ...(kind === 'StatefulSet' ? [`  serviceName: ${name}`] : []),
        `  selector: { matchLabels: { app: ${name} } }`,
        '  template:',
        `    metadata: { labels: { app: ${name} } }`,
        `    spec: { containers: [{ name: app, image: ${image} }] }`,
      ].join('\n');
    writeFileSync(
      join(ws, 'k8s/1-backend.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: m-settings }\ndata: { a: "1" }\n---\n${workload('Deployment', 'm-backend', 'registry.local/m-backend')}\n`,
    );
    writeFileSync(join(ws, 'k8s/2-db.yaml'), workload('StatefulSet', 'm-db', 'registry.local/m-db:1'));
    writeFileSync(join(ws, 'k8s/3-frontend.yaml'), workload('Deployment', 'm-frontend', 'registry.local/m-frontend'));
    const since = Date.now();
    const run = await runAction('deploy-canary', {
      inputs: {
        target: 'kubernetes',
        kubeconfig,
        strategy: 'rolling',
        manifests: 'k8s',
        images: 'registry.local/m-backend:1.4.2\nregistry.local/m-frontend:1.4.2',
      },
      env,
      cwd: ws,
      timeoutMs: 150_000,
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(imageOf('m-backend')).toBe('registry.local/m-backend:1.4.2');
    expect(imageOf('m-frontend')).toBe('registry.local/m-frontend:1.4.2');
    expect(standin.get('StatefulSet', 'm-db')!.spec.template.spec.containers[0].image).toBe('registry.local/m-db:1');
    expect(standin.get('ConfigMap', 'm-settings')).toBeDefined();
    // The server saw every object on a dry run first, then the ConfigMap, then each workload in file order.
    const order = writes(since)
      .slice(0, 8)
      .map((w) => `${w.includes('dryRun=All') ? 'dry ' : ''}${/namespaces\/default\/([a-z]+)/.exec(w)?.[1] ?? w}`);
    expect(order).toEqual([
      'dry configmaps',
      'dry deployments',
      'dry statefulsets',
      'dry deployments',
      'configmaps',
      'deployments',
      'statefulsets',
      'deployments',
    ]);
    expect(history().at(-1)).toMatchObject({
      action: 'rolling',
      services: [
        { service: 'm-backend', image: 'registry.local/m-backend:1.4.2' },
        { service: 'statefulset/m-db', image: 'registry.local/m-db:1' },
        { service: 'm-frontend', image: 'registry.local/m-frontend:1.4.2' },
      ],
    });
    expectNoSecret(run);
  });

  it('stand-in: a pod-ratio canary scales the canary per step (objects per step), then promotes: stable takes the image, the canary goes', async () => {
    await fresh('web', 'registry.local/web:1', 4);
    const before = templateOf('web');
    const { run, seen } = await sampled(
      () => {
        const c = standin.get('Deployment', 'web-canary');
        return c ? `${c.metadata.annotations?.['deploy-kit.dev/weight'] ?? '-'}%:${c.spec.replicas}` : 'none';
      },
      () => canary({ deployment: 'web', image: 'registry.local/web:2', steps: '25,50,100' }),
    );
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ result: 'promoted', image: 'registry.local/web:2', 'previous-image': 'registry.local/web:1' });
    // 25 % of 4 = 1 pod, 50 % = 2, 100 % = as many as the stable; after the promotion 0 (traffic off it), then deleted.
    expect(seen.filter((s) => s !== 'none' && !s.startsWith('-'))).toEqual(['25%:1', '50%:2', '100%:4', '0%:0']);
    expect(seen.at(-1)).toBe('none');
    expect(imageOf('web')).toBe('registry.local/web:2');
    expect(templateOf('web')).not.toBe(before);
    expect(standin.get('Deployment', 'web-canary')).toBeUndefined();
    expect(history().at(-1)).toMatchObject({ action: 'deploy-canary', result: 'promoted', services: [{ service: 'web', image: 'registry.local/web:2' }] });
    expectNoSecret(run);
  });

  it('stand-in: smi writes a TrafficSplit per step (newest served version), baseline beside the canary; a later run aborts it', async () => {
    await fresh('shop', 'registry.local/shop:1', 2);
    const before = templateOf('shop');
    const { run, seen } = await sampled(
      () => {
        const split = standin.get('TrafficSplit', 'shop');
        return split ? `${split.apiVersion} ${(split.spec.backends as KObject[]).map((b) => `${b.service}=${b.weight}`).join(',')}` : 'none';
      },
      () => canary({ deployment: 'shop', image: 'registry.local/shop:2', 'traffic-router': 'smi', steps: '20,40', baseline: 'true' }),
    );
    expect(run.errors).toEqual([]);
    expect(run.outputs.result).toBe('paused');
    expect(seen.filter((s) => s !== 'none')).toEqual([
      'split.smi-spec.io/v1alpha4 shop-stable=80,shop-canary=20',
      'split.smi-spec.io/v1alpha4 shop-stable=60,shop-canary=40',
    ]);
    expect(standin.get('Deployment', 'shop-canary')!.spec.template.metadata.labels).toMatchObject({ 'deploy-kit.dev/track': 'canary' });
    expect(standin.get('Deployment', 'shop-baseline')!.spec.template.spec.containers[0].image).toBe('registry.local/shop:1');
    expect(standin.get('Service', 'shop-canary')!.spec.selector).toEqual({ app: 'shop', 'deploy-kit.dev/track': 'canary' });
    expect(templateOf('shop')).toBe(before);

    const abort = await canary({ deployment: 'shop', 'traffic-router': 'smi', action: 'abort' });
    expect(abort.errors).toEqual([]);
    expect(abort.outputs).toMatchObject({ result: 'aborted', image: 'registry.local/shop:1' });
    for (const [kind, name] of [
      ['TrafficSplit', 'shop'],
      ['Deployment', 'shop-canary'],
      ['Deployment', 'shop-baseline'],
      ['Service', 'shop-canary'],
    ] as const)
      expect(standin.get(kind, name), `${kind} ${name}`).toBeUndefined();
    expect(templateOf('shop')).toBe(before);
    expect(history().at(-1)).toMatchObject({ result: 'aborted' });
    expectNoSecret(abort);
  });

  it('stand-in: ingress-nginx writes a canary Ingress with canary-weight per step; a later run promotes it', async () => {
    await fresh('store', 'registry.local/store:1', 2);
    standin.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'store' },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: 'store.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'store', port: { number: 80 } } } }] } }],
      },
    });
    const { run, seen } = await sampled(
      () => standin.get('Ingress', 'store-canary')?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight'] ?? 'none',
      () => canary({ deployment: 'store', image: 'registry.local/store:2', 'traffic-router': 'ingress-nginx', ingress: 'store', steps: '10,50' }),
    );
    expect(run.errors).toEqual([]);
    expect(run.outputs.result).toBe('paused');
    expect(seen.filter((s) => s !== 'none')).toEqual(['10', '50']);
    const ing = standin.get('Ingress', 'store-canary')!;
    expect(ing.metadata.annotations['nginx.ingress.kubernetes.io/canary']).toBe('true');
    expect(ing.spec.rules[0].http.paths[0].backend.service.name).toBe('store-canary');

    const promote = await canary({ deployment: 'store', 'traffic-router': 'ingress-nginx', ingress: 'store', action: 'promote' });
    expect(promote.errors).toEqual([]);
    expect(promote.outputs).toMatchObject({ result: 'promoted', image: 'registry.local/store:2' });
    expect(imageOf('store')).toBe('registry.local/store:2');
    for (const [kind, name] of [
      ['Ingress', 'store-canary'],
      ['Deployment', 'store-canary'],
      ['Service', 'store-canary'],
    ] as const)
      expect(standin.get(kind, name), `${kind} ${name}`).toBeUndefined();
    expect(standin.get('Ingress', 'store')).toBeDefined();
  });

  it('stand-in: gateway-api weights the HTTPRoute backendRefs per step and puts them back on promote', async () => {
    await fresh('api', 'registry.local/api:1', 2);
    standin.create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'api' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'api', port: 80 }] }] },
    });
    const { run, seen } = await sampled(
      () => (standin.get('HTTPRoute', 'api')!.spec.rules[0].backendRefs as KObject[]).map((b) => `${b.name}=${b.weight ?? '-'}`).join(','),
      () => canary({ deployment: 'api', image: 'registry.local/api:2', 'traffic-router': 'gateway-api', httproute: 'api', steps: '30,100' }),
    );
    expect(run.errors).toEqual([]);
    expect(run.outputs.result).toBe('promoted');
    expect(seen).toEqual(['api=-', 'api=70,api-canary=30', 'api=0,api-canary=100', 'api=100']);
    expect(imageOf('api')).toBe('registry.local/api:2');
    expect(standin.get('Service', 'api-canary')).toBeUndefined();
  });

  it('stand-in: a canary that never becomes ready is aborted; the error names the pod and the reason; the stable template is untouched', async () => {
    await fresh('pay', 'registry.local/pay:1', 2);
    const before = templateOf('pay');
    const run = await canary({ deployment: 'pay', image: 'registry.local/pay:2-pull-fail', 'health-timeout': '20s' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('aborted');
    expect(run.errors.join('\n')).toMatch(
      /the canary did not start: deployment pay-canary did not become ready .*pod pay-canary-[a-z0-9-]+: app: (ErrImagePull|ImagePullBackOff)/,
    );
    expect(templateOf('pay')).toBe(before);
    expect(standin.get('Deployment', 'pay-canary')).toBeUndefined();
  });

  it('stand-in: SIGTERM mid-canary, then post: traffic back on stable, canary, baseline and router objects removed, kubeconfig file gone', async () => {
    await fresh('cart', 'registry.local/cart:1', 2);
    standin.create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'cart' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'cart', port: 80 }] }] },
    });
    const before = templateOf('cart');
    const inputs = {
      deployment: 'cart',
      image: 'registry.local/cart:2',
      'traffic-router': 'gateway-api',
      httproute: 'cart',
      steps: '25,50,100',
      interval: '30s',
      baseline: 'true',
    };
    const main = await canary(inputs, {
      onSpawn: (child, output) => {
        const timer = setInterval(() => {
          if (/Step 1\/3: 25% of traffic on the canary/.test(output())) {
            clearInterval(timer);
            child.kill('SIGTERM');
          }
        }, 50);
      },
    });
    expect(main.exitCode).toBe(1);
    expect(standin.get('Deployment', 'cart-canary')).toBeDefined();
    const file = main.state['kubeconfig-file']!;
    expect(existsSync(file)).toBe(true);
    // Main left the project lock to the post step, which cleans up under it and then removes it.
    expect(JSON.parse(String(standin.get('ConfigMap', 'deploy-kit-lock')?.data?.holder))).toMatchObject({ action: 'deploy-canary' });
    const post = await runAction('deploy-canary', { post: true, state: main.state, inputs: { ...BASE, ...inputs }, env, timeoutMs: 120_000 });
    expect(post.errors).toEqual([]);
    expect(post.exitCode).toBe(0);
    expect(post.summary).toMatch(/Canary of cart: aborted \(cancelled\)/);
    expect(standin.get('ConfigMap', 'deploy-kit-lock')).toBeUndefined();
    expect((standin.get('HTTPRoute', 'cart')!.spec.rules[0].backendRefs as KObject[]).map((b) => [b.name, b.weight])).toEqual([['cart', 100]]);
    for (const name of ['cart-canary', 'cart-baseline']) expect(standin.get('Deployment', name), name).toBeUndefined();
    expect(standin.get('Service', 'cart-canary')).toBeUndefined();
    expect(templateOf('cart')).toBe(before);
    expect(existsSync(file)).toBe(false);
    expect(history().at(-1)).toMatchObject({ result: 'aborted (cancelled)' });
    expectNoSecret(main);
  });

  it('stand-in: bad input is rejected before any object changes (context, Deployment, container, weights)', async () => {
    await fresh('web', 'registry.local/web:1', 1);
    const cases: Array<[Record<string, string>, RegExp, Record<string, string | undefined>?]> = [
      [{ context: 'nope' }, /context: "nope" is not a context of the kubeconfig; it has "standin", "other"/],
      [{ kubeconfig: '', context: 'nope' }, /context: "nope" is not a context of the kubeconfig/, { KUBECONFIG: join(dir, 'kubeconfig') }],
      [{ deployment: 'missing' }, /deployment "missing" does not exist in namespace/],
      [{ container: 'sidecar' }, /container: deployment web has no container "sidecar"; its containers are "app"/],
      [{ steps: '50,25' }, /steps/],
      [{ 'traffic-router': 'gateway-api', httproute: 'none' }, /httproute: "none" does not exist/],
    ];
    for (const [inputs, message, extraEnv] of cases) {
      const since = Date.now();
      const run = await canary({ deployment: 'web', image: 'registry.local/web:2', ...inputs }, { env: { ...env, ...extraEnv } });
      expect(run.exitCode, JSON.stringify(inputs)).toBe(1);
      expect(run.errors.join('\n')).toMatch(message);
      expect(run.log).not.toMatch(/this is a bug/);
      expect(writes(since), JSON.stringify(inputs)).toEqual([]);
      expect(standin.get('ConfigMap', 'deploy-kit-lock'), JSON.stringify(inputs)).toBeUndefined();
    }
    expect(standin.get('Deployment', 'web-canary')).toBeUndefined();
  });

  it("stand-in: rollback to the record's last good release, then to a revision; the summary shows revision and image before and after", async () => {
    await fresh('orders', 'registry.local/orders:1', 2);
    const deploy = (image: string) =>
      runAction('deploy-canary', { inputs: { target: 'kubernetes', kubeconfig, strategy: 'rolling', deployment: 'orders', image }, env, timeoutMs: 120_000 });
    expect((await deploy('registry.local/orders:2')).exitCode).toBe(0);
    expect((await deploy('registry.local/orders:3')).exitCode).toBe(0);
    const rollback = (inputs: Record<string, string>) =>
      runAction('rollback', { inputs: { target: 'kubernetes', kubeconfig, deployment: 'orders', ...inputs }, env, timeoutMs: 120_000 });

    const byRecord = await rollback({});
    expect(byRecord.errors).toEqual([]);
    expect(byRecord.outputs).toMatchObject({ 'rolled-back-from': 'registry.local/orders:3', 'rolled-back-to': 'registry.local/orders:2' });
    expect(imageOf('orders')).toBe('registry.local/orders:2');
    // Revision 2 (image :2) is re-used as revision 4.
    expect(byRecord.summary).toMatch(/\| orders \| registry.local\/orders:3 \| registry.local\/orders:2 \| record \| 3 → 4 \| yes, healthy \|/);
    expect(history().at(-1)).toMatchObject({ action: 'rollback', result: 'rolled-back' });
    expectNoSecret(byRecord);

    const byRevision = await rollback({ 'to-revision': '1' });
    expect(byRevision.errors).toEqual([]);
    expect(imageOf('orders')).toBe('registry.local/orders:1');
    expect(byRevision.summary).toMatch(/\| orders \| registry.local\/orders:2 \| registry.local\/orders:1 \| to-revision \| 4 → 5 \| yes, healthy \|/);

    const since = Date.now();
    const missing = await rollback({ 'to-revision': '9' });
    expect(missing.exitCode).toBe(1);
    expect(missing.errors.join('\n')).toMatch(/to-revision: orders has no revision 9; it keeps 3, 4, 5/);
    expect(writes(since)).toEqual([]);
    expect(standin.get('ConfigMap', 'deploy-kit-lock')).toBeUndefined();
    expect(existsSync(missing.state['kubeconfig-file'] ?? '/nonexistent')).toBe(false);
  });
});
