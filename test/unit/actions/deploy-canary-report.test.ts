import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { canaryActionFailure, canaryActionNotice, canaryActionSummary, canaryOutputs, type CanaryActionRun } from '../../../actions/deploy-canary/report.js';
import { deployCanary, finishCanary, type CanaryDeps } from '../../../src/release/canary.js';
import { rollingDeploy } from '../../../src/release/rolling.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { repoRoot } from '../../harness/run-action.js';
import { FakeAnalyser } from '../../support/fakes/analysis.js';
import { MemoryRecord } from '../../support/fakes/record.js';
import { FakeRouter } from '../../support/fakes/router.js';
import { FakeTarget } from '../../support/fakes/target.js';
import { FakeBlueGreenTarget } from '../../support/fakes/blue-green.js';
import { deployBlueGreen, retirePrevious, switchBack } from '../../../src/release/blue-green.js';

const declared = Object.keys((parse(readFileSync(join(repoRoot, 'deploy-canary', 'action.yml'), 'utf8')) as { outputs: object }).outputs).sort();

function deps(): CanaryDeps & { target: FakeTarget; router: FakeRouter } {
  return { target: new FakeTarget({ app: 'app:1' }), router: new FakeRouter(), record: new MemoryRecord(), log: memoryLogger() };
}

const plan = { steps: [10, 100], intervalMs: 1, failureLimit: 1, promoteAfterLastStep: false };
const deploy = (verdicts: Array<'pass' | 'fail'>, extra: { dryRun?: boolean; checks?: string[]; steps?: number[] } = {}) => ({
  service: 'app',
  image: 'app:2',
  plan: { ...plan, ...(extra.steps ? { steps: extra.steps } : {}) },
  healthTimeoutMs: 1000,
  analyser: new FakeAnalyser(verdicts, extra.checks),
  dryRun: extra.dryRun ?? false,
});

/** A canary paused at 30 %, then promoted or aborted by a later run. */
async function finishPaused(action: 'promote' | 'abort', dryRun: boolean): Promise<CanaryActionRun> {
  const paused = deps();
  await deployCanary(paused, deploy(['pass'], { steps: [30] }));
  return { flow: 'finish', run: await finishCanary(paused, { action, service: 'app', healthTimeoutMs: 1000, dryRun }) };
}

/** Each path of the action, run through its use case on fakes. */
const paths: Array<[string, () => Promise<CanaryActionRun>, Record<string, unknown>]> = [
  [
    'canary, dry run',
    async () => ({ flow: 'canary', run: await deployCanary(deps(), deploy(['pass'], { dryRun: true })) }),
    { result: 'planned', image: 'app:2' },
  ],
  ['canary, promoted', async () => ({ flow: 'canary', run: await deployCanary(deps(), deploy(['pass'])) }), { result: 'promoted', image: 'app:2' }],
  ['canary, aborted', async () => ({ flow: 'canary', run: await deployCanary(deps(), deploy(['fail'])) }), { result: 'aborted', image: 'app:1' }],
  [
    'canary, paused',
    async () => ({ flow: 'canary', run: await deployCanary(deps(), deploy(['pass'], { steps: [30] })) }),
    { result: 'paused', image: 'app:2' },
  ],
  ['promote, dry run', () => finishPaused('promote', true), { result: 'planned', image: 'app:2' }],
  ['promote', () => finishPaused('promote', false), { result: 'promoted', image: 'app:2' }],
  ['abort, dry run', () => finishPaused('abort', true), { result: 'planned', image: 'app:1' }],
  ['abort', () => finishPaused('abort', false), { result: 'aborted', image: 'app:1' }],
  [
    'rolling, dry run',
    async () => ({ flow: 'rolling', run: await rollingDeploy(deps(), { updates: [{ service: 'app', image: 'app:2' }], healthTimeoutMs: 1000, dryRun: true }) }),
    { result: 'planned', image: 'app:2', 'previous-image': 'app:1' },
  ],
  [
    'rolling',
    async () => ({
      flow: 'rolling',
      run: await rollingDeploy(deps(), { updates: [{ service: 'app', image: 'app:2' }], healthTimeoutMs: 1000, dryRun: false }),
    }),
    { result: 'promoted', image: 'app:2', 'previous-image': 'app:1' },
  ],
  [
    'blue-green switched',
    async () => ({ flow: 'blue-green', run: { kind: 'deploy', run: await deployBlueGreen(blueGreen('green'), { ...bg, image: 'app:2' }) } }),
    { result: 'promoted', image: 'app:2', color: 'blue', 'scale-down-at': '2026-12-01T12:10:00.000Z' },
  ],
  [
    'blue-green failed',
    async () => {
      const d = blueGreen('green');
      d.target.unready.add('app:2');
      return { flow: 'blue-green', run: { kind: 'deploy', run: await deployBlueGreen(d, { ...bg, image: 'app:2' }) } };
    },
    { result: 'aborted', image: 'app:1', color: 'green', 'scale-down-at': '' },
  ],
  [
    'blue-green switched back',
    async () => {
      const d = blueGreen('blue');
      await deployBlueGreen(d, { ...bg, image: 'app:0' });
      return { flow: 'blue-green', run: { kind: 'switch-back', run: await switchBack(d, { healthTimeoutMs: 1000, keepPreviousMs: 0, dryRun: false }) } };
    },
    { result: 'aborted', image: 'app:1', 'previous-image': 'app:0', color: 'blue' },
  ],
  [
    'blue-green retired',
    async () => {
      const d = blueGreen('blue');
      await deployBlueGreen(d, { ...bg, image: 'app:2' });
      return { flow: 'blue-green', run: { kind: 'retire', name: 'app', run: await retirePrevious(d, { force: true, healthTimeoutMs: 1000 }) } };
    },
    { result: 'promoted', color: '', checks: null, 'previous-image': '' },
  ],
];

const bg = { checks: [], keepPreviousMs: 600_000, healthTimeoutMs: 1000, dryRun: false, now: () => new Date('2026-12-01T12:00:00.000Z') };
function blueGreen(live: 'blue' | 'green') {
  return { target: new FakeBlueGreenTarget('app', { image: 'app:1', live }), record: new MemoryRecord(), log: memoryLogger() };
}

describe('deploy-canary outputs, summary and failure per path', () => {
  it('action.yml declares the outputs', () => {
    expect(declared).toEqual(['analysis', 'checks', 'color', 'image', 'previous-image', 'result', 'scale-down-at']);
  });

  it.each(paths)('%s sets every declared output', async (_name, runPath, expected) => {
    const outputs = canaryOutputs(await runPath());
    expect(Object.keys(outputs).sort()).toEqual(declared);
    expect(outputs).toMatchObject({ 'previous-image': 'app:1', ...(expected as object) });
    expect(Array.isArray(outputs.analysis)).toBe(true);
  });

  it('an aborted canary fails the step, saying why and that traffic is back on stable', async () => {
    const action: CanaryActionRun = { flow: 'canary', run: await deployCanary(deps(), deploy(['fail'])) };
    expect(canaryActionFailure(action)).toBe(
      'Canary of app aborted: analysis failed at 10%: success-rate: 95 is below 99. Traffic is back on stable and the canary was removed.',
    );
    expect(canaryOutputs(action).analysis).toMatchObject([{ step: 1, weight: 10, verdict: 'fail' }]);
  });

  it('metrics: [] reads "promoted without analysis" in the summary and the notice, and its steps are skipped in the analysis output', async () => {
    const action: CanaryActionRun = { flow: 'canary', run: await deployCanary(deps(), deploy(['fail'], { checks: [] })) };
    const outputs = canaryOutputs(action);
    expect(outputs.result).toBe('promoted');
    expect(outputs.analysis.map((step) => step.verdict)).toEqual(['skipped', 'skipped']);
    const summary = canaryActionSummary(action).toString();
    expect(summary).toContain('## Canary of app: promoted without analysis');
    expect(summary).toContain('every step’s verdict is skipped (not a pass)');
    expect(canaryActionNotice(action)).toBe('app now runs app:2 (promoted without analysis: metrics is empty).');
    expect(canaryActionFailure(action)).toBeUndefined();
  });

  it('an analysed promotion says plainly that it was promoted', async () => {
    const action: CanaryActionRun = { flow: 'canary', run: await deployCanary(deps(), deploy(['pass'])) };
    expect(canaryActionSummary(action).toString()).toContain('## Canary of app: promoted\n');
    expect(canaryActionNotice(action)).toBe('app now runs app:2.');
  });
});

describe('deploy-canary blue-green failure and notice', () => {
  it('failed checks fail the step, naming what still serves', async () => {
    const d = blueGreen('green');
    d.target.unready.add('app:2');
    const action: CanaryActionRun = { flow: 'blue-green', run: { kind: 'deploy', run: await deployBlueGreen(d, { ...bg, image: 'app:2' }) } };
    expect(canaryActionFailure(action)).toMatch(
      /^Blue-green of app not switched: app-blue did not become ready: .*The live service still selects app-green; app-blue was removed\.$/,
    );
  });

  it('a switch says what serves now and until when the previous colour is kept', async () => {
    const action: CanaryActionRun = { flow: 'blue-green', run: { kind: 'deploy', run: await deployBlueGreen(blueGreen('green'), { ...bg, image: 'app:2' }) } };
    expect(canaryActionNotice(action)).toBe('app now serves app:2 from app-blue; app-green is kept until 2026-12-01T12:10:00.000Z.');
    expect(canaryActionFailure(action)).toBeUndefined();
  });
});
