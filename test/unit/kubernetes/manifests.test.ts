import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestFiles, manifestInputFromInputs, removeTemporaryKubeconfig } from '../../../actions/shared/kubernetes.js';
import { planRevisionRollback } from '../../../src/release/rollback.js';
import { Inputs } from '../../../src/runtime/inputs.js';
import { SecretRegistry } from '../../../src/runtime/secrets.js';
import { manifestWorkloads, parseManifests, substituteImages, workloadRef } from '../../../src/targets/kubernetes/manifests.js';

const inputs = (values: Record<string, string>): Inputs =>
  new Inputs(
    (n) => values[n] ?? '',
    new SecretRegistry(),
    () => undefined,
    '/ws',
  );

const YAML = `
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { a: "1" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: backend }
spec:
  selector: { matchLabels: { app: backend } }
  template:
    metadata: { labels: { app: backend } }
    spec:
      initContainers: [{ name: migrate, image: registry.local:5000/backend }]
      containers: [{ name: app, image: registry.local:5000/backend:latest }, { name: proxy, image: envoy:1 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: postgres:15 }] }
`;

describe('Kubernetes manifests (pure)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dk-manifests-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses documents in order, substitutes images by name (init containers too), and lists the workloads', () => {
    const objects = substituteImages(parseManifests([{ label: 'app.yaml', text: YAML }]), ['registry.local:5000/backend:1.4.2', 'postgres:16']);
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Deployment', 'StatefulSet']);
    const backend = objects[1]!.spec.template.spec;
    expect(backend.initContainers[0].image).toBe('registry.local:5000/backend:1.4.2');
    expect(backend.containers.map((c: { image: string }) => c.image)).toEqual(['registry.local:5000/backend:1.4.2', 'envoy:1']);
    expect(manifestWorkloads(objects)).toEqual([
      { service: 'backend', image: 'registry.local:5000/backend:1.4.2' },
      { service: 'statefulset/db', image: 'postgres:16' },
    ]);
  });

  it('names what is wrong: an image matching no container, a document that is not an object, no workload', () => {
    const objects = parseManifests([{ label: 'app.yaml', text: YAML }]);
    expect(() => substituteImages(objects, ['ghcr.io/org/other:2'])).toThrow(/images: no container in the manifests runs "ghcr.io\/org\/other"/);
    expect(() => parseManifests([{ label: 'bad.yaml', text: 'kind: Deployment\n' }])).toThrow(/bad.yaml, document 1 is not a Kubernetes object/);
    expect(() => manifestWorkloads(objects.slice(0, 1))).toThrow(/no Deployment or StatefulSet/);
    expect(() => manifestWorkloads(objects, 'sidecar')).toThrow(/container: backend in the manifests has no container "sidecar"/);
  });

  it('workload references: name, statefulset/name, nothing else', () => {
    expect(workloadRef('web')).toEqual({ kind: 'deployment', name: 'web' });
    expect(workloadRef('sts/db')).toEqual({ kind: 'statefulset', name: 'db' });
    expect(() => workloadRef('daemonset/x')).toThrow(/Deployments and StatefulSets/);
  });

  it('files as given, directories sorted (not recursive), globs with ** — each once', async () => {
    mkdirSync(join(dir, 'k8s/sub'), { recursive: true });
    for (const f of ['k8s/b.yaml', 'k8s/a.yml', 'k8s/notes.txt', 'k8s/sub/c.yaml']) writeFileSync(join(dir, f), 'x');
    expect(await manifestFiles(['k8s'], dir)).toEqual([join(dir, 'k8s/a.yml'), join(dir, 'k8s/b.yaml')]);
    expect(await manifestFiles(['k8s/b.yaml', 'k8s/**/*.yaml'], dir)).toEqual([join(dir, 'k8s/b.yaml'), join(dir, 'k8s/sub/c.yaml')]);
    await expect(manifestFiles(['missing'], dir)).rejects.toThrow(/manifests: "missing" does not exist/);
    await expect(manifestFiles(['k8s/*.json'], dir)).rejects.toThrow(/matches no/);
  });

  it('reads the manifests inputs and refuses images without manifests or a tag', () => {
    expect(manifestInputFromInputs(inputs({}))).toBeUndefined();
    expect(manifestInputFromInputs(inputs({ manifests: 'k8s', images: 'r/app:2' }))).toEqual({ paths: ['k8s'], kustomize: false, images: ['r/app:2'] });
    expect(() => manifestInputFromInputs(inputs({ images: 'r/app:2' }))).toThrow(/images applies to the manifests input/);
    expect(() => manifestInputFromInputs(inputs({ manifests: 'k8s', images: 'localhost:5000/app' }))).toThrow(/has no tag or digest/);
    expect(() => manifestInputFromInputs(inputs({ manifests: 'a\nb', kustomize: 'true' }))).toThrow(/kustomize: true renders one directory/);
  });

  it('removes only a kubeconfig file it wrote', async () => {
    const own = join(dir, 'deploy-kit-kube-abc');
    mkdirSync(own);
    writeFileSync(join(own, 'deploy-kit-kubeconfig-0a1b'), 'x');
    writeFileSync(join(dir, 'kubeconfig'), 'x');
    expect(await removeTemporaryKubeconfig(join(dir, 'kubeconfig'))).toBe(false);
    expect(await removeTemporaryKubeconfig(join(own, 'deploy-kit-kubeconfig-0a1b'))).toBe(true);
  });

  it('to-revision is planned from the kept revisions: missing or current ones are refused', () => {
    const kept = new Map([
      [
        'web',
        [
          { revision: '1', image: 'w:1' },
          { revision: '3', image: 'w:3' },
        ],
      ],
    ]);
    expect(planRevisionRollback([{ service: 'web', image: 'w:3' }], kept, '1')).toEqual({
      ok: true,
      steps: [{ service: 'web', from: 'w:3', to: 'w:1', source: 'to-revision' }],
    });
    expect(() => planRevisionRollback([{ service: 'web', image: 'w:3' }], kept, '2')).toThrow(/web has no revision 2; it keeps 1, 3/);
    expect(() => planRevisionRollback([{ service: 'web', image: 'w:3' }], kept, '3')).toThrow(/revision 3 is what web runs now/);
    expect(() => planRevisionRollback([{ service: 'web', image: 'w:3' }], undefined, '1')).toThrow(/target: kubernetes/);
  });
});
