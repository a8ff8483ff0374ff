/**
 * The canary use cases, against DeploymentTarget, TrafficRouter, CanaryAnalyser and ReleaseRecord
 * only: deploy (start, walk the steps — weight → wait → analyse — then promote, pause or abort),
 * finish a paused canary by hand (promote | abort), and clean up after a cancelled run. On abort,
 * traffic goes back to stable FIRST, then the canary is removed; the target's configuration is
 * never moved to the canary's image. Cancellation stops at once and leaves the cleanup to
 * `cleanUpCancelledCanary` (the post step), driven by what `onStarting` saved.
 */
import type { CanaryAnalyser } from '../metrics/analyser.js';
import type { StepAnalysis } from '../metrics/analysis.js';
import { canaryEntry } from '../record/entries.js';
import type { ReleaseDatabase, ReleaseRecord } from '../record/history.js';
import { errorMessage, OperationFailedError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { formatDuration } from '../runtime/parse.js';
import type { CanaryHandle, DeploymentTarget, ServiceImage } from '../targets/target.js';
import { splitWeights, type TrafficRouter } from '../traffic/router.js';
import { sleep } from '../util/sleep.js';
import { nextPhase, type CanaryPhase, type CanaryPlan, type CanaryResult } from './canary-plan.js';

/** What every canary use case drives. */
export interface CanaryDeps {
  target: DeploymentTarget;
  router: TrafficRouter;
  record: ReleaseRecord;
  log: Logger;
  signal?: AbortSignal;
}

export interface CanaryStepRecord {
  index: number;
  weight: number;
  analysis: StepAnalysis;
}

/** What cleaning up after an abort achieved; problems are collected, not thrown. */
export interface CleanupReport {
  trafficRestored: boolean;
  canaryRemoved: boolean;
  /** One line per problem met (the cleanup still went as far as it could). */
  problems: string[];
  /** ms timestamp when traffic was back on stable. */
  stableAt?: number;
}

export interface CanaryOutcome {
  result: CanaryResult;
  reason?: string;
  /** False when there was nothing to analyse (metrics: []): every step's verdict is `skipped`. */
  analysed: boolean;
  steps: CanaryStepRecord[];
  canary?: CanaryHandle;
  /** ms timestamps for the figures: when the failing verdict came, when traffic was back on stable. */
  timings: { verdictAt?: number; stableAt?: number; startedAt: number; endedAt?: number };
  /** Set when the canary was aborted. */
  cleanup?: CleanupReport;
}

export interface RunCanaryOptions {
  plan: CanaryPlan;
  service: string;
  image: string;
  healthTimeoutMs: number;
  analyser: CanaryAnalyser;
  /** Called before the canary is started: save what the post step needs to clean up. */
  onStarting?: () => void;
}

/** Starts a canary and walks it to its end (promoted, paused or aborted). Throws only when cancelled (or on a bug). */
export async function runCanary(deps: Omit<CanaryDeps, 'record'>, options: RunCanaryOptions): Promise<CanaryOutcome> {
  const { target, router, log, signal } = deps;
  const { plan, service, image, analyser } = options;
  const analysed = analyser.checks.length > 0;
  const outcome: CanaryOutcome = { result: 'aborted', analysed, steps: [], timings: { startedAt: Date.now() } };
  let phase: CanaryPhase = { kind: 'start' };
  let canary: CanaryHandle | undefined;
  let failures = 0;
  const throwIfCancelled = (): void => {
    if (signal?.aborted) throw signal.reason ?? new OperationFailedError('cancelled');
  };

  options.onStarting?.();
  try {
    canary = await log.group(`Starting the canary of ${service} with ${image}`, () =>
      target.startCanary(service, image, { timeoutMs: options.healthTimeoutMs, signal }),
    );
    outcome.canary = canary;
    phase = nextPhase(plan, phase, { type: 'canary-ready' });
  } catch (err) {
    throwIfCancelled();
    phase = nextPhase(plan, phase, { type: 'canary-failed', reason: `the canary did not start: ${errorMessage(err)}` });
  }
  if (!analysed) log.warning('metrics is empty: the steps are walked without analysis (each verdict: skipped).');

  while (phase.kind === 'step' && canary) {
    const { index, weight } = phase;
    throwIfCancelled();
    try {
      await router.setWeight(weight, canary, { signal });
    } catch (err) {
      throwIfCancelled();
      phase = nextPhase(plan, phase, { type: 'failed', reason: `setting ${weight}% failed: ${errorMessage(err)}` });
      break;
    }
    log.info(`Step ${index + 1}/${plan.steps.length}: ${shareText(weight, canary)}; analysing in ${formatDuration(plan.intervalMs)}.`);
    analyser.begin?.(new Date());
    let analysis: StepAnalysis;
    try {
      analysis = analysed
        ? await analyseStep(analyser, plan, { index, weight }, log, signal)
        : (await waitInterval(plan, index, weight, log, signal), { verdict: 'skipped', results: [], at: new Date().toISOString() });
    } catch (err) {
      throwIfCancelled();
      phase = nextPhase(plan, phase, { type: 'failed', reason: `the analysis at ${weight}% failed: ${errorMessage(err)}` });
      outcome.timings.verdictAt = Date.now();
      break;
    }
    throwIfCancelled();
    outcome.steps.push({ index, weight, analysis });
    if (analysis.verdict === 'fail') failures++;
    const reason = analysis.verdict === 'fail' ? analyser.describeFailure(analysis) : undefined;
    log.info(`Step ${index + 1} at ${weight}%: analysis ${analysis.verdict}${reason ? ` (${reason})` : ''}.`);
    const onInconclusive = analyser.inconclusive ?? 'continue';
    if (analysis.verdict === 'inconclusive' && onInconclusive === 'pause') {
      log.warning(`Step ${index + 1} at ${weight}%: analysis inconclusive (no data); inconclusive: pause leaves the canary here for a human.`);
      phase = { kind: 'pause', weight };
      break;
    }
    if (analysis.verdict === 'inconclusive' && onInconclusive === 'fail') failures++;
    if (analysis.verdict === 'inconclusive') log.warning(`Step ${index + 1} at ${weight}%: analysis inconclusive (no data); inconclusive: ${onInconclusive}.`);
    const verdict = analysis.verdict === 'inconclusive' && onInconclusive === 'fail' ? 'fail' : analysis.verdict;
    const next = nextPhase(plan, phase, {
      type: 'analysed',
      verdict,
      failures,
      reason: verdict === 'fail' ? (reason ?? 'inconclusive (no data) and inconclusive: fail') : undefined,
    });
    if (next.kind === 'abort') outcome.timings.verdictAt = Date.now();
    phase = next;
  }

  if (phase.kind === 'promote' && canary) {
    const ready = canary;
    try {
      await log.group(`Promoting ${image} to ${service}`, () => promoteCanary(deps, ready, options.healthTimeoutMs));
      outcome.timings.stableAt = Date.now();
      phase = nextPhase(plan, phase, { type: 'finished' });
    } catch (err) {
      throwIfCancelled();
      phase = nextPhase(plan, phase, { type: 'failed', reason: `promotion failed: ${errorMessage(err)}` });
    }
  }

  if (phase.kind === 'pause') {
    log.notice(`The canary stays at ${phase.weight}%: run this action with action: promote or action: abort to finish it.`);
    phase = nextPhase(plan, phase, { type: 'finished' });
  }

  if (phase.kind === 'abort') {
    log.warning(`Aborting the canary: ${phase.reason}`);
    const cleanup = await log.group('Aborting: traffic back to stable, canary removed', () => abortCanary(deps, service));
    outcome.cleanup = cleanup;
    outcome.timings.stableAt = cleanup.stableAt;
    phase = nextPhase(plan, phase, { type: 'finished' });
  }

  if (phase.kind !== 'done') throw new Error(`canary ended in phase ${phase.kind}`);
  outcome.result = phase.result;
  outcome.reason = phase.reason;
  outcome.timings.endedAt = Date.now();
  return outcome;
}

/** `10% of traffic on the canary`, and the baseline's and stable's shares when a baseline runs. */
export function shareText(weight: number, canary: CanaryHandle): string {
  if (!canary.baselineName) return `${weight}% of traffic on the canary`;
  const split = splitWeights(weight, true);
  return `${split.canary}% of traffic on the canary, ${split.baseline}% on the baseline (${canary.baselineName}), ${split.stable}% on stable`;
}

/**
 * The step's analysis: once at the end of the interval, or `count` measurements at their offsets
 * (a measured failure ends the step at once), combined by the analyser.
 */
async function analyseStep(
  analyser: CanaryAnalyser,
  plan: CanaryPlan,
  step: { index: number; weight: number },
  log: Logger,
  signal?: AbortSignal,
): Promise<StepAnalysis> {
  const offsets = analyser.measurementOffsets;
  if (!offsets || offsets.length <= 1 || !analyser.measure || !analyser.combine) {
    await waitInterval(plan, step.index, step.weight, log, signal);
    return analyser.analyse(step, signal);
  }
  const startedAt = Date.now();
  const measurements: StepAnalysis[] = [];
  for (const [k, offset] of offsets.entries()) {
    await sleep(Math.max(0, startedAt + offset - Date.now()), signal);
    measurements.push(await analyser.measure(step, k, signal));
    const sofar = analyser.combine(measurements);
    log.info(`Step ${step.index + 1} at ${step.weight}%: measurement ${k + 1}/${offsets.length}: ${measurements.at(-1)!.verdict}.`);
    if (sofar.verdict === 'fail') return sofar;
  }
  return analyser.combine(measurements);
}

/** Waits out a step's interval, logging the time left now and then (a quarter of the interval, at least 5 s). */
async function waitInterval(plan: CanaryPlan, index: number, weight: number, log: Logger, signal?: AbortSignal): Promise<void> {
  const every = Math.max(5000, plan.intervalMs / 4);
  const end = Date.now() + plan.intervalMs;
  for (let left = end - Date.now(); left > 0; left = end - Date.now()) {
    await sleep(Math.min(left, every), signal);
    const now = end - Date.now();
    if (now > 0) log.info(`Step ${index + 1}/${plan.steps.length} at ${weight}%: ${formatDuration(now)} left.`);
  }
}

/** Canary takes all traffic, stable gets its image (health-waited), traffic back to stable, canary removed. */
export async function promoteCanary(deps: Omit<CanaryDeps, 'record'>, canary: CanaryHandle, healthTimeoutMs: number): Promise<void> {
  const { target, router, signal } = deps;
  // The canary carries all traffic while the stable service is recreated with the new image.
  const current = await router.current();
  if (current?.canaryWeight !== 100) await router.setWeight(100, canary, { signal });
  try {
    await target.promote(canary, { timeoutMs: healthTimeoutMs, signal });
  } catch (err) {
    // Put the stable service back on its image before the canary goes, so something healthy serves.
    await target.rollout([{ service: canary.service, image: canary.stableImage }], { timeoutMs: healthTimeoutMs, signal });
    throw err;
  }
  await router.setWeight(0, undefined, { signal });
  await target.removeCanary(canary.service, { signal });
}

/**
 * Traffic back to stable first, then the canary removed. Runs to the end even when cancelled
 * (it is the cleanup), so neither step is given the signal.
 */
export async function abortCanary(deps: Pick<CanaryDeps, 'target' | 'router' | 'log'>, service: string): Promise<CleanupReport> {
  const report: CleanupReport = { trafficRestored: false, canaryRemoved: false, problems: [] };
  try {
    await deps.router.setWeight(0, undefined);
    report.trafficRestored = true;
    report.stableAt = Date.now();
    deps.log.info('Traffic: 100% on stable.');
  } catch (err) {
    report.problems.push(`putting traffic back on stable failed: ${errorMessage(err)}`);
  }
  try {
    const removed = await deps.target.removeCanary(service);
    report.canaryRemoved = true;
    deps.log.info(removed ? 'Canary (and baseline, if any) removed.' : 'No canary container to remove.');
  } catch (err) {
    report.problems.push(`removing the canary failed: ${errorMessage(err)}`);
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// The use cases deploy-canary's entries call.

export interface DeployCanaryRequest {
  service: string;
  image: string;
  plan: CanaryPlan;
  healthTimeoutMs: number;
  analyser: CanaryAnalyser;
  dryRun: boolean;
  runUrl?: string;
  /** The database version the release runs against and the backup taken before it, for the record. */
  database?: ReleaseDatabase;
  /** Called (once) just before a canary may exist: save what the post step needs to clean up. */
  onStarting?: (stableImage: string) => void;
}

export type DeployCanaryResult =
  | { kind: 'planned'; service: string; image: string; stableImage: string; plan: CanaryPlan; checks: readonly string[] }
  | { kind: 'ran'; service: string; image: string; stableImage: string; plan: CanaryPlan; outcome: CanaryOutcome };

/** Validate (target, router, analysis), then run the canary and record how it ended (a pause is not recorded). */
export async function deployCanary(deps: CanaryDeps, request: DeployCanaryRequest): Promise<DeployCanaryResult> {
  const { target, router, record, signal } = deps;
  const { service, image, plan, analyser } = request;
  await target.validate([service], 'service');
  await router.validate();
  await analyser.validate(signal);
  const current = await stableRelease(target, service);
  const base = { service, image, stableImage: current.image, plan };
  if (request.dryRun) {
    deps.log.info(
      `Plan: start ${service}-canary with ${image} beside ${current.image}; steps ${plan.steps.join('% → ')}%, ${formatDuration(plan.intervalMs)} each, then analyse ${analyser.checks.join(', ') || 'nothing'}.`,
    );
    return { kind: 'planned', ...base, checks: analyser.checks };
  }
  const outcome = await runCanary(deps, {
    plan,
    service,
    image,
    healthTimeoutMs: request.healthTimeoutMs,
    analyser,
    onStarting: () => request.onStarting?.(current.image),
  });
  if (outcome.result !== 'paused') {
    await record.append(
      canaryEntry({
        result: outcome.result,
        service,
        image,
        digest: await target.imageDigest(image),
        previous: current,
        runUrl: request.runUrl,
        reason: outcome.reason,
        database: request.database,
      }),
    );
  }
  return { kind: 'ran', ...base, outcome };
}

export interface FinishCanaryRequest {
  action: 'promote' | 'abort';
  service: string;
  healthTimeoutMs: number;
  dryRun: boolean;
  runUrl?: string;
  database?: ReleaseDatabase;
}

export type FinishCanaryResult =
  | { kind: 'planned'; action: 'promote' | 'abort'; service: string; canary: CanaryHandle; stableImage: string }
  | { kind: 'finished'; action: 'promote' | 'abort'; service: string; canary: CanaryHandle; stableImage: string; cleanup?: CleanupReport };

/** Promotes or aborts a canary an earlier run left paused; fails when none runs. */
export async function finishCanary(deps: CanaryDeps, request: FinishCanaryRequest): Promise<FinishCanaryResult> {
  const { target, router, record, log } = deps;
  const { action, service } = request;
  await target.validate([service], 'service');
  await router.validate();
  const current = await stableRelease(target, service);
  const canary = await target.findCanary(service);
  if (!canary) throw new OperationFailedError(`No canary of ${service} is running: nothing to ${action}. Start one with action: deploy.`);
  const stableImage = canary.stableImage || current.image;
  if (request.dryRun) {
    log.info(`Plan: ${action} the canary of ${service} (${canary.image}).`);
    return { kind: 'planned', action, service, canary, stableImage };
  }
  let cleanup: CleanupReport | undefined;
  if (action === 'promote') await promoteCanary(deps, canary, request.healthTimeoutMs);
  else cleanup = await abortCanary(deps, service);
  await record.append(
    canaryEntry({
      result: action === 'promote' ? 'promoted' : 'aborted',
      service,
      image: canary.image,
      previous: { service, image: stableImage },
      runUrl: request.runUrl,
      reason: action === 'abort' ? 'aborted by hand (action: abort)' : undefined,
      database: request.database,
    }),
  );
  return { kind: 'finished', action, service, canary, stableImage, ...(cleanup ? { cleanup } : {}) };
}

export interface CancelledCanary {
  service: string;
  image: string;
  stableImage: string;
  healthTimeoutMs: number;
  runUrl?: string;
}

/**
 * After a run that did not finish (cancelled, or the step died): traffic back on stable, the canary
 * removed, the stable service put back on its image if a promotion was cut short, and the record told.
 */
export async function cleanUpCancelledCanary(deps: CanaryDeps, cancelled: CancelledCanary): Promise<CleanupReport> {
  const { target, log, signal } = deps;
  const { service, stableImage } = cancelled;
  log.warning(`The main step did not finish: putting traffic back on stable (${stableImage}) and removing the canary of ${service}.`);
  const report = await abortCanary(deps, service);
  try {
    const now = await stableRelease(target, service);
    if (stableImage && now.image !== stableImage) {
      log.warning(`${service} runs ${now.image}: rolling it back to ${stableImage}.`);
      await target.rollout([{ service, image: stableImage }], { timeoutMs: cancelled.healthTimeoutMs, signal });
    }
  } catch (err) {
    report.problems.push(`checking the stable service failed: ${errorMessage(err)}`);
  }
  await deps.record.append(
    canaryEntry({
      result: 'aborted (cancelled)',
      service,
      image: cancelled.image,
      previous: { service, image: stableImage },
      runUrl: cancelled.runUrl,
      reason: 'the main step was cancelled or died mid-canary',
    }),
  );
  return report;
}

/** The stable service's image as the target runs it now. */
async function stableRelease(target: DeploymentTarget, service: string): Promise<ServiceImage> {
  const release = await target.getCurrentRelease([service]);
  const found = release.services.find((entry) => entry.service === service);
  if (!found) throw new OperationFailedError(`The target reports no release of ${service}.`);
  return found;
}
