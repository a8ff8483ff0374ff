import { describe, expect, it } from 'vitest';
import { cleanUpCancelledCanary, deployCanary, finishCanary, runCanary, type CanaryDeps, type DeployCanaryRequest } from '../../../src/release/canary.js';
import type { CanaryPlan } from '../../../src/release/canary-plan.js';
import { memoryLogger, type MemoryLogger } from '../../../src/runtime/logger.js';
import type { Verdict } from '../../../src/metrics/analysis.js';
import { FakeAnalyser } from '../../support/fakes/analysis.js';
import { MemoryRecord } from '../../support/fakes/record.js';
import { FakeRouter } from '../../support/fakes/router.js';
import { FakeTarget } from '../../support/fakes/target.js';

const PLAN: CanaryPlan = { steps: [10, 50, 100], intervalMs: 1, failureLimit: 1, promoteAfterLastStep: false };

interface Stage {
  target: FakeTarget;
  router: FakeRouter;
  record: MemoryRecord;
  log: MemoryLogger;
  deps: CanaryDeps;
}

function stage(signal?: AbortSignal): Stage {
  const target = new FakeTarget({ app: 'app:1' });
  const router = new FakeRouter();
  const record = new MemoryRecord();
  const log = memoryLogger();
  return { target, router, record, log, deps: { target, router, record, log, signal } };
}

function request(analyser: FakeAnalyser, plan: Partial<CanaryPlan> = {}): DeployCanaryRequest {
  return { service: 'app', image: 'app:2', plan: { ...PLAN, ...plan }, healthTimeoutMs: 1000, analyser, dryRun: false, runUrl: 'https://ci/run/1' };
}

async function deployed(setup: Stage, analyser: FakeAnalyser, plan: Partial<CanaryPlan> = {}) {
  const result = await deployCanary(setup.deps, request(analyser, plan));
  if (result.kind !== 'ran') throw new Error('expected the canary to run');
  return result.outcome;
}

describe('canary use case (in-memory target, router and analysis)', () => {
  it('promotes after every step passes: stable runs the new image, traffic back on it, canary gone, recorded with its digest', async () => {
    const setup = stage();
    const analyser = new FakeAnalyser(['pass']);
    const outcome = await deployed(setup, analyser);
    expect(outcome.result).toBe('promoted');
    expect(outcome.analysed).toBe(true);
    expect(outcome.steps.map((step) => [step.weight, step.analysis.verdict])).toEqual([
      [10, 'pass'],
      [50, 'pass'],
      [100, 'pass'],
    ]);
    expect(setup.router.history).toEqual(['10→app-canary', '50→app-canary', '100→app-canary', '0']);
    expect(setup.target.running.get('app')).toBe('app:2');
    expect(setup.target.canaries.size).toBe(0);
    expect(setup.target.calls).toEqual(['start-canary app=app:2', 'promote app=app:2', 'remove-canary app']);
    expect(setup.record.entries).toMatchObject([
      {
        action: 'deploy-canary',
        result: 'promoted',
        services: [{ service: 'app', image: 'app:2', digest: expect.stringMatching(/^sha256:/) }],
        previous: [{ image: 'app:1' }],
      },
    ]);
  });

  it('takes the canary to 100 % before promoting when the last step was below it (promote-after-steps)', async () => {
    const setup = stage();
    expect((await deployed(setup, new FakeAnalyser(['pass']), { steps: [20], promoteAfterLastStep: true })).result).toBe('promoted');
    expect(setup.router.history).toEqual(['20→app-canary', '100→app-canary', '0']);
  });

  it.each([1, 2, 3])('aborts on the failed analysis number %i = failure-limit, repeating the step before it', async (limit) => {
    const setup = stage();
    const analyser = new FakeAnalyser(['pass', 'fail']);
    const outcome = await deployed(setup, analyser, { failureLimit: limit });
    expect(outcome.result).toBe('aborted');
    // One pass at 10 %, then `limit` failures, all at 50 % (a failure under the limit repeats the step).
    expect(analyser.calls.map((call) => call.weight)).toEqual([10, ...Array(limit).fill(50)]);
    expect(outcome.reason).toBe('analysis failed at 50%: success-rate: 95 is below 99');
    expect(setup.router.served).toEqual({ weight: 0 });
    expect(setup.target.canaries.size).toBe(0);
    expect(setup.target.running.get('app')).toBe('app:1');
    expect(outcome.cleanup).toEqual({ trafficRestored: true, canaryRemoved: true, problems: [], stableAt: expect.any(Number) });
    expect(setup.record.entries.map((entry) => [entry.result, entry.reason])).toEqual([['aborted', outcome.reason]]);
  });

  it('an inconclusive step advances (no-data allows it) and is logged as a warning', async () => {
    const setup = stage();
    const outcome = await deployed(setup, new FakeAnalyser(['inconclusive', 'pass']));
    expect(outcome.result).toBe('promoted');
    expect(setup.log.lines.some((line) => line.startsWith('warning: Step 1 at 10%: analysis inconclusive'))).toBe(true);
  });

  it('pauses at a last step below 100 %: canary stays serving its share, nothing recorded; promote by hand finishes it', async () => {
    const setup = stage();
    const outcome = await deployed(setup, new FakeAnalyser(['pass']), { steps: [10, 30] });
    expect(outcome.result).toBe('paused');
    expect(setup.router.served).toEqual({ weight: 30, canary: 'app-canary' });
    expect(setup.target.canaries.get('app')?.image).toBe('app:2');
    expect(setup.record.entries).toEqual([]);

    const later = stage();
    Object.assign(later.deps, { target: setup.target, router: setup.router });
    const finished = await finishCanary(later.deps, { action: 'promote', service: 'app', healthTimeoutMs: 1000, dryRun: false });
    expect(finished).toMatchObject({ kind: 'finished', action: 'promote', stableImage: 'app:1' });
    expect(setup.router.history.slice(-2)).toEqual(['100→app-canary', '0']);
    expect(setup.target.running.get('app')).toBe('app:2');
    expect(setup.target.canaries.size).toBe(0);
    expect(later.record.entries).toMatchObject([{ result: 'promoted', services: [{ image: 'app:2' }], previous: [{ image: 'app:1' }] }]);
  });

  it('aborts a paused canary by hand: traffic to stable first, then the canary removed; the stable image untouched', async () => {
    const setup = stage();
    await deployed(setup, new FakeAnalyser(['pass']), { steps: [30] });
    const finished = await finishCanary(setup.deps, { action: 'abort', service: 'app', healthTimeoutMs: 1000, dryRun: false });
    expect(finished).toMatchObject({ kind: 'finished', action: 'abort', cleanup: { trafficRestored: true, canaryRemoved: true, problems: [] } });
    expect(setup.router.served).toEqual({ weight: 0 });
    expect(setup.target.calls.slice(-1)).toEqual(['remove-canary app']);
    expect(setup.target.running.get('app')).toBe('app:1');
    expect(setup.record.entries).toMatchObject([{ result: 'aborted', reason: 'aborted by hand (action: abort)' }]);
  });

  it('promote or abort without a paused canary fails and changes nothing', async () => {
    const setup = stage();
    await expect(finishCanary(setup.deps, { action: 'abort', service: 'app', healthTimeoutMs: 1000, dryRun: false })).rejects.toThrow(
      'No canary of app is running: nothing to abort. Start one with action: deploy.',
    );
    expect(setup.router.history).toEqual([]);
    expect(setup.record.entries).toEqual([]);
  });

  it('cancelled mid-step: stops at once leaving the canary for the post step, whose cleanup restores traffic and records it', async () => {
    const controller = new AbortController();
    const setup = stage(controller.signal);
    setup.router.onSet = (weight) => {
      if (weight === 10) setTimeout(() => controller.abort(new Error('cancelled by SIGTERM')), 5);
    };
    const started = Date.now();
    await expect(deployCanary(setup.deps, request(new FakeAnalyser(['pass']), { intervalMs: 60_000 }))).rejects.toThrow('cancelled by SIGTERM');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(setup.router.served).toEqual({ weight: 10, canary: 'app-canary' });
    expect(setup.target.canaries.size).toBe(1);
    expect(setup.record.entries).toEqual([]);

    const post = stage();
    Object.assign(post.deps, { target: setup.target, router: setup.router });
    const cleanup = await cleanUpCancelledCanary(post.deps, { service: 'app', image: 'app:2', stableImage: 'app:1', healthTimeoutMs: 1000 });
    expect(cleanup).toMatchObject({ trafficRestored: true, canaryRemoved: true, problems: [] });
    expect(setup.router.served).toEqual({ weight: 0 });
    expect(setup.target.canaries.size).toBe(0);
    expect(post.record.entries).toMatchObject([{ result: 'aborted (cancelled)', services: [{ image: 'app:2' }] }]);
  });

  it('the post step puts the stable service back on its image when a promotion was cut short', async () => {
    const setup = stage();
    setup.target.running.set('app', 'app:2');
    await cleanUpCancelledCanary(setup.deps, { service: 'app', image: 'app:2', stableImage: 'app:1', healthTimeoutMs: 1000 });
    expect(setup.target.running.get('app')).toBe('app:1');
    expect(setup.target.calls).toEqual(['remove-canary app', 'rollout app=app:1']);
  });

  it('a router that fails at a step aborts the canary: traffic back on stable, canary removed, reason says which step', async () => {
    const setup = stage();
    setup.router.failing = new Set([50]);
    const outcome = await deployed(setup, new FakeAnalyser(['pass']));
    expect(outcome.result).toBe('aborted');
    expect(outcome.reason).toBe('setting 50% failed: fake router: reload failed at 50%');
    expect(setup.router.served).toEqual({ weight: 0 });
    expect(setup.target.canaries.size).toBe(0);
  });

  it('a router that cannot even go back to stable: the canary is still removed and the problem reported, not thrown', async () => {
    const setup = stage();
    setup.router.failing = 'all';
    const outcome = await deployed(setup, new FakeAnalyser(['pass']));
    expect(outcome.result).toBe('aborted');
    expect(outcome.cleanup).toEqual({
      trafficRestored: false,
      canaryRemoved: true,
      problems: ['putting traffic back on stable failed: fake router: reload failed at 0%'],
    });
    expect(setup.target.canaries.size).toBe(0);
  });

  it('a canary that never becomes healthy aborts before any traffic or analysis reaches it', async () => {
    const setup = stage();
    setup.target.unhealthy.add('app:2');
    const analyser = new FakeAnalyser(['pass']);
    const outcome = await deployed(setup, analyser);
    expect(outcome.result).toBe('aborted');
    expect(outcome.reason).toMatch(/^the canary did not start: app-canary did not become healthy/);
    expect(outcome.steps).toEqual([]);
    expect(analyser.calls).toEqual([]);
    expect(setup.router.history).toEqual(['0']);
    expect(setup.target.canaries.size).toBe(0);
    expect(setup.record.entries.map((entry) => entry.result)).toEqual(['aborted']);
  });

  it('a promotion whose new stable is unhealthy puts the old image back, then aborts', async () => {
    const setup = stage();
    const target = setup.target;
    // Healthy as a canary, unhealthy once it replaces the stable service.
    const promote = target.promote.bind(target);
    target.promote = async (canary, options) => {
      target.unhealthy.add(canary.image);
      await promote(canary, options);
    };
    const outcome = await deployed(setup, new FakeAnalyser(['pass']));
    expect(outcome.result).toBe('aborted');
    expect(outcome.reason).toMatch(/^promotion failed: app did not become healthy/);
    expect(target.running.get('app')).toBe('app:1');
    expect(setup.router.served).toEqual({ weight: 0 });
  });

  it('an analysis that throws fails the step (never a silent pass)', async () => {
    const setup = stage();
    const analyser = new FakeAnalyser(['pass']);
    analyser.error = new Error('Prometheus query failed: connection refused');
    const outcome = await deployed(setup, analyser);
    expect(outcome.result).toBe('aborted');
    expect(outcome.reason).toBe('the analysis at 10% failed: Prometheus query failed: connection refused');
  });

  it('metrics: [] is not a pass: every step is skipped, said in the log, and the canary promoted without analysis', async () => {
    const setup = stage();
    const analyser = new FakeAnalyser(['fail'], []);
    const outcome = await deployed(setup, analyser);
    expect(outcome.result).toBe('promoted');
    expect(outcome.analysed).toBe(false);
    expect(outcome.steps.map((step) => step.analysis.verdict)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(analyser.calls).toEqual([]);
    expect(setup.log.lines).toContain('warning: metrics is empty: the steps are walked without analysis (each verdict: skipped).');
  });

  it('a dry run validates and plans, and touches neither target nor router', async () => {
    const setup = stage();
    const result = await deployCanary(setup.deps, { ...request(new FakeAnalyser(['pass'])), dryRun: true });
    expect(result).toMatchObject({ kind: 'planned', stableImage: 'app:1', image: 'app:2' });
    expect(setup.log.lines).toContain('info: Plan: start app-canary with app:2 beside app:1; steps 10% → 50% → 100%, 1ms each, then analyse success-rate.');
    expect(setup.target.calls).toEqual([]);
    expect(setup.router.history).toEqual([]);
  });

  it('an unknown service is refused before anything starts', async () => {
    const setup = stage();
    await expect(deployCanary(setup.deps, { ...request(new FakeAnalyser(['pass'])), service: 'appp' })).rejects.toThrow(/service: service "appp"/);
    expect(setup.target.calls).toEqual([]);
  });

  it('runCanary alone needs no record (the integration tests drive it on real components)', async () => {
    const setup = stage();
    const verdicts: Verdict[] = ['pass'];
    const outcome = await runCanary(
      { target: setup.target, router: setup.router, log: setup.log },
      { plan: PLAN, service: 'app', image: 'app:2', healthTimeoutMs: 1000, analyser: new FakeAnalyser(verdicts) },
    );
    expect(outcome.result).toBe('promoted');
    expect(outcome.timings.endedAt).toBeGreaterThanOrEqual(outcome.timings.startedAt);
  });
});
