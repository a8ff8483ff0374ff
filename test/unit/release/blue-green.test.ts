import { describe, expect, test } from 'vitest';
import {
  deployBlueGreen,
  dueForScaleDown,
  nextColour,
  planBlueGreen,
  retirePrevious,
  rollBackColour,
  scaleDownTime,
  switchBack,
} from '../../../src/release/blue-green.js';
import { blueGreenFacts, blueGreenSummary } from '../../../src/release/blue-green-report.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { colourDeployment, liveColour, previewService, unmatchedSelector } from '../../../src/targets/kubernetes/blue-green.js';
import { FakeBlueGreenTarget } from '../../support/fakes/blue-green.js';
import { MemoryRecord } from '../../support/fakes/record.js';

const T0 = new Date('2026-12-01T12:00:00.000Z');
const request = { checks: [], healthTimeoutMs: 1000, dryRun: false, now: () => T0 };

function deps(target: FakeBlueGreenTarget) {
  return { target, record: new MemoryRecord(), log: memoryLogger() };
}

describe('blue-green decisions', () => {
  test('the next colour is the one not live; the first run (nothing coloured live) starts blue', () => {
    expect(nextColour(undefined)).toBe('blue');
    expect(nextColour('blue')).toBe('green');
    expect(nextColour('green')).toBe('blue');
  });

  test('the plan deploys the idle colour and keeps what serves now', () => {
    const state = { name: 'web', live: { colour: 'green' as const, workload: 'web-green', image: 'r/web:1', replicas: 4 } };
    expect(planBlueGreen(state, 'r/web:2', 600_000, (c) => `web-${c}`)).toEqual({
      name: 'web',
      to: 'blue',
      toWorkload: 'web-blue',
      from: state.live,
      image: 'r/web:2',
      keepPreviousMs: 600_000,
    });
  });

  test('scale-down time: keep-previous after the switch; none (at once) for 0', () => {
    expect(scaleDownTime(T0, 600_000)?.toISOString()).toBe('2026-12-01T12:10:00.000Z');
    expect(scaleDownTime(T0, 0)).toBeUndefined();
  });

  test('due for scale-down: running, and its time came — or forced; never a workload already at zero', () => {
    const idle = { workload: 'web-blue', image: 'x', replicas: 3, scaleDownAt: '2026-12-01T12:10:00.000Z' };
    expect(dueForScaleDown(idle, new Date('2026-12-01T12:09:59Z'), false)).toBe(false);
    expect(dueForScaleDown(idle, new Date('2026-12-01T12:10:00Z'), false)).toBe(true);
    expect(dueForScaleDown(idle, T0, true)).toBe(true);
    expect(dueForScaleDown({ ...idle, replicas: 0 }, T0, true)).toBe(false);
    expect(dueForScaleDown({ ...idle, scaleDownAt: undefined }, new Date('2030-01-01'), false)).toBe(false);
    expect(dueForScaleDown(undefined, T0, true)).toBe(false);
  });
});

describe('blue-green Kubernetes objects', () => {
  const live = {
    metadata: { name: 'web', namespace: 'prod', labels: { app: 'web' } },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } },
        spec: {
          containers: [
            { name: 'app', image: 'r/web:1' },
            { name: 'proxy', image: 'r/proxy:1' },
          ],
        },
      },
    },
  };
  const service = {
    metadata: { name: 'web', namespace: 'prod', labels: { app: 'web' } },
    spec: { selector: { app: 'web', 'deploy-kit.dev/color': 'green' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };

  test('a colour Deployment: the live template with the image in the app container, the colour on pods and selector, as many replicas', () => {
    const d = colourDeployment(live, { name: 'web-blue', colour: 'blue', image: 'r/web:2', container: 'app', previousImage: 'r/web:1' });
    expect(d.metadata).toEqual({
      name: 'web-blue',
      namespace: 'prod',
      labels: { app: 'web', 'deploy-kit.dev/color': 'blue' },
      annotations: { 'deploy-kit.dev/image': 'r/web:2', 'deploy-kit.dev/previous-image': 'r/web:1' },
    });
    expect(d.spec.replicas).toBe(4);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'web', 'deploy-kit.dev/color': 'blue' } });
    expect(d.spec.template.metadata.labels).toEqual({ app: 'web', 'deploy-kit.dev/color': 'blue' });
    expect(d.spec.template.spec.containers.map((c: { image: string }) => c.image)).toEqual(['r/web:2', 'r/proxy:1']);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate' });
    // The live object is not changed.
    expect(live.spec.template.spec.containers[0]!.image).toBe('r/web:1');
  });

  test('the preview Service selects the colour with the live Service ports; the live colour is read from the selector', () => {
    expect(previewService(service, 'web-preview', 'blue').spec).toEqual({
      selector: { app: 'web', 'deploy-kit.dev/color': 'blue' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    });
    expect(liveColour(service)).toBe('green');
    expect(liveColour({ spec: { selector: { app: 'web' } } })).toBeUndefined();
    expect(liveColour({ spec: { selector: { 'deploy-kit.dev/color': 'purple' } } })).toBeUndefined();
  });

  test('a Service selecting labels the pods lack is found (the colour key aside)', () => {
    expect(unmatchedSelector(service, live)).toEqual([]);
    expect(unmatchedSelector({ spec: { selector: { app: 'web', tier: 'front' } } }, live)).toEqual(['tier=front']);
  });
});

describe('blue-green use cases (in-memory target)', () => {
  test('first run: blue is deployed, previewed, then switched to; the adopted Deployment is kept with a scale-down time; the record says deployed', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1' });
    const d = deps(target);
    const result = await deployBlueGreen(d, { ...request, image: 'r/web:2', keepPreviousMs: 600_000 });
    expect(result).toMatchObject({ kind: 'switched', scaleDownAt: '2026-12-01T12:10:00.000Z', previousScaledDown: false });
    expect(target.calls).toEqual(['validate', 'isolate', 'deploy blue=r/web:2', 'preview blue', 'switch blue', 'mark web 2026-12-01T12:10:00.000Z']);
    expect(d.record.entries).toMatchObject([
      { action: 'blue-green', result: 'deployed', services: [{ service: 'web', image: 'r/web:2' }], previous: [{ service: 'web', image: 'r/web:1' }] },
    ]);
  });

  test('keep-previous 0: the previous colour is scaled to zero right after the switch', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1', live: 'blue' });
    const result = await deployBlueGreen(deps(target), { ...request, image: 'r/web:2', keepPreviousMs: 0 });
    expect(result).toMatchObject({ kind: 'switched', previousScaledDown: true });
    expect(target.calls.slice(-2)).toEqual(['switch green', 'scale web-blue=0']);
  });

  test('a colour that never gets ready: the live service is not touched, the colour is removed, the record says failed', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1', live: 'green' });
    target.unready.add('r/web:2');
    const d = deps(target);
    const result = await deployBlueGreen(d, { ...request, image: 'r/web:2', keepPreviousMs: 60_000 });
    expect(result).toMatchObject({ kind: 'failed', removed: true });
    if (result.kind === 'failed') expect(result.reason).toMatch(/^web-blue did not become ready: .*CrashLoopBackOff/);
    expect(target.live).toBe('green');
    expect(target.calls).toEqual(['validate', 'isolate', 'deploy blue=r/web:2', 'remove blue']);
    expect(d.record.entries[0]).toMatchObject({ action: 'blue-green', result: 'failed' });
  });

  test('dry-run changes nothing and says the plan', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1', live: 'blue' });
    const d = deps(target);
    const result = await deployBlueGreen(d, { ...request, image: 'r/web:2', keepPreviousMs: 600_000, dryRun: true });
    expect(result.kind).toBe('planned');
    expect(target.calls).toEqual(['validate']);
    expect(d.log.lines.join('\n')).toContain('Plan: deploy web-green with r/web:2 (3 replicas)');
  });

  test('switch back: the live service selects the previous colour again; the one switched away from is kept, then marked', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1', live: 'blue' });
    const d = deps(target);
    await deployBlueGreen(d, { ...request, image: 'r/web:2', keepPreviousMs: 600_000 });
    target.calls.length = 0;
    const back = await switchBack(d, { healthTimeoutMs: 1000, keepPreviousMs: 60_000, dryRun: false, now: () => T0 });
    expect(back).toMatchObject({ kind: 'switched-back', from: { workload: 'web-green' }, to: { workload: 'web-blue', image: 'r/web:1' }, scaledUp: false });
    expect(target.calls).toEqual(['validate', 'mark web-blue cleared', 'switch blue', 'mark web-green 2026-12-01T12:01:00.000Z']);
    expect(d.record.entries.at(-1)).toMatchObject({
      action: 'rollback',
      result: 'rolled-back',
      services: [{ image: 'r/web:1' }],
      previous: [{ image: 'r/web:2' }],
    });
  });

  test('switch back to a colour already at zero scales it up first; back to the adopted Deployment scales the colour away at once', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1', live: 'blue' });
    const d = deps(target);
    await deployBlueGreen(d, { ...request, image: 'r/web:2', keepPreviousMs: 0 });
    target.calls.length = 0;
    await switchBack(d, { healthTimeoutMs: 1000, keepPreviousMs: 60_000, dryRun: false });
    expect(target.calls.slice(0, 3)).toEqual(['validate', 'scale web-blue=3', 'mark web-blue cleared']);

    const adopted = new FakeBlueGreenTarget('api', { image: 'r/api:1' });
    const a = deps(adopted);
    await deployBlueGreen(a, { ...request, image: 'r/api:2', keepPreviousMs: 600_000 });
    adopted.calls.length = 0;
    await switchBack(a, { healthTimeoutMs: 1000, keepPreviousMs: 600_000, dryRun: false });
    expect(adopted.calls).toEqual(['validate', 'mark api cleared', 'switch adopted', 'scale api-blue=0']);
  });

  test('nothing to switch back to is an error that says so', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1' });
    await expect(switchBack(deps(target), { healthTimeoutMs: 1000, keepPreviousMs: 0, dryRun: false })).rejects.toThrow(
      'No previous colour of web to switch back to',
    );
  });

  test('retire: nothing before its time; waits for it when allowed; forced at once; never a colour that went live again', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1', live: 'blue' });
    const d = deps(target);
    await deployBlueGreen(d, { ...request, image: 'r/web:2', keepPreviousMs: 600_000 });
    const early = await retirePrevious(d, { force: false, healthTimeoutMs: 1000, now: () => new Date('2026-12-01T12:05:00Z') });
    expect(early).toEqual({ kept: { workload: 'web-blue', until: '2026-12-01T12:10:00.000Z' } });
    let clock = new Date('2026-12-01T12:05:00Z');
    const slept: number[] = [];
    const waited = await retirePrevious(d, {
      force: false,
      waitUpToMs: 600_000,
      only: 'web-blue',
      healthTimeoutMs: 1000,
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock = new Date(clock.getTime() + ms);
      },
    });
    expect(slept).toEqual([300_000]);
    expect(waited).toEqual({ retired: 'web-blue' });
    expect(target.workloads.get('web-blue')).toMatchObject({ replicas: 0 });
    expect(target.workloads.get('web-blue')!.scaleDownAt).toBeUndefined();

    const other = new FakeBlueGreenTarget('api', { image: 'r/api:1', live: 'green' });
    const o = deps(other);
    await deployBlueGreen(o, { ...request, image: 'r/api:2', keepPreviousMs: 600_000 });
    await switchBack(o, { healthTimeoutMs: 1000, keepPreviousMs: 600_000, dryRun: false, now: () => T0 });
    // The post step of the deploying run must not retire api-green: it is live again.
    expect(await retirePrevious(o, { force: true, only: 'api-green', healthTimeoutMs: 1000 })).toEqual({});
    expect(other.workloads.get('api-green')!.replicas).toBe(3);
    expect(await retirePrevious(o, { force: true, healthTimeoutMs: 1000 })).toEqual({ retired: 'api-blue' });
  });
});

describe('blue-green report', () => {
  test('switched: facts for the outputs and a summary naming both workloads and the scale-down time', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1', live: 'green' });
    const run = await deployBlueGreen(deps(target), { ...request, image: 'r/web:2', keepPreviousMs: 600_000 });
    expect(blueGreenFacts({ kind: 'deploy', run })).toEqual({
      outcome: 'switched',
      image: 'r/web:2',
      previousImage: 'r/web:1',
      colour: 'blue',
      checks: { passed: true, total: 0, failed: 0, checks: [] },
      scaleDownAt: '2026-12-01T12:10:00.000Z',
    });
    const md = blueGreenSummary({ kind: 'deploy', run }).toString();
    expect(md).toContain('Blue-green web: switched to web-blue');
    expect(md).toContain('web-green keeps 3 replicas until 2026-12-01T12:10:00.000Z');
  });

  test('failed: the old image still serves; the summary gives the reason', async () => {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1', live: 'green' });
    target.unready.add('r/web:2');
    const run = await deployBlueGreen(deps(target), { ...request, image: 'r/web:2', keepPreviousMs: 600_000 });
    expect(blueGreenFacts({ kind: 'deploy', run })).toMatchObject({ outcome: 'failed', image: 'r/web:1', colour: 'green' });
    expect(blueGreenSummary({ kind: 'deploy', run }).toString()).toContain('not switched — web-green still serves');
  });
});

describe('rollBackColour (the rollback action on a blue-green workload)', () => {
  const back = { healthTimeoutMs: 1000, dryRun: false };
  const passing = { count: 1, run: async () => [{ name: 'health', passed: true, status: 200, latencyMs: 3, attempts: 1, reasons: [] }] as never };
  const failing = { count: 1, run: async () => [{ name: 'health', passed: false, status: 500, latencyMs: 3, attempts: 3, reasons: ['status 500'] }] as never };

  async function switched(): Promise<{ target: FakeBlueGreenTarget; d: ReturnType<typeof deps> }> {
    const target = new FakeBlueGreenTarget('web', { image: 'r/web:1', live: 'blue' });
    const d = deps(target);
    await deployBlueGreen(d, { ...request, image: 'r/web:2', keepPreviousMs: 600_000 });
    target.calls.length = 0;
    return { target, d };
  }

  test('goes back to the previous colour, scales the rejected one to zero at once, checks it, and records the rollback', async () => {
    const { target, d } = await switched();
    const result = await rollBackColour(d, { ...back, checks: passing });
    expect(result).toMatchObject({
      kind: 'rolled-back',
      from: [{ service: 'web', image: 'r/web:2' }],
      steps: [{ service: 'web', from: 'r/web:2', to: 'r/web:1', source: 'previous-colour' }],
      database: 'untouched',
      checks: { report: { passed: true } },
    });
    expect(result.kind === 'rolled-back' && result.problem).toBeFalsy();
    expect(target.calls).toEqual(['validate', 'mark web-blue cleared', 'switch blue', 'scale web-green=0']);
    expect(d.record.entries.at(-1)).toMatchObject({
      action: 'rollback',
      result: 'rolled-back',
      services: [{ image: 'r/web:1' }],
      previous: [{ image: 'r/web:2' }],
    });
  });

  test('a second rollback never goes back to the colour the first one left (the record rejects its image)', async () => {
    const { target, d } = await switched();
    await rollBackColour(d, back);
    target.calls.length = 0;
    const again = await rollBackColour(d, back);
    expect(again).toMatchObject({ kind: 'impossible', reason: expect.stringContaining('runs r/web:2, which the record says was rolled back from or aborted') });
    expect(target.calls).toEqual(['validate']);
  });

  test('failing checks after the switch are the rollback’s problem (never a quiet success)', async () => {
    const { d } = await switched();
    const result = await rollBackColour(d, { ...back, checks: failing });
    expect(result).toMatchObject({ kind: 'rolled-back', problem: '1 of 1 checks failed after the rollback: health' });
  });

  test('a dry run plans and changes nothing; no previous colour is "impossible", nothing changed', async () => {
    const { target, d } = await switched();
    const plan = await rollBackColour(d, { ...back, dryRun: true });
    expect(plan).toMatchObject({ kind: 'planned', steps: [{ from: 'r/web:2', to: 'r/web:1' }] });
    expect(target.calls.filter((c) => c !== 'validate')).toEqual([]);

    const lone = new FakeBlueGreenTarget('api', { image: 'r/api:1', live: 'green' });
    const none = await rollBackColour(deps(lone), back);
    expect(none).toMatchObject({ kind: 'impossible', reason: expect.stringContaining('No previous colour of api to go back to') });
    expect(lone.calls).toEqual(['validate']);
  });

  test('a previous colour that never gets ready again fails the rollback with the reason; the live service is not switched', async () => {
    const { target, d } = await switched();
    await target.scale('web-blue', 0);
    target.unready.add('r/web:1');
    target.calls.length = 0;
    const result = await rollBackColour(d, back);
    expect(result).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/^Switching web back to web-blue failed: /) });
    expect(target.calls).not.toContain('switch blue');
  });
});
