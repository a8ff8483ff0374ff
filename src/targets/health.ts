/** Pure judgement of containers' states (`docker inspect` .State) while waiting for a service. */

export interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode?: number;
  Health?: { Status: string; FailingStreak?: number; Log?: Array<{ ExitCode: number; Output: string }> };
}

export type HealthVerdict = { status: 'healthy' } | { status: 'waiting'; reason: string } | { status: 'failed'; reason: string };

/**
 * Healthy when every container runs and, where it has a health check, reports healthy. An exited
 * container or a health check that says unhealthy fails at once (no point waiting out the deadline).
 */
export function judgeContainerStates(states: ContainerState[]): HealthVerdict {
  if (states.length === 0) return { status: 'waiting', reason: 'no container yet' };
  for (const s of states) {
    if (!s.Running && (s.Status === 'exited' || s.Status === 'dead')) {
      return { status: 'failed', reason: `a container ${s.Status} with code ${s.ExitCode ?? '?'}` };
    }
    if (s.Health?.Status === 'unhealthy') {
      const out = s.Health.Log?.at(-1)?.Output?.trim();
      return { status: 'failed', reason: `its health check reports unhealthy${out ? `: ${out.slice(0, 300)}` : ''}` };
    }
  }
  for (const s of states) {
    if (!s.Running) return { status: 'waiting', reason: `a container is ${s.Status}` };
    if (s.Health && s.Health.Status !== 'healthy') return { status: 'waiting', reason: `health check ${s.Health.Status}` };
  }
  return { status: 'healthy' };
}
