/**
 * The I/O side of an evaluation: measures every condition of every gate at once (Prometheus
 * queries, smoke-test checks, GitHub reads, Grafana), and hands the facts to the pure judges.
 * A condition that cannot be measured fails with the reason; it never passes silently.
 */
import { runCheck } from '../checks/run.js';
import type { CommitState } from '../github/commit-state.js';
import type { PrometheusClient } from '../metrics/prometheus.js';
import { probeGrafana } from './grafana.js';
import { gateStatus, judgeGitHub, judgeGrafana, judgeHttp, judgePrometheus, type GitHubFacts } from './judge.js';
import type { Condition, ConditionResult, Evaluation, Gate, GitHubCondition } from './types.js';

export interface ProbeContext {
  prometheus?: PrometheusClient;
  github?: { state: CommitState; sha: string; runId?: string; runUrl?: string };
  now?: () => Date;
}

/** Evaluates every gate once. */
export async function evaluateGates(gates: Gate[], ctx: ProbeContext, signal: AbortSignal): Promise<Evaluation> {
  const at = (ctx.now ?? (() => new Date()))();
  const results = await Promise.all(
    gates.map(async (gate) => ({ gate, conditions: await Promise.all(gate.conditions.map((c) => measure(c, ctx, signal, at))) })),
  );
  return {
    at: at.toISOString(),
    gates: results.map(({ gate, conditions }) => ({ name: gate.name, status: gateStatus(conditions), conditions })),
  };
}

async function measure(c: Condition, ctx: ProbeContext, signal: AbortSignal, at: Date): Promise<ConditionResult> {
  switch (c.kind) {
    case 'http':
      return judgeHttp(c, await runCheck(c.check, { signal }));
    case 'prometheus': {
      if (!ctx.prometheus) throw new Error('a Prometheus condition without a Prometheus client');
      try {
        return judgePrometheus(c, { samples: await ctx.prometheus.query(c.query, { time: at, signal }) });
      } catch (err) {
        if (signal.aborted) throw err;
        return judgePrometheus(c, { error: err instanceof Error ? err.message : String(err) });
      }
    }
    case 'github':
      return judgeGitHub(c, await githubFacts(c, ctx, signal));
    case 'grafana':
      return judgeGrafana(c, await probeGrafana(c, { signal, now: at.getTime() }));
  }
}

async function githubFacts(c: GitHubCondition, ctx: ProbeContext, signal: AbortSignal): Promise<GitHubFacts> {
  const gh = ctx.github;
  if (!gh) throw new Error('a GitHub condition without a GitHub client');
  try {
    const g = c.github;
    switch (g.rule) {
      case 'approvals':
        return { rule: 'approvals', pull: await gh.state.approvals(gh.sha), sha: gh.sha };
      case 'checks':
        return { rule: 'checks', checks: await gh.state.checks(gh.sha, { excludeRunUrl: gh.runUrl }), sha: gh.sha };
      case 'code-scanning':
        return { rule: 'code-scanning', alerts: await gh.state.codeScanningAlerts() };
      case 'dependabot':
        return { rule: 'dependabot', alerts: await gh.state.dependabotAlerts() };
      case 'environment':
        return { rule: 'environment', ...(await gh.state.environment(g.environment, gh.runId)) };
    }
  } catch (err) {
    if (signal.aborted) throw err;
    const e = err as { status?: number; message?: string };
    const hint = e.status === 403 || e.status === 404 ? ` (HTTP ${e.status}: does the token have the permission? See the README's permissions table)` : '';
    return { rule: 'error', error: `${e.message ?? String(err)}${hint}` };
  }
}
