// deploy-canary's bundle with strategy: blue-green, as the runner runs it, against the Kubernetes
// API stand-in whose pods run the fixture app: checks through the preview Service, the switch, and
// the post step scaling the previous Deployment to zero once keep-previous has passed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../harness/run-action.js';
import { startServingStage, type ServingStage } from '../support/k8s-standin/stage.js';

const COLOR = 'deploy-kit.dev/color';
let stage: ServingStage;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  stage = await startServingStage();
  dir = mkdtempSync(join(tmpdir(), 'dk-bg-e2e-'));
  kubeconfig = readFileSync(stage.standin.writeKubeconfig(dir), 'utf8');
}, 60_000);
afterAll(async () => {
  await stage?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('deploy-canary bundle, strategy: blue-green (stand-in)', () => {
  it('stand-in: checks the new colour through the preview, switches the live Service, and the post step scales the previous Deployment to zero', async () => {
    await stage.createApp('shop', 'registry.local/shop:1.0.0', { replicas: 2 });
    stage.standin.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop-preview', labels: { app: 'shop' } },
      spec: { selector: { app: 'shop', [COLOR]: 'none' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const previewUrl = await stage.url('shop-preview');
    const env = { KUBECONFIG: undefined, KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
    const inputs = {
      target: 'kubernetes',
      kubeconfig,
      strategy: 'blue-green',
      deployment: 'shop',
      image: 'registry.local/shop:2.0.0',
      'preview-url': previewUrl,
      checks: "- name: health\n  url: /health\n  expect: { json: { version: '2.0.0' } }\n",
      'keep-previous': '2s',
      'health-timeout': '60s',
    };
    const run = await runAction('deploy-canary', { inputs, env, timeoutMs: 150_000 });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.result).toBe('promoted');
    expect(run.outputs.color).toBe('blue');
    expect(run.outputs.image).toBe('registry.local/shop:2.0.0');
    expect(run.outputs['previous-image']).toBe('registry.local/shop:1.0.0');
    expect((JSON.parse(run.outputs.checks!) as { passed: boolean }).passed).toBe(true);
    expect(run.summary).toContain('Blue-green shop: switched to shop-blue');
    expect(stage.standin.get('Service', 'shop')!.spec.selector).toEqual({ app: 'shop', [COLOR]: 'blue' });
    expect(await stage.versions('shop', 6)).toEqual({ '2.0.0': 6 });
    expect(stage.standin.get('Deployment', 'shop')!.spec.replicas).toBe(2);

    const post = await runAction('deploy-canary', { post: true, state: run.state, inputs: { target: 'kubernetes' }, env, timeoutMs: 120_000 });
    expect(post.exitCode).toBe(0);
    expect(post.log).toContain('shop was scaled to zero (keep-previous has passed).');
    expect(stage.standin.get('Deployment', 'shop')!.spec.replicas).toBe(0);
    expect(await stage.versions('shop', 4)).toEqual({ '2.0.0': 4 });
  }, 240_000);
});
