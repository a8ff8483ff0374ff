/** Runs the real kubectl against a stand-in (async: the stand-in serves from this same process). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram, type RunResult } from '../../../src/exec/run.js';
import type { KubernetesStandin } from './server.js';

export interface KubectlSession {
  dir: string;
  kubeconfig: string;
  /** Environment for a kubectl (or an action) run: KUBECONFIG and a discovery cache of its own. */
  env: NodeJS.ProcessEnv;
  kubectl(...args: string[]): Promise<RunResult>;
  dispose(): void;
}

export function kubectlSession(standin: KubernetesStandin, o: { contexts?: string[]; namespace?: string } = {}): KubectlSession {
  const dir = mkdtempSync(join(tmpdir(), 'dk-k8s-'));
  const kubeconfig = standin.writeKubeconfig(dir, o);
  const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
  return {
    dir,
    kubeconfig,
    env,
    kubectl: (...args) => runProgram('kubectl', args, { env, allowFailure: true, timeoutMs: 60_000 }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
