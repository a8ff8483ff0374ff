/**
 * One release action at a time per project: a lock beside the deployment record saying who holds it —
 * pid, host, action, run URL, since when. On Compose a file (`<project>.lock`, created with O_EXCL); on
 * Kubernetes an object beside the record's ConfigMap (src/targets/kubernetes/lock.ts). A second run
 * waits up to lock-timeout, then fails naming the holder. A lock whose holder process is gone (same
 * host, pid not alive) is stale and taken over with a warning.
 */
import { hostname } from 'node:os';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { OperationFailedError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { formatDuration } from '../runtime/parse.js';
import { sleep } from '../util/sleep.js';

export interface LockHolder {
  pid: number;
  host: string;
  action: string;
  runUrl?: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** Where a lock is kept: created only when absent, read, replaced by its holder, removed. */
export interface LockStore {
  /** For messages: a file path, or the object on Kubernetes. */
  readonly location: string;
  /** Writes the holder when no lock exists; false when one does. */
  create(holder: LockHolder): Promise<boolean>;
  /** The holder; `undefined` when the lock exists but is unreadable, `null` when there is none. */
  read(): Promise<LockHolder | undefined | null>;
  /** Replaces the holder of an existing lock (the post step taking over its own main step's lock). */
  replace(holder: LockHolder): Promise<void>;
  remove(): Promise<void>;
}

export interface ProjectLockOptions {
  action: string;
  runUrl?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  log?: Logger;
  /** For tests: whether a pid is alive on this host. */
  isAlive?: (pid: number) => boolean;
}

/** A lock taken: who holds it (saved for the post step), and its release (removes it only while it is still ours). */
export interface ProjectLock {
  readonly holder: LockHolder;
  readonly location: string;
  release(): Promise<void>;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pure: a holder is stale when it ran on this host and its process is gone. */
export function isStale(holder: LockHolder | undefined, host: string, isAlive: (pid: number) => boolean): boolean {
  if (!holder) return true; // unreadable or half-written by a process that died
  return holder.host === host && !isAlive(holder.pid);
}

/** Pure: the same holder (one process's one taking of the lock). */
export function sameHolder(a: LockHolder | null | undefined, b: LockHolder | null | undefined): boolean {
  return !!a && !!b && a.pid === b.pid && a.host === b.host && a.since === b.since;
}

export function describeHolder(h: LockHolder, now = Date.now()): string {
  const age = formatDuration(Math.max(0, now - Date.parse(h.since)));
  return `${h.action} (pid ${h.pid} on ${h.host}${h.runUrl ? `, ${h.runUrl}` : ''}, holding it for ${age})`;
}

/** Pure: a holder read back, or undefined when it is not one. */
export function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** The lock file beside a record file (Compose: `.deploy-kit/<project>.lock`). */
export class FileLockStore implements LockStore {
  /** The directory this store made for the lock: removed with it while empty, so a run that changed nothing leaves nothing. */
  private madeDir?: string;

  constructor(readonly location: string) {}

  async create(holder: LockHolder): Promise<boolean> {
    const made = await mkdir(dirname(this.location), { recursive: true });
    if (made) this.madeDir = made;
    try {
      await writeFile(this.location, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o644 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  async read(): Promise<LockHolder | undefined | null> {
    try {
      return parseHolder(await readFile(this.location, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async replace(holder: LockHolder): Promise<void> {
    await writeFileAtomic(this.location, `${JSON.stringify(holder)}\n`);
  }

  async remove(): Promise<void> {
    await rm(this.location, { force: true });
    if (this.madeDir) await rmdir(dirname(this.location)).catch(() => undefined); // not empty: the record is there
  }
}

export function currentHolder(action: string, runUrl?: string): LockHolder {
  return { pid: process.pid, host: hostname(), action, ...(runUrl ? { runUrl } : {}), since: new Date().toISOString() };
}

function taken(store: LockStore, holder: LockHolder): ProjectLock {
  return {
    holder,
    location: store.location,
    async release() {
      // Never remove a lock someone else holds (one that took ours over as stale, say).
      if (sameHolder(await store.read(), holder)) await store.remove();
    },
  };
}

/** Takes the lock (waiting up to timeoutMs). A string is the path of a lock file. */
export async function acquireProjectLock(where: string | LockStore, options: ProjectLockOptions): Promise<ProjectLock> {
  const store = typeof where === 'string' ? new FileLockStore(where) : where;
  const isAlive = options.isAlive ?? processAlive;
  const me = currentHolder(options.action, options.runUrl);
  const started = Date.now();
  let announced = false;
  for (let attempt = 0; ; attempt++) {
    if (await store.create(me)) return taken(store, me);
    const holder = await store.read();
    if (holder === null) continue; // released between our two looks
    if (isStale(holder, me.host, isAlive)) {
      // Grace for a holder still writing its file: only a readable holder or a second look counts.
      if (holder || attempt > 0) {
        options.log?.warning(`Taking over the lock ${store.location}: ${holder ? `its holder ${describeHolder(holder)} is gone` : 'it is unreadable'}.`);
        await store.remove();
        continue;
      }
    }
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs || options.signal?.aborted) {
      const why = options.signal?.aborted ? 'Cancelled while waiting for it' : `Gave up after lock-timeout ${formatDuration(options.timeoutMs)}`;
      throw new OperationFailedError(
        `another run holds the lock on this project: ${holder ? describeHolder(holder) : store.location}. ${why}; nothing was changed. Re-run when it finishes, raise lock-timeout, or remove ${store.location} if that run is surely gone.`,
      );
    }
    if (!announced && holder) {
      options.log?.info(`Waiting up to ${formatDuration(options.timeoutMs)} for ${describeHolder(holder)} to finish (lock ${store.location}) …`);
      announced = true;
    }
    await sleep(Math.min(500, Math.max(50, options.timeoutMs - waited)), options.signal, { resolveOnAbort: true });
  }
}

/**
 * The post step's side: a lock its own main step left behind (the job was cancelled) is taken over
 * — rewritten to this process — and returned; a lock held by anyone else is left alone (undefined).
 */
export async function reclaimProjectLock(store: LockStore, left: LockHolder, action: string): Promise<ProjectLock | undefined> {
  if (!sameHolder(await store.read(), left)) return undefined;
  const me = currentHolder(action, left.runUrl);
  await store.replace(me);
  return taken(store, me);
}
