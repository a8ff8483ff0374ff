/**
 * Runs a canary on any target and router: start it, walk the steps (weight → wait → analyse),
 * then promote, pause or abort. On abort, traffic goes back to stable FIRST, then the canary is
 * removed; the target's configuration is never moved to the canary's image. Cancellation stops
 * at once and leaves the cleanup to the post step (driven by the state saved through onStarting).
 */
import { errorMessage, OperationFailedError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { formatDuration } from '../runtime/parse.js';
import { nextPhase, type CanaryPhase, type CanaryPlan, type CanaryResult } from '../traffic/canary-plan.js';
import type { TrafficRouter } from '../traffic/router.js';
import type { CanaryHandle, DeploymentTarget } from './target.js';
import { sleep } from '../util/sleep.js';

export interface AnalysisLike {
  verdict: 'pass' | 'fail' | 'inconclusive';
}

export interface CanaryStepRecord<A extends AnalysisLike> {
  index: number;
  weight: number;
  analysis: A;
}

export interface CanaryRunOptions<A extends AnalysisLike> {
  target: DeploymentTarget;
  router: TrafficRouter;
  plan: CanaryPlan;
  service: string;
  image: string;
  stableAddress?: string;
  canaryPort?: number;
  healthTimeoutMs: number;
  analyse: (step: { index: number; weight: number }) => Promise<A>;
  /** Why an analysis failed, in one line (for the abort reason). */
  describeFailure?: (analysis: A) => string;
  log: Logger;
  signal?: AbortSignal;
  /** Called before the canary is started: save what the post step needs to clean up. */
  onStarting?: () => void;
  onStarted?: (canary: CanaryHandle) => void;
  /** How often to log the time left in a step. Default: a quarter of the interval, at least 5 s. */
  progressEveryMs?: number;
  /** Continue an existing canary (action: promote) instead of starting one. */
  existing?: CanaryHandle;
}

export interface CanaryOutcome<A extends AnalysisLike> {
  result: CanaryResult;
  reason?: string;
  steps: Array<CanaryStepRecord<A>>;
  canary?: CanaryHandle;
  /** ms timestamps for the figures: when the failing verdict came, when traffic was back on stable. */
  timings: { verdictAt?: number; stableAt?: number; startedAt: number; endedAt?: number };
  /** Errors met while cleaning up after an abort (the abort itself still happened as far as possible). */
  cleanupErrors: string[];
}

export async function runCanary<A extends AnalysisLike>(o: CanaryRunOptions<A>): Promise<CanaryOutcome<A>> {
  const outcome: CanaryOutcome<A> = { result: 'aborted', steps: [], timings: { startedAt: Date.now() }, cleanupErrors: [] };
  let phase: CanaryPhase = { kind: 'start' };
  let canary: CanaryHandle | undefined = o.existing;
  let failures = 0;
  const throwIfCancelled = (): void => {
    if (o.signal?.aborted) throw o.signal.reason ?? new OperationFailedError('cancelled');
  };

  if (!canary) {
    o.onStarting?.();
    try {
      canary = await o.log.group(`Starting the canary of ${o.service} with ${o.image}`, () =>
        o.target.startCanary(o.service, o.image, {
          timeoutMs: o.healthTimeoutMs,
          signal: o.signal,
          stableAddress: o.stableAddress,
          canaryPort: o.canaryPort,
        }),
      );
      outcome.canary = canary;
      o.onStarted?.(canary);
      phase = nextPhase(o.plan, phase, { type: 'canary-ready' });
    } catch (err) {
      throwIfCancelled();
      phase = nextPhase(o.plan, phase, { type: 'canary-failed', reason: `the canary did not start: ${errorMessage(err)}` });
    }
  } else {
    outcome.canary = canary;
    phase = nextPhase(o.plan, phase, { type: 'canary-ready' });
  }

  while (phase.kind === 'step') {
    const { index, weight } = phase;
    throwIfCancelled();
    try {
      await o.router.setWeight(weight, canary!.address, { signal: o.signal });
    } catch (err) {
      throwIfCancelled();
      phase = nextPhase(o.plan, phase, { type: 'failed', reason: `setting ${weight}% failed: ${errorMessage(err)}` });
      break;
    }
    o.log.info(`Step ${index + 1}/${o.plan.steps.length}: ${weight}% of traffic on the canary; analysing in ${formatDuration(o.plan.intervalMs)}.`);
    await waitInterval(o, index, weight);
    let analysis: A;
    try {
      analysis = await o.analyse({ index, weight });
    } catch (err) {
      throwIfCancelled();
      phase = nextPhase(o.plan, phase, { type: 'failed', reason: `the analysis at ${weight}% failed: ${errorMessage(err)}` });
      outcome.timings.verdictAt = Date.now();
      break;
    }
    throwIfCancelled();
    outcome.steps.push({ index, weight, analysis });
    if (analysis.verdict === 'fail') failures++;
    const reason = analysis.verdict === 'fail' ? o.describeFailure?.(analysis) : undefined;
    o.log.info(`Step ${index + 1} at ${weight}%: analysis ${analysis.verdict}${reason ? ` (${reason})` : ''}.`);
    if (analysis.verdict === 'inconclusive') o.log.warning(`Step ${index + 1} at ${weight}%: analysis inconclusive (no data); continuing as no-data allows.`);
    const next = nextPhase(o.plan, phase, { type: 'analysed', verdict: analysis.verdict, failures, reason });
    if (next.kind === 'abort') outcome.timings.verdictAt = Date.now();
    phase = next;
  }

  if (phase.kind === 'promote') {
    try {
      await o.log.group(`Promoting ${o.image} to ${o.service}`, () => promoteCanary(o, canary!));
      outcome.timings.stableAt = Date.now();
      phase = nextPhase(o.plan, phase, { type: 'finished' });
    } catch (err) {
      throwIfCancelled();
      phase = nextPhase(o.plan, phase, { type: 'failed', reason: `promotion failed: ${errorMessage(err)}` });
    }
  }

  if (phase.kind === 'pause') {
    o.log.notice(`The canary stays at ${phase.weight}%: run this action with action: promote or action: abort to finish it.`);
    phase = nextPhase(o.plan, phase, { type: 'finished' });
  }

  if (phase.kind === 'abort') {
    const reason = phase.reason;
    o.log.warning(`Aborting the canary: ${reason}`);
    await o.log.group('Aborting: traffic back to stable, canary removed', () => abortCanary(o, outcome));
    phase = nextPhase(o.plan, phase, { type: 'finished' });
  }

  if (phase.kind !== 'done') throw new Error(`canary ended in phase ${phase.kind}`);
  outcome.result = phase.result;
  outcome.reason = phase.reason;
  outcome.timings.endedAt = Date.now();
  return outcome;
}

async function waitInterval<A extends AnalysisLike>(o: CanaryRunOptions<A>, index: number, weight: number): Promise<void> {
  const every = o.progressEveryMs ?? Math.max(5000, o.plan.intervalMs / 4);
  const end = Date.now() + o.plan.intervalMs;
  for (let left = end - Date.now(); left > 0; left = end - Date.now()) {
    await sleep(Math.min(left, every), o.signal);
    const now = end - Date.now();
    if (now > 0) o.log.info(`Step ${index + 1}/${o.plan.steps.length} at ${weight}%: ${formatDuration(now)} left.`);
  }
}

/** What promoting or aborting needs (also used alone by `action: promote | abort`). */
export type CanaryControl = Pick<CanaryRunOptions<AnalysisLike>, 'target' | 'router' | 'service' | 'healthTimeoutMs' | 'signal' | 'log'>;

/** Canary takes all traffic, stable gets its image (health-waited), traffic back to stable, canary removed. */
export async function promoteCanary(o: CanaryControl, canary: CanaryHandle): Promise<void> {
  // The canary carries all traffic while the stable service is recreated with the new image.
  const current = await o.router.current();
  if (canary.address && current?.canaryWeight !== 100) await o.router.setWeight(100, canary.address, { signal: o.signal });
  try {
    await o.target.promote(canary, { timeoutMs: o.healthTimeoutMs, signal: o.signal });
  } catch (err) {
    // Put the stable service back on its image before the canary goes, so something healthy serves.
    await o.target.rollout([{ service: o.service, image: canary.stableImage }], { timeoutMs: o.healthTimeoutMs, signal: o.signal });
    throw err;
  }
  await o.router.setWeight(0, undefined, { signal: o.signal });
  await o.target.removeCanary(o.service, { signal: o.signal });
}

/** Traffic back to stable first, then the canary removed; problems are collected, not thrown. */
export async function abortCanary(o: CanaryControl, outcome: Pick<CanaryOutcome<AnalysisLike>, 'timings' | 'cleanupErrors'>): Promise<void> {
  try {
    await o.router.setWeight(0, undefined);
    outcome.timings.stableAt = Date.now();
    o.log.info('Traffic: 100% on stable.');
  } catch (err) {
    outcome.cleanupErrors.push(`putting traffic back on stable failed: ${errorMessage(err)}`);
  }
  try {
    const removed = await o.target.removeCanary(o.service);
    o.log.info(removed ? 'Canary removed.' : 'No canary container to remove.');
  } catch (err) {
    outcome.cleanupErrors.push(`removing the canary failed: ${errorMessage(err)}`);
  }
}
