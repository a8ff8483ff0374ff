/**
 * One release action at a time per project: a lock file beside the deployment record
 * (`<project>.lock`, created with O_EXCL) saying who holds it — pid, host, run URL, since when. A
 * second run waits up to lock-timeout, then fails naming the holder. A lock whose holder process
 * is gone (same host, pid not alive) is stale and taken over.
 */
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
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

export interface ProjectLockOptions {
  action: string;
  runUrl?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  log?: Logger;
  /** For tests: whether a pid is alive on this host. */
  isAlive?: (pid: number) => boolean;
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

export function describeHolder(h: LockHolder, now = Date.now()): string {
  const age = formatDuration(Math.max(0, now - Date.parse(h.since)));
  return `${h.action} (pid ${h.pid} on ${h.host}${h.runUrl ? `, ${h.runUrl}` : ''}, holding it for ${age})`;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock at `path` (waiting up to timeoutMs); returns the function that releases it. */
export async function acquireProjectLock(path: string, options: ProjectLockOptions): Promise<() => void> {
  const host = hostname();
  const isAlive = options.isAlive ?? processAlive;
  const me: LockHolder = { pid: process.pid, host, action: options.action, runUrl: options.runUrl, since: new Date().toISOString() };
  mkdirSync(dirname(path), { recursive: true });
  const started = Date.now();
  let announced = false;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o644 });
      return () => {
        if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(path);
    if (isStale(holder, host, isAlive)) {
      // Grace for a holder still writing its file: only a readable holder or a second look counts.
      if (holder || attempt > 0) {
        options.log?.warning(`Taking over the lock ${path}: ${holder ? `its holder ${describeHolder(holder)} is gone` : 'it is unreadable'}.`);
        rmSync(path, { force: true });
        continue;
      }
    }
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs || options.signal?.aborted) {
      throw new OperationFailedError(
        `another run holds the lock on this project: ${holder ? describeHolder(holder) : path}. Gave up after lock-timeout ${formatDuration(options.timeoutMs)}; nothing was changed. Re-run when it finishes, raise lock-timeout, or remove ${path} if that run is surely gone.`,
      );
    }
    if (!announced && holder) {
      options.log?.info(`Waiting up to ${formatDuration(options.timeoutMs)} for ${describeHolder(holder)} to finish …`);
      announced = true;
    }
    await sleep(Math.min(500, Math.max(50, options.timeoutMs - waited)), options.signal, { resolveOnAbort: true });
  }
}
