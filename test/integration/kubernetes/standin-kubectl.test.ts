// The API server stand-in is only worth its name if the real kubectl works against it unchanged:
// these tests run kubectl's own commands and check what a cluster would hold afterwards.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubectlSession, startStandin, type KubectlSession, type KubernetesStandin } from '../../support/k8s-standin/index.js';

const deployment = (image: string, env = '[{ name: A, value: "1" }, { name: B, value: "2" }]', port = 8080): string => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, labels: { app: web } }
spec:
  replicas: 2
  progressDeadlineSeconds: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: app
        image: ${image}
        ports: [{ containerPort: ${port} }]
        env: ${env}
      - name: sidecar
        image: registry.local/proxy:1
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`;

let standin: KubernetesStandin;
let k: KubectlSession;

beforeAll(async () => {
  standin = await startStandin({ readyAfterMs: 100, gatewayApi: true, smiVersions: ['v1alpha2'] });
  k = kubectlSession(standin);
});
afterAll(async () => {
  k.dispose();
  await standin.close();
});

function manifest(name: string, text: string): string {
  const path = join(k.dir, name);
  writeFileSync(path, text);
  return path;
}

async function ok(...args: string[]): Promise<string> {
  const r = await k.kubectl(...args);
  expect(r.exitCode, `kubectl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

const rsImages = (): Array<[string, string, number]> =>
  standin
    .list('ReplicaSet')
    .filter((rs) => rs.metadata.name.startsWith('web-'))
    .map(
      (rs) =>
        [rs.metadata.annotations['deployment.kubernetes.io/revision'], rs.spec.template.spec.containers[0].image, rs.spec.replicas] as [string, string, number],
    )
    .sort((a, b) => Number(a[0]) - Number(b[0]));

describe.sequential('real kubectl against the API server stand-in', { timeout: 240_000 }, () => {
  test('stand-in: apply creates, rollout status waits, set image makes a revision, rollout undo goes back to its ReplicaSet', async () => {
    expect(await ok('apply', '-f', manifest('v1.yaml', deployment('registry.local/web:1.0.0')))).toContain('deployment.apps/web created');
    expect(await ok('rollout', 'status', 'deployment/web', '--timeout=30s')).toContain('successfully rolled out');
    const pods = standin.list('Pod').filter((p) => p.metadata.labels.app === 'web');
    expect(pods).toHaveLength(2);
    expect(pods[0]!.metadata.labels['pod-template-hash']).toMatch(/^[a-z0-9]{6,10}$/);

    await ok('set', 'image', 'deployment/web', 'app=registry.local/web:1.1.0');
    await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(rsImages()).toEqual([
      ['1', 'registry.local/web:1.0.0', 0],
      ['2', 'registry.local/web:1.1.0', 2],
    ]);
    expect(standin.get('Deployment', 'web')!.spec.template.spec.containers[1].image).toBe('registry.local/proxy:1');

    expect(await ok('rollout', 'undo', 'deployment/web')).toContain('rolled back');
    await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
    // The first ReplicaSet is reused and becomes revision 3, as the real controller does.
    expect(rsImages()).toEqual([
      ['2', 'registry.local/web:1.1.0', 0],
      ['3', 'registry.local/web:1.0.0', 2],
    ]);
    expect(await ok('get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}')).toBe('3');
    expect(await ok('wait', '--for=condition=Available', 'deployment/web', '--timeout=20s')).toContain('condition met');
    const history = await ok('rollout', 'history', 'deployment/web');
    expect(history).toMatch(/2\s+<none>[\s\S]*3\s+<none>/);
  });

  test('stand-in: client-side apply merges containers, env and ports by their keys and keeps the last-applied annotation', async () => {
    await ok('apply', '-f', manifest('v2.yaml', deployment('registry.local/web:1.0.0', '[{ name: A, value: "1" }, { name: C, value: "3" }]', 9090)));
    const d = standin.get('Deployment', 'web')!;
    const app = d.spec.template.spec.containers[0];
    expect(app.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'C', value: '3' },
    ]);
    expect(app.ports).toEqual([{ containerPort: 9090, protocol: 'TCP' }]);
    expect(d.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['app', 'sidecar']);
    const lastApplied = JSON.parse(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    expect(lastApplied.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 9090 }]);
    expect(
      await ok('apply', '-f', manifest('v2b.yaml', deployment('registry.local/web:1.0.0', '[{ name: A, value: "1" }, { name: C, value: "3" }]', 9090))),
    ).toContain('deployment.apps/web unchanged');
    await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
  });

  test('stand-in: patch in its three types, scale, and delete with its dependents', async () => {
    await ok('patch', 'deployment', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":3}]');
    await ok('patch', 'deployment', 'web', '--type', 'merge', '-p', '{"metadata":{"annotations":{"deploy-kit.dev/image":"registry.local/web:1.0.0"}}}');
    await ok('patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"D","value":"4"}]}]}}}}');
    let d = standin.get('Deployment', 'web')!;
    expect(d.spec.replicas).toBe(3);
    expect(d.metadata.annotations['deploy-kit.dev/image']).toBe('registry.local/web:1.0.0');
    expect(d.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual(['A', 'C', 'D']);
    await ok('scale', 'deployment/web', '--replicas=1');
    d = standin.get('Deployment', 'web')!;
    expect(d.spec.replicas).toBe(1);
    await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(await ok('delete', 'deployment', 'web')).toContain('deleted');
    expect(standin.list('ReplicaSet').filter((rs) => rs.metadata.name.startsWith('web-'))).toEqual([]);
    await standin.until(() => standin.list('Pod').every((p) => p.metadata.labels.app !== 'web'), 5000, 'pods of web deleted');
  });

  test('stand-in: an image that cannot be pulled makes rollout status fail at the progress deadline, with the kubelet events', async () => {
    await ok('apply', '-f', manifest('v1.yaml', deployment('registry.local/web:1.0.0')));
    await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
    await ok('set', 'image', 'deployment/web', 'app=registry.local/web:2.0.0-pull-fail');
    const r = await k.kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('exceeded its progress deadline');
    const pending = standin.list('Pod').filter((p) => p.spec.containers[0].image.endsWith('pull-fail'));
    expect(pending[0]!.status.containerStatuses[0].state.waiting.reason).toBe('ImagePullBackOff');
    const events = JSON.parse(await ok('get', 'events', '--field-selector', `involvedObject.name=${pending[0]!.metadata.name}`, '-o', 'json')) as {
      items: Array<{ reason: string; message: string }>;
    };
    expect(events.items.map((e) => e.message)).toContain('Error: ImagePullBackOff');
    // The old pods kept serving.
    expect(standin.get('Deployment', 'web')!.status.availableReplicas).toBe(2);
    await ok('delete', 'deployment', 'web', '--wait=false');
  });

  test('stand-in: objects are checked against the real schemas; a wrong type is refused with 422', async () => {
    const bad = deployment('registry.local/web:1.0.0').replace('containerPort: 8080', 'containerPort: "http"');
    const r = await k.kubectl('apply', '-f', manifest('bad.yaml', bad));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/The Deployment "web" is invalid: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: .*must be integer/);
    expect(standin.get('Deployment', 'web')).toBeUndefined();
  });

  test('stand-in: a refused verb is answered 403 as RBAC words it, and a missing object 404', async () => {
    standin.refusals.push({ verb: 'patch', resource: 'deployments' });
    try {
      await ok('apply', '-f', manifest('v1.yaml', deployment('registry.local/web:1.0.0')));
      const r = await k.kubectl('set', 'image', 'deployment/web', 'app=registry.local/web:3');
      expect(r.stderr).toContain('deployments.apps "web" is forbidden');
      expect(r.stderr).toContain('cannot patch resource "deployments" in API group "apps" in the namespace "default"');
    } finally {
      standin.refusals.length = 0;
    }
    const missing = await k.kubectl('get', 'deployment', 'nope', '-o', 'json');
    expect(missing.stderr).toContain('Error from server (NotFound): deployments.apps "nope" not found');
  });

  test('stand-in: a StatefulSet rolls pod by pod and rollout status follows it', async () => {
    const sts = `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  replicas: 2
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: registry.local/db:1 }] }
`;
    await ok('apply', '-f', manifest('sts.yaml', sts));
    await ok('rollout', 'status', 'statefulset/db', '--timeout=30s');
    await ok('set', 'image', 'statefulset/db', 'db=registry.local/db:2');
    await ok('rollout', 'status', 'statefulset/db', '--timeout=30s');
    expect(
      standin
        .list('Pod')
        .filter((p) => p.metadata.labels.app === 'db')
        .map((p) => [p.metadata.name, p.spec.containers[0].image]),
    ).toEqual([
      ['db-0', 'registry.local/db:2'],
      ['db-1', 'registry.local/db:2'],
    ]);
  });

  test('stand-in: custom resources (HTTPRoute, TrafficSplit) take merge patches and refuse strategic ones', async () => {
    const route = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web }
spec:
  parentRefs: [{ name: gw }]
  rules:
  - backendRefs: [{ name: web, port: 80, weight: 100 }, { name: web-canary, port: 80, weight: 0 }]
`;
    await ok('apply', '-f', manifest('route.yaml', route));
    await ok('patch', 'httproute', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/rules/0/backendRefs/1/weight","value":10}]');
    expect(standin.get('HTTPRoute', 'web')!.spec.rules[0].backendRefs[1].weight).toBe(10);
    const smp = await k.kubectl('patch', 'httproute', 'web', '--type', 'strategic', '-p', '{"spec":{}}');
    expect(smp.exitCode).not.toBe(0);
    const split = `
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: { name: web }
spec:
  service: web
  backends: [{ service: web-stable, weight: 90 }, { service: web-canary, weight: 10 }]
`;
    await ok('apply', '-f', manifest('split.yaml', split));
    await ok('apply', '-f', manifest('split.yaml', split.replace('weight: 90', 'weight: 50').replace('weight: 10', 'weight: 50')));
    expect(standin.get('TrafficSplit', 'web')!.spec.backends.map((b: { weight: number }) => b.weight)).toEqual([50, 50]);
  });
});
