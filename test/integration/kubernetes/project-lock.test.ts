// The project lock on Kubernetes (decision 0130): the ConfigMap deploy-kit-lock beside deploy-kit-history,
// created with the real kubectl against the API server stand-in, which answers AlreadyExists to a second create.
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl } from '../../../src/kubernetes/kubectl.js';
import { acquireProjectLock, reclaimProjectLock } from '../../../src/record/project-lock.js';
import { memoryLogger } from '../../../src/runtime/logger.js';
import { KubernetesLockStore, LOCK_CONFIGMAP } from '../../../src/targets/kubernetes/lock.js';
import { kubectlSession, startStandin, type KubectlSession, type KubernetesStandin } from '../../support/k8s-standin/index.js';

let standin: KubernetesStandin;
let session: KubectlSession;
let store: KubernetesLockStore;

beforeAll(async () => {
  standin = await startStandin({ readyAfterMs: 100 });
  session = kubectlSession(standin);
  store = new KubernetesLockStore(new Kubectl({ kubeconfig: session.kubeconfig, env: session.env, namespace: 'default' }));
});
afterAll(async () => {
  session?.dispose();
  await standin?.close();
});

const holderInCluster = (): unknown => {
  const cm = standin.get('ConfigMap', LOCK_CONFIGMAP);
  return cm ? JSON.parse(String((cm as { data: { holder: string } }).data.holder)) : undefined;
};

describe('project lock on Kubernetes: a ConfigMap beside the record (stand-in API server, real kubectl)', () => {
  it('one run holds it; a second waits up to lock-timeout and fails naming the holder; release lets the next in', async () => {
    const first = await acquireProjectLock(store, { action: 'deploy-canary', runUrl: 'https://github.com/o/r/actions/runs/7', timeoutMs: 1000 });
    expect(holderInCluster()).toMatchObject({ action: 'deploy-canary', pid: process.pid, host: hostname(), runUrl: 'https://github.com/o/r/actions/runs/7' });
    const err = await acquireProjectLock(store, { action: 'rollback', timeoutMs: 1500 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /another run holds the lock on this project: deploy-canary \(pid \d+ on .*, https:\/\/github.com\/o\/r\/actions\/runs\/7, holding it for [^)]+\)\. Gave up after lock-timeout 1\.5s; nothing was changed\. .*remove configmap\/deploy-kit-lock in namespace default/,
    );
    const waiting = acquireProjectLock(store, { action: 'rollback', timeoutMs: 30_000 });
    setTimeout(() => void first.release(), 500);
    const second = await waiting;
    expect(holderInCluster()).toMatchObject({ action: 'rollback' });
    await first.release(); // late: no longer its lock, removes nothing
    expect(holderInCluster()).toMatchObject({ action: 'rollback' });
    await second.release();
    expect(standin.get('ConfigMap', LOCK_CONFIGMAP)).toBeUndefined();
  }, 60_000);

  it('a holder on another runner is never judged stale; one on this host whose process is gone is taken over; the post step reclaims only its own', async () => {
    const elsewhere = { pid: 1, host: 'other-runner', action: 'deploy-canary', since: new Date().toISOString() };
    expect(await store.create(elsewhere)).toBe(true);
    const err = await acquireProjectLock(store, { action: 'rollback', timeoutMs: 300, isAlive: () => false }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/deploy-canary \(pid 1 on other-runner, holding it for/);
    expect(await reclaimProjectLock(store, { ...elsewhere, since: '2000-01-01T00:00:00.000Z' }, 'deploy-canary (post)')).toBeUndefined();
    const post = await reclaimProjectLock(store, elsewhere, 'deploy-canary (post)');
    expect(holderInCluster()).toMatchObject({ action: 'deploy-canary (post)', pid: process.pid });
    await post!.release();

    await store.create({ ...elsewhere, host: hostname(), pid: 999_999 });
    const log = memoryLogger();
    const taken = await acquireProjectLock(store, { action: 'rollback', timeoutMs: 300, log, isAlive: () => false });
    expect(log.lines.join('\n')).toMatch(
      /Taking over the lock configmap\/deploy-kit-lock in namespace default: its holder deploy-canary \(pid 999999 .* is gone/,
    );
    await taken.release();
    expect(standin.get('ConfigMap', LOCK_CONFIGMAP)).toBeUndefined();
  }, 60_000);
});
