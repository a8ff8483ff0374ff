/**
 * The project lock as the release entries (deploy-canary, rollback and their post steps) take it:
 * after every input is valid and before anything is touched; saved in the step's state so the post
 * step can release — or clean up under — a lock its own main step left behind (decision 0130).
 */
import { acquireProjectLock, reclaimProjectLock, type LockHolder, type ProjectLock } from '../../src/record/project-lock.js';
import type { ActionContext } from '../../src/runtime/action.js';
import { errorMessage } from '../../src/runtime/errors.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import { createLockStore, factoryContext, type TargetSettings } from './deployment.js';

/** Saved by main once it holds the lock: where it is and who took it. */
export const LOCK_STATE = 'project-lock';

interface LockState {
  target: TargetSettings;
  holder: LockHolder;
}

export const DEFAULT_LOCK_TIMEOUT = '10m';

export function lockTimeoutFromInputs(inputs: Inputs): number {
  return inputs.duration('lock-timeout', DEFAULT_LOCK_TIMEOUT);
}

/** Takes the project's lock (waiting up to timeoutMs, then failing with its holder named) and saves it for the post step. */
export async function takeProjectLock(ctx: ActionContext, target: TargetSettings, action: string, timeoutMs: number): Promise<ProjectLock> {
  const store = createLockStore(target, factoryContext(ctx, 1));
  const lock = await acquireProjectLock(store, { action, runUrl: ctx.run.runUrl, timeoutMs, signal: ctx.signal, log: ctx.log });
  ctx.saveState(LOCK_STATE, { target, holder: lock.holder } satisfies LockState);
  return lock;
}

/**
 * Post step: the lock this job's main step left behind (cancelled, or killed), now held by this step
 * until it is done; undefined when main released it or someone else holds it (left alone).
 */
export async function reclaimLeftLock(ctx: ActionContext, action: string): Promise<ProjectLock | undefined> {
  const raw = ctx.getState(LOCK_STATE);
  if (!raw) return undefined;
  const { target, holder } = JSON.parse(raw) as LockState;
  const lock = await reclaimProjectLock(createLockStore(target, factoryContext(ctx, 1)), holder, action);
  if (lock) ctx.log.info(`The main step left the project lock ${lock.location} behind: this post step holds it until it is done, then releases it.`);
  return lock;
}

/** Post step: the lock for a cleanup — the one main left behind, or (main released it) taken anew, waiting up to lock-timeout. */
export async function lockForCleanup(
  ctx: ActionContext,
  left: ProjectLock | undefined,
  target: TargetSettings,
  action: string,
): Promise<ProjectLock | undefined> {
  if (left) return left;
  return takeProjectLock(ctx, target, action, lockTimeoutFromInputs(ctx.inputs));
}

/** Releases the lock; a failure to (an unreachable cluster, say) is a warning that says how to remove it, never the step's result. */
export async function releaseProjectLock(ctx: ActionContext, lock: ProjectLock | undefined): Promise<void> {
  if (!lock) return;
  try {
    await lock.release();
  } catch (err) {
    ctx.log.warning(
      `The project lock ${lock.location} could not be removed (${errorMessage(err)}): remove it by hand, or the next run waits lock-timeout for it.`,
    );
  }
}
