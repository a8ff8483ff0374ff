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

describe('rollback bundle, strategy: blue-green (stand-in)', () => {
  it('stand-in: after a bad colour went live, rollback switches the live Service back, scales the bad colour to zero, proves it healthy and records it', async () => {
    await stage.createApp('cart', 'registry.local/cart:1.0.0', { replicas: 2 });
    const env = { KUBECONFIG: undefined, KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
    const common = { target: 'kubernetes', kubeconfig, strategy: 'blue-green', deployment: 'cart', 'health-timeout': '60s' };
    for (const version of ['2.0.0', '3.0.0']) {
      const run = await runAction('deploy-canary', {
        inputs: { ...common, image: `registry.local/cart:${version}`, 'keep-previous': '10m' },
        env,
        timeoutMs: 150_000,
      });
      expect(run.errors).toEqual([]);
    }
    expect(stage.standin.get('Service', 'cart')!.spec.selector).toEqual({ app: 'cart', [COLOR]: 'green' });
    const liveUrl = await stage.url('cart');

    const plan = await runAction('rollback', { inputs: { ...common, 'dry-run': 'true' }, env, timeoutMs: 120_000 });
    expect(plan.errors).toEqual([]);
    expect(plan.outputs['rolled-back-to']).toBe('registry.local/cart:2.0.0');
    expect(stage.standin.get('Service', 'cart')!.spec.selector).toEqual({ app: 'cart', [COLOR]: 'green' });

    const checks = "- name: version\n  url: /health\n  expect: { json: { version: '2.0.0' } }\n";
    const run = await runAction('rollback', { inputs: { ...common, checks, 'base-url': liveUrl }, env, timeoutMs: 150_000 });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs['rolled-back-from']).toBe('registry.local/cart:3.0.0');
    expect(run.outputs['rolled-back-to']).toBe('registry.local/cart:2.0.0');
    expect((JSON.parse(run.outputs.checks!) as { passed: boolean }).passed).toBe(true);
    expect(run.summary).toMatch(/\| cart \| registry\.local\/cart:3\.0\.0 \| registry\.local\/cart:2\.0\.0 \| previous-colour \| yes, healthy \|/);
    expect(stage.standin.get('Service', 'cart')!.spec.selector).toEqual({ app: 'cart', [COLOR]: 'blue' });
    expect(stage.standin.get('Deployment', 'cart-green')!.spec.replicas).toBe(0);
    expect(await stage.versions('cart', 6)).toEqual({ '2.0.0': 6 });
    const history = stage.standin.get('ConfigMap', 'deploy-kit-history')!;
    expect(JSON.stringify(history.data)).toContain('rolled back to the previous colour (rollback action)');

    // A second rollback does not bring the rejected colour back, and changes nothing.
    const again = await runAction('rollback', { inputs: common, env, timeoutMs: 120_000 });
    expect(again.exitCode).toBe(1);
    expect(again.errors.join('\n')).toContain('runs registry.local/cart:3.0.0, which the record says was rolled back from or aborted');
    expect(stage.standin.get('Deployment', 'cart-green')!.spec.replicas).toBe(0);
    // Inputs that mean nothing here are refused before anything changes.
    const refused = await runAction('rollback', { inputs: { ...common, 'database-url': 'postgres://u@127.0.0.1/x' }, env, timeoutMs: 60_000 });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors).toEqual([expect.stringContaining('database-url does not apply to strategy: blue-green')]);
    expect(stage.standin.get('Service', 'cart')!.spec.selector).toEqual({ app: 'cart', [COLOR]: 'blue' });
  }, 420_000);
});
