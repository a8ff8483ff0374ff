// Blue-green on Kubernetes with the real kubectl against the stand-in whose pods run the fixture
// app: the new colour is smoke-checked (the checks engine) through its preview Service, the live
// Service's selector is switched under load, and switched back; failing checks leave it untouched.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseChecksDocument } from '../../../src/checks/document.js';
import { deployBlueGreen, retirePrevious, switchBack } from '../../../src/release/blue-green.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { KubernetesBlueGreen } from '../../../src/targets/kubernetes/blue-green.js';
import { KubernetesRecord } from '../../../src/targets/kubernetes/record.js';
import { startServingStage, type ServingStage } from '../../support/k8s-standin/stage.js';
import { startLoad } from '../../support/load.js';

const COLOR = 'deploy-kit.dev/color';
let stage: ServingStage;

beforeAll(async () => {
  stage = await startServingStage();
}, 60_000);
afterAll(async () => {
  await stage?.stop();
});

/** The app with its live Service and a preview Service (as a user's preview Ingress needs it to exist). */
async function app(name: string, image: string): Promise<{ previewUrl: string }> {
  await stage.createApp(name, image, { replicas: 2 });
  stage.standin.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${name}-preview`, labels: { app: name } },
    spec: { selector: { app: name, [COLOR]: 'none' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  return { previewUrl: await stage.url(`${name}-preview`) };
}

function checksFor(previewUrl: string, version: string) {
  return parseChecksDocument(
    {
      checks: [
        { name: 'health', url: '/health', expect: { status: 200, json: { status: 'ok', version } } },
        { name: 'orders', url: '/api/orders', repeat: 40, expect: { 'error-rate': 0 } },
      ],
    },
    { source: 'test', baseUrl: previewUrl, env: {}, workspace: '/tmp', defaults: { timeoutMs: 10_000, requestTimeoutMs: 5000 } },
  ).checks;
}

function blueGreen(name: string) {
  const log = memoryLogger();
  return {
    log,
    deps: { target: new KubernetesBlueGreen({ kubectl: stage.kubectl, deployment: name }), record: new KubernetesRecord(stage.kubectl), log },
  };
}

const selector = (service: string): Record<string, string> => stage.standin.get('Service', service)!.spec.selector;
const replicas = (deployment: string): number | undefined => stage.standin.get('Deployment', deployment)?.spec.replicas;

describe('blue-green on Kubernetes with pods that serve (stand-in)', { timeout: 180_000 }, () => {
  test('stand-in: switch to the checked colour under load with no failed request, keep the previous one, switch back, then retire it', async () => {
    const { previewUrl } = await app('web', 'registry.local/web:1.0.0');
    // Long request deadlines: the machine is shared, and a slow answer is not a failed one.
    const load = startLoad(`${await stage.url('web')}/api/orders`, { rps: 30, timeoutMs: 30_000 });
    const { deps, log } = blueGreen('web');
    const first = await deployBlueGreen(deps, {
      image: 'registry.local/web:2.0.0',
      checks: checksFor(previewUrl, '2.0.0'),
      keepPreviousMs: 600_000,
      healthTimeoutMs: 60_000,
      dryRun: false,
    });
    expect(first.kind, log.lines.join('\n')).toBe('switched');
    if (first.kind !== 'switched') return;
    expect(first.checks.map((c) => [c.name, c.passed])).toEqual([
      ['health', true],
      ['orders', true],
    ]);
    expect(selector('web')).toEqual({ app: 'web', [COLOR]: 'blue' });
    expect(await stage.versions('web', 10)).toEqual({ '2.0.0': 10 });
    // The adopted Deployment keeps its pods for an instant switch back, marked with its scale-down time.
    expect(replicas('web')).toBe(2);
    expect(stage.standin.get('Deployment', 'web')!.metadata.annotations['deploy-kit.dev/scale-down-at']).toBe(first.scaleDownAt);

    // Second release: green from blue's template.
    const second = await deployBlueGreen(deps, {
      image: 'registry.local/web:3.0.0',
      checks: checksFor(previewUrl, '3.0.0'),
      keepPreviousMs: 600_000,
      healthTimeoutMs: 60_000,
      dryRun: false,
    });
    expect(second.kind, log.lines.join('\n')).toBe('switched');
    expect(selector('web')).toEqual({ app: 'web', [COLOR]: 'green' });
    expect(await stage.versions('web', 10)).toEqual({ '3.0.0': 10 });
    expect(replicas('web-blue')).toBe(2);

    // Switch back: blue is still scaled, so it is instant.
    const started = Date.now();
    const back = await switchBack(deps, { healthTimeoutMs: 60_000, keepPreviousMs: 600_000, dryRun: false });
    const tookMs = Date.now() - started;
    expect(back).toMatchObject({ kind: 'switched-back', from: { workload: 'web-green' }, to: { workload: 'web-blue' }, scaledUp: false });
    expect(selector('web')).toEqual({ app: 'web', [COLOR]: 'blue' });
    expect(await stage.versions('web', 10)).toEqual({ '2.0.0': 10 });
    expect(tookMs).toBeLessThan(30_000);

    // Retire what is kept (action: promote): green to zero; blue, live again, untouched.
    expect(await retirePrevious(deps, { force: true, healthTimeoutMs: 60_000 })).toEqual({ retired: 'web-green' });
    expect(replicas('web-green')).toBe(0);
    expect(replicas('web-blue')).toBe(2);
    await stage.standin.until(() => !stage.standin.list('Pod').some((p) => p.metadata.labels?.[COLOR] === 'green'), 10_000, 'green pods gone');

    // Every request through the switches was answered 200.
    const answered = await load.stop();
    const t0 = answered.timeline[0]?.t ?? 0;
    const failures = answered.timeline.filter((x) => x.status !== 200).map((x) => `${x.status}@${x.t - t0}ms`);
    expect(answered.byStatus, `${failures.join(' ')}\n${log.lines.map((l) => l).join('\n')}`).toEqual({ 200: answered.sent });
    const history = JSON.parse(stage.standin.get('ConfigMap', 'deploy-kit-history')!.data['history.json']) as {
      entries: Array<{ action: string; result: string; services: Array<{ image: string }> }>;
    };
    expect(
      history.entries.filter((e) => e.services[0]!.image.startsWith('registry.local/web')).map((e) => `${e.action} ${e.result} ${e.services[0]!.image}`),
    ).toEqual([
      'blue-green deployed registry.local/web:2.0.0',
      'blue-green deployed registry.local/web:3.0.0',
      'rollback rolled-back registry.local/web:2.0.0',
    ]);
  });

  test('stand-in: failing checks on the preview leave the live Service untouched and the new colour removed', async () => {
    const { previewUrl } = await app('api', 'registry.local/api:1.0.0');
    const load = startLoad(`${await stage.url('api')}/api/orders`, { rps: 20, timeoutMs: 30_000 });
    const { deps, log } = blueGreen('api');
    const result = await deployBlueGreen(deps, {
      image: 'registry.local/api:2.0.0-5xx',
      checks: checksFor(previewUrl, '2.0.0-5xx'),
      keepPreviousMs: 600_000,
      healthTimeoutMs: 60_000,
      dryRun: false,
    });
    const answered = await load.stop();
    expect(result.kind, log.lines.join('\n')).toBe('failed');
    if (result.kind !== 'failed') return;
    expect(result.reason).toBe('1 of 2 checks failed on api-blue: orders');
    expect(result.removed).toBe(true);
    // The live Service selects the same pods as before: the adopted ones, labelled so (decision 0086).
    expect(selector('api')).toEqual({ app: 'api', [COLOR]: 'adopted' });
    expect(
      stage.standin
        .list('Pod')
        .filter((p) => p.metadata.labels?.app === 'api')
        .map((p) => p.metadata.labels[COLOR]),
    ).toEqual(['adopted', 'adopted']);
    expect(stage.standin.get('Deployment', 'api-blue')).toBeUndefined();
    expect(replicas('api')).toBe(2);
    expect(await stage.versions('api', 10)).toEqual({ '1.0.0': 10 });
    // The bad colour never served live traffic.
    expect(answered.byStatus).toEqual({ 200: answered.sent });
  });

  test('stand-in: a colour that never becomes ready is reported with pod and reason; live untouched', async () => {
    await app('front', 'registry.local/front:1.0.0');
    const { deps } = blueGreen('front');
    const result = await deployBlueGreen(deps, { image: 'registry.local/front:2-crash', checks: [], keepPreviousMs: 0, healthTimeoutMs: 8000, dryRun: false });
    expect(result.kind).toBe('failed');
    if (result.kind !== 'failed') return;
    expect(result.reason).toMatch(
      /^front-blue did not become ready: deployment front-blue did not become ready .*pod front-blue-[a-z0-9]+-[a-z0-9]+: app: CrashLoopBackOff/,
    );
    expect(selector('front')).toEqual({ app: 'front', [COLOR]: 'adopted' });
    expect(stage.standin.get('Deployment', 'front-blue')).toBeUndefined();
  });
});
