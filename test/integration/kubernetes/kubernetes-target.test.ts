// The Kubernetes target, its routers and record, driven by the release use cases, with the real
// kubectl against the API server stand-in.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Kubectl } from '../../../src/kubernetes/kubectl.js';
import { TRACK_LABEL } from '../../../src/kubernetes/labels.js';
import { lastGoodImage } from '../../../src/record/history.js';
import { abortCanary, promoteCanary } from '../../../src/release/canary.js';
import { nullLogger } from '../../../src/runtime/logger.js';
import { KubernetesRecord } from '../../../src/targets/kubernetes/record.js';
import { KubernetesTarget } from '../../../src/targets/kubernetes/target.js';
import { GatewayApiRouter } from '../../../src/traffic/kubernetes/gateway-api.js';
import { IngressNginxRouter } from '../../../src/traffic/kubernetes/ingress-nginx.js';
import { PodRatioRouter } from '../../../src/traffic/kubernetes/pod-ratio.js';
import { SmiRouter } from '../../../src/traffic/kubernetes/smi.js';
import { kubectlSession, startStandin, type KObject, type KubectlSession, type KubernetesStandin } from '../../support/k8s-standin/index.js';

let standin: KubernetesStandin;
let session: KubectlSession;
let kubectl: Kubectl;
const WAIT = { timeoutMs: 60_000 };

beforeAll(async () => {
  standin = await startStandin({ readyAfterMs: 100, gatewayApi: true, smiVersions: ['v1alpha2', 'v1alpha3'] });
  session = kubectlSession(standin);
  kubectl = new Kubectl({ kubeconfig: session.kubeconfig, env: session.env, namespace: 'default' });
});
afterAll(async () => {
  session.dispose();
  await standin.close();
});

function deployment(name: string, image: string, replicas = 4): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      progressDeadlineSeconds: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image, ports: [{ containerPort: 8080 }] },
            { name: 'proxy', image: 'registry.local/proxy:1' },
          ],
        },
      },
    },
  };
}

async function fresh(name: string, image: string, replicas = 4): Promise<void> {
  for (const kind of ['Deployment', 'Service']) if (standin.get(kind, name)) standin.store.delete(standin.resource(kind), 'default', name);
  standin.create(deployment(name, image, replicas));
  standin.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { app: name } },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  await kubectl.rolloutStatus('deployment', name, WAIT);
}

const template = (name: string): string => JSON.stringify(standin.get('Deployment', name)!.spec.template);
const image = (name: string): string | undefined => standin.get('Deployment', name)?.spec.template.spec.containers[0].image;

// kubectl starts in 0.1 s on an idle runner, but this machine is shared: generous deadlines.
describe('Kubernetes target against the stand-in', { timeout: 240_000 }, () => {
  beforeEach(() => {
    standin.refusals.length = 0;
  });

  test('stand-in: rolling deploys several Deployments in order, each ready before the next, with deploy-kit.dev annotations', async () => {
    await fresh('api', 'registry.local/api:1', 2);
    await fresh('front', 'registry.local/front:1', 2);
    const target = new KubernetesTarget({ kubectl, container: 'app' });
    const order: string[] = [];
    await target.rollout(
      [
        { service: 'api', image: 'registry.local/api:2' },
        { service: 'front', image: 'registry.local/front:2' },
      ],
      { ...WAIT, onService: (s) => order.push(s.service) },
    );
    expect(order).toEqual(['api', 'front']);
    expect(image('api')).toBe('registry.local/api:2');
    expect(standin.get('Deployment', 'api')!.metadata.annotations['deploy-kit.dev/previous-image']).toBe('registry.local/api:1');
    expect(standin.get('Deployment', 'api')!.spec.template.spec.containers[1].image).toBe('registry.local/proxy:1');
    // api's rollout finished before front's template changed.
    const apiReady = standin.store.history.find(
      (e) =>
        e.object.kind === 'Deployment' &&
        e.object.metadata.name === 'api' &&
        e.object.status?.updatedReplicas === 2 &&
        e.object.status?.availableReplicas === 2 &&
        e.object.spec.template.spec.containers[0].image.endsWith(':2'),
    );
    const frontChanged = standin.store.history.find(
      (e) => e.object.kind === 'Deployment' && e.object.metadata.name === 'front' && e.object.spec.template.spec.containers[0].image.endsWith(':2'),
    );
    expect(apiReady!.rv).toBeLessThan(frontChanged!.rv);
  });

  test('stand-in: a rollout that never becomes ready names the pod, the reason and the last events', async () => {
    await fresh('api', 'registry.local/api:1', 2);
    const target = new KubernetesTarget({ kubectl });
    const err = (await target.rollout([{ service: 'api', image: 'registry.local/api:2-pull-fail' }], WAIT).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /^deployment api did not become ready \(.*exceeded its progress deadline.*\): pod api-[a-z0-9]+-[a-z0-9]{5}: app: ImagePullBackOff \(Back-off pulling image "registry.local\/api:2-pull-fail"\); last events: .*Failed/,
    );
  });

  test('stand-in: bad input is refused before anything changes: missing Deployment, container not in the pod spec', async () => {
    await fresh('api', 'registry.local/api:1', 2);
    const writes = (): number => standin.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();
    await expect(new KubernetesTarget({ kubectl }).validate(['nope'], 'deployment')).rejects.toThrow(
      'deployment: deployment "nope" does not exist in namespace default.',
    );
    await expect(new KubernetesTarget({ kubectl, container: 'web' }).validate(['api'], 'deployment')).rejects.toThrow(
      'container: deployment api has no container "web"; its containers are "app", "proxy".',
    );
    await expect(new KubernetesTarget({ kubectl }).validate(['api'], 'deployment')).rejects.toThrow(/name the one that takes the image/);
    expect(writes()).toBe(before);
  });

  test('stand-in: canary with baseline and pod-ratio: replicas per step, abort puts traffic on stable first, stable template untouched', async () => {
    await fresh('web', 'registry.local/web:1', 10);
    const before = template('web');
    const target = new KubernetesTarget({ kubectl, container: 'app', baseline: true });
    const router = new PodRatioRouter({ kubectl, deployment: 'web' });
    await router.validate();
    const canary = await target.startCanary('web', 'registry.local/web:2', WAIT);
    expect(standin.get('Deployment', 'web-canary')!.spec.template.metadata.labels[TRACK_LABEL]).toBe('canary');
    expect(standin.get('Deployment', 'web-baseline')!.spec.template.spec.containers[0].image).toBe('registry.local/web:1');
    expect(standin.list('Pod').filter((p) => p.metadata.labels.app === 'web' && p.metadata.labels[TRACK_LABEL] === 'stable')).toHaveLength(10);
    const replicas = (n: string): number => standin.get('Deployment', n)!.spec.replicas;
    for (const [weight, expected] of [
      [10, 1],
      [25, 3],
      [50, 5],
    ] as const) {
      await router.setWeight(weight, canary);
      expect([replicas('web-canary'), replicas('web-baseline'), replicas('web')]).toEqual([expected, expected, 10]);
      expect(await router.current()).toEqual({ canaryWeight: weight });
    }
    expect(await target.findCanary('web')).toMatchObject({
      canaryName: 'web-canary',
      image: 'registry.local/web:2',
      stableImage: 'registry.local/web:1',
      baselineName: 'web-baseline',
    });
    const at = standin.requests.length;
    const report = await abortCanary({ target, router, log: nullLogger }, 'web');
    expect(report).toMatchObject({ trafficRestored: true, canaryRemoved: true, problems: [] });
    const writes = standin.requests
      .slice(at)
      .filter((r) => r.method !== 'GET')
      .map((r) => `${r.method} ${r.path.replace('/apis/apps/v1/namespaces/default/', '')}`);
    expect(writes[0]).toBe('PATCH deployments/web-canary');
    expect(writes.indexOf('DELETE deployments/web-canary')).toBeGreaterThan(0);
    expect(standin.get('Deployment', 'web-canary')).toBeUndefined();
    expect(standin.get('Deployment', 'web-baseline')).toBeUndefined();
    expect(template('web')).toBe(before);
  });

  test('stand-in: promote gives the stable the canary image, then removes canary and baseline', async () => {
    await fresh('web', 'registry.local/web:1', 2);
    const target = new KubernetesTarget({ kubectl, baseline: true, container: 'app' });
    const router = new PodRatioRouter({ kubectl, deployment: 'web' });
    const canary = await target.startCanary('web', 'registry.local/web:2', WAIT);
    await promoteCanary({ target, router, log: nullLogger }, canary, 60_000);
    expect(image('web')).toBe('registry.local/web:2');
    expect(standin.get('Deployment', 'web-canary')).toBeUndefined();
    expect(standin.get('Deployment', 'web-baseline')).toBeUndefined();
  });

  test('stand-in: pod-ratio rounding edges — 1 replica, 10 %, 100 %', async () => {
    await fresh('one', 'registry.local/one:1', 1);
    const target = new KubernetesTarget({ kubectl });
    const router = new PodRatioRouter({ kubectl, deployment: 'one' });
    const canary = await target.startCanary('one', 'registry.local/one:2', WAIT);
    for (const [w, n] of [
      [10, 1],
      [100, 1],
      [0, 0],
    ] as const) {
      await router.setWeight(w, canary);
      expect(standin.get('Deployment', 'one-canary')!.spec.replicas).toBe(n);
    }
    await target.removeCanary('one');
  });

  test('stand-in: gateway-api weights the HTTPRoute backendRefs per step; stable only removes the canary ref and Service', async () => {
    await fresh('web', 'registry.local/web:1', 2);
    standin.create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: 'default' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    });
    const router = new GatewayApiRouter({ kubectl, route: 'web', service: 'web' });
    await router.validate();
    const canary = { service: 'web', canaryName: 'web-canary' };
    for (const w of [10, 50]) {
      await router.setWeight(w, canary);
      expect(standin.get('HTTPRoute', 'web')!.spec.rules[0].backendRefs).toEqual([
        { name: 'web', port: 80, weight: 100 - w },
        { name: 'web-canary', port: 80, weight: w },
      ]);
    }
    expect(standin.get('Service', 'web-canary')!.spec.selector).toEqual({ app: 'web', [TRACK_LABEL]: 'canary' });
    await router.setWeight(0, undefined);
    expect(standin.get('HTTPRoute', 'web')!.spec.rules[0].backendRefs).toEqual([{ name: 'web', port: 80, weight: 100 }]);
    expect(standin.get('Service', 'web-canary')).toBeUndefined();
  });

  test('stand-in: ingress-nginx writes a canary Ingress with canary-weight; stable only sets 0 and deletes it', async () => {
    await fresh('web', 'registry.local/web:1', 2);
    standin.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: 'web.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
      },
    });
    const router = new IngressNginxRouter({ kubectl, ingress: 'web', service: 'web' });
    await router.validate();
    await router.setWeight(20, { service: 'web', canaryName: 'web-canary' });
    const ing = standin.get('Ingress', 'web-canary')!;
    expect(ing.metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '20' });
    expect(ing.spec.rules[0].http.paths[0].backend.service.name).toBe('web-canary');
    expect(await router.current()).toEqual({ canaryWeight: 20 });
    await router.setWeight(0, undefined);
    expect(standin.get('Ingress', 'web-canary')).toBeUndefined();
    expect(await router.current()).toEqual({ canaryWeight: 0 });
  });

  test('stand-in: smi writes a TrafficSplit in the newest served version, with stable and canary backends', async () => {
    await fresh('web', 'registry.local/web:1', 2);
    const router = new SmiRouter({ kubectl, service: 'web' });
    await router.validate();
    await router.setWeight(30, { service: 'web', canaryName: 'web-canary' });
    const split = standin.get('TrafficSplit', 'web')!;
    expect(split.apiVersion).toBe('split.smi-spec.io/v1alpha3');
    expect(split.spec.backends).toEqual([
      { service: 'web-stable', weight: 70 },
      { service: 'web-canary', weight: 30 },
    ]);
    await router.setWeight(0, undefined);
    expect(standin.get('TrafficSplit', 'web')).toBeUndefined();
  });

  test('stand-in: revisions are the ReplicaSets (current last); undoTo runs rollout undo --to-revision and waits', async () => {
    await fresh('web', 'registry.local/web:1', 1);
    const target = new KubernetesTarget({ kubectl, container: 'app' });
    await target.rollout([{ service: 'web', image: 'registry.local/web:2' }], WAIT);
    await target.rollout([{ service: 'web', image: 'registry.local/web:3' }], WAIT);
    expect(await target.revisions('web')).toEqual([
      { revision: '1', image: 'registry.local/web:1' },
      { revision: '2', image: 'registry.local/web:2' },
      { revision: '3', image: 'registry.local/web:3' },
    ]);
    await target.undoTo('web', '1', WAIT);
    expect(image('web')).toBe('registry.local/web:1');
    expect((await target.revisions('web')).at(-1)).toEqual({ revision: '4', image: 'registry.local/web:1' });
  });

  test('stand-in: the record is a ConfigMap with the Compose history entries, and annotations on the Deployment', async () => {
    await fresh('web', 'registry.local/web:2', 1);
    const record = new KubernetesRecord(kubectl, { commit: 'abc123' });
    const entry = (result: 'promoted' | 'aborted', img: string, prev: string) => ({
      at: new Date().toISOString(),
      action: 'deploy-canary' as const,
      result,
      services: [{ service: 'web', image: img }],
      previous: [{ service: 'web', image: prev }],
      runUrl: 'https://github.com/o/r/actions/runs/1',
    });
    await record.append(entry('promoted', 'registry.local/web:2', 'registry.local/web:1'));
    await record.append(entry('aborted', 'registry.local/web:3', 'registry.local/web:2'));
    const history = await record.read();
    expect(history.entries.map((e) => e.result)).toEqual(['promoted', 'aborted']);
    expect(JSON.parse(standin.get('ConfigMap', 'deploy-kit-history')!.data['history.json']).entries).toHaveLength(2);
    expect(lastGoodImage(history.entries, 'web', 'registry.local/web:2')?.image).toBe('registry.local/web:1');
    expect(standin.get('Deployment', 'web')!.metadata.annotations).toMatchObject({
      'deploy-kit.dev/image': 'registry.local/web:2',
      'deploy-kit.dev/previous-image': 'registry.local/web:2',
      'deploy-kit.dev/result': 'deploy-canary: aborted',
      'deploy-kit.dev/commit': 'abc123',
    });
  });
});
