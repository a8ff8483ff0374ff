import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireProjectLock, FileLockStore, isStale, reclaimProjectLock } from '../../../src/record/project-lock.js';
import { memoryLogger } from '../../../src/runtime/logger.js';

const lockPath = (): string => join(mkdtempSync(join(tmpdir(), 'dk-plock-')), '.deploy-kit', 'app.lock');

describe('project lock (beside the deployment record)', () => {
  it('a second run waits up to lock-timeout, then fails naming the holder, its run URL and age; the first release lets it in', async () => {
    const path = lockPath();
    const first = await acquireProjectLock(path, { action: 'deploy-canary', runUrl: 'https://github.com/o/r/actions/runs/1', timeoutMs: 1000 });
    const started = Date.now();
    const err = await acquireProjectLock(path, { action: 'rollback', timeoutMs: 600 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect((err as Error).message).toMatch(
      new RegExp(
        `another run holds the lock on this project: deploy-canary \\(pid ${process.pid} on ${hostname()}, https://github.com/o/r/actions/runs/1, holding it for \\d+ms\\)`,
      ),
    );
    const waiting = acquireProjectLock(path, { action: 'rollback', timeoutMs: 10_000 });
    setTimeout(() => void first.release(), 300);
    const second = await waiting;
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ action: 'rollback', pid: process.pid });
    // The first run's release, late, removes nothing: the lock is no longer its.
    await first.release();
    expect(existsSync(path)).toBe(true);
    await second.release();
    expect(existsSync(path)).toBe(false);
  });

  it('a holder whose process is gone is stale and taken over; a live one on another host is not', async () => {
    const path = lockPath();
    // A real process that held the lock and died.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    await acquireProjectLock(path, { action: 'deploy-canary', timeoutMs: 100 }).then((l) => l.release());
    // The first run made the directory and removed it with its lock: nothing of it is left.
    expect(existsSync(dirname(path))).toBe(false);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify({ pid, host: hostname(), action: 'deploy-canary', since: new Date().toISOString() }));
    const log = memoryLogger();
    const release = await acquireProjectLock(path, { action: 'rollback', timeoutMs: 100, log });
    expect(log.lines.join('\n')).toMatch(new RegExp(`Taking over the lock .*pid ${pid} .* is gone`));
    await release.release();
    expect(isStale({ pid: 1, host: 'other-runner', action: 'x', since: '' }, hostname(), () => false)).toBe(false);
    expect(isStale(undefined, hostname(), () => true)).toBe(true);
  });

  it('the post step reclaims the lock its own main step left behind, and never one held by someone else', async () => {
    const path = lockPath();
    const store = new FileLockStore(path);
    const main = await acquireProjectLock(store, { action: 'deploy-canary', runUrl: 'https://github.com/o/r/actions/runs/2', timeoutMs: 100 });
    // Main was killed: its lock is still there. The post step holds it from now on, then releases it.
    const post = await reclaimProjectLock(store, main.holder, 'deploy-canary (post)');
    expect(post).toBeDefined();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ action: 'deploy-canary (post)', runUrl: 'https://github.com/o/r/actions/runs/2' });
    await post!.release();
    expect(existsSync(path)).toBe(false);
    // Another run holds it now: the post step of the earlier job leaves it alone.
    const other = await acquireProjectLock(store, { action: 'rollback', timeoutMs: 100 });
    expect(await reclaimProjectLock(store, main.holder, 'deploy-canary (post)')).toBeUndefined();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ action: 'rollback' });
    await other.release();
  });

  it('a cancelled wait ends at once, naming the holder', async () => {
    const path = lockPath();
    const held = await acquireProjectLock(path, { action: 'deploy-canary', timeoutMs: 100 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const err = await acquireProjectLock(path, { action: 'rollback', timeoutMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((err as Error).message).toMatch(
      /another run holds the lock on this project: deploy-canary \(pid \d+ .*Cancelled while waiting for it; nothing was changed/,
    );
    await held.release();
  });
});
