// The stand-in's patch engine is what makes kubectl's apply and set image land as on a real
// server; its edges are checked here without kubectl.
import { describe, expect, test } from 'vitest';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, type Json } from '../../support/k8s-standin/patch.js';

const pod = (): Json => ({
  spec: {
    containers: [
      { name: 'app', image: 'a:1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] },
      { name: 'side', image: 's:1' },
    ],
    volumes: [{ name: 'v', emptyDir: {} }],
  },
});

describe('stand-in patches', () => {
  test('strategic merge: containers by name, env by name, $patch delete, $setElementOrder', () => {
    const out = applyStrategicMergePatch('Pod', pod(), {
      spec: {
        '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }],
        containers: [
          {
            name: 'app',
            image: 'a:2',
            env: [
              { name: 'A', $patch: 'delete' },
              { name: 'B', value: '2' },
            ],
          },
        ],
        volumes: [{ name: 'v', $patch: 'delete' }],
      },
    } as Json) as { spec: { containers: Array<{ name: string; image: string; env?: unknown }>; volumes: unknown[] } };
    expect(out.spec.containers.map((c) => c.name)).toEqual(['side', 'app']);
    expect(out.spec.containers[1]).toMatchObject({ image: 'a:2', env: [{ name: 'B', value: '2' }], ports: [{ containerPort: 80 }] });
    expect(out.spec.volumes).toEqual([]);
  });

  test('strategic merge: ports of a Service by port, $retainKeys, null deletes a key', () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }], type: 'ClusterIP' } } as Json;
    const out = applyStrategicMergePatch('Service', svc, { spec: { ports: [{ port: 443, targetPort: 8443 }], type: null } }) as {
      spec: Record<string, unknown>;
    };
    expect(out.spec).toEqual({
      ports: [
        { port: 80, targetPort: 8080 },
        { port: 443, targetPort: 8443 },
      ],
    });
    const strategy = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } } as Json;
    const recreate = applyStrategicMergePatch('Deployment', strategy, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    expect(recreate).toEqual({ spec: { strategy: { type: 'Recreate' } } });
  });

  test('merge patch and JSON patch', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 } }, { a: { b: null, d: 3 } })).toEqual({ a: { c: 2, d: 3 } });
    expect(
      applyJsonPatch({ a: [1, 2] }, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'replace', path: '/a/0', value: 0 },
      ]),
    ).toEqual({ a: [0, 2, 3] });
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(/failed/);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/b' }])).toThrow(/missing/);
  });
});
