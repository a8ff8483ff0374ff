/**
 * Reads what GitHub knows about the commit being released: the pull request that merged it and its
 * reviews, its check runs and statuses, the repository's open security alerts, and whether an
 * environment's protection holds the run. Facts only; src/gates judges them.
 */
import type { GitHubClient } from '../runtime/github.js';
import type { RepositoryRef } from './repository.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export interface PullApprovals {
  number: number;
  url: string;
  /** Reviewers whose latest review approves. */
  approvedBy: string[];
}

export interface CommitCheck {
  name: string;
  kind: 'check-run' | 'status';
  /** completed/success…, or the status while not done (queued, in_progress, pending). */
  state: string;
  /** success, neutral and skipped are green; anything else (failure, pending, …) is not. */
  green: boolean;
  url?: string;
}

export interface SecurityAlert {
  number: number;
  severity: Severity;
  title: string;
  url: string;
}

export class CommitState {
  constructor(
    private readonly client: GitHubClient,
    private readonly repository: RepositoryRef,
  ) {}

  /** The merged pull request that brought `sha` in (undefined when none did) and who approved it. */
  async approvals(sha: string): Promise<PullApprovals | undefined> {
    const { data: pulls } = await this.client.rest.repos.listPullRequestsAssociatedWithCommit({ ...this.repository, commit_sha: sha });
    const pull = pulls.find((p) => p.merge_commit_sha === sha && p.merged_at) ?? pulls.find((p) => p.merged_at) ?? pulls[0];
    if (!pull) return undefined;
    const reviews = await this.client.paginate(this.client.rest.pulls.listReviews, { ...this.repository, pull_number: pull.number, per_page: 100 });
    const latest = new Map<string, string>();
    for (const r of reviews) {
      const login = r.user?.login;
      // COMMENTED does not change a reviewer's verdict; a later approval or change request does.
      if (login && r.state !== 'COMMENTED') latest.set(login, r.state);
    }
    const approvedBy = [...latest].filter(([, state]) => state === 'APPROVED').map(([login]) => login);
    return { number: pull.number, url: pull.html_url, approvedBy };
  }

  /** Every check run and commit status on `sha`, except those of the run `excludeRunUrl` (this job's own). */
  async checks(sha: string, options: { excludeRunUrl?: string } = {}): Promise<CommitCheck[]> {
    const runs = await this.client.paginate(this.client.rest.checks.listForRef, { ...this.repository, ref: sha, per_page: 100 });
    const { data: combined } = await this.client.rest.repos.getCombinedStatusForRef({ ...this.repository, ref: sha, per_page: 100 });
    const own = (url: string | null | undefined): boolean => !!options.excludeRunUrl && !!url && url.startsWith(`${options.excludeRunUrl}/`);
    const out: CommitCheck[] = [];
    for (const r of runs) {
      if (own(r.html_url) || own(r.details_url)) continue;
      const state = r.status === 'completed' ? (r.conclusion ?? 'completed') : r.status;
      out.push({ name: r.name, kind: 'check-run', state, green: ['success', 'neutral', 'skipped'].includes(state), url: r.html_url ?? undefined });
    }
    for (const s of combined.statuses) {
      out.push({ name: s.context, kind: 'status', state: s.state, green: s.state === 'success', url: s.target_url ?? undefined });
    }
    return out;
  }

  async codeScanningAlerts(): Promise<SecurityAlert[]> {
    const alerts = await this.client.paginate(this.client.rest.codeScanning.listAlertsForRepo, { ...this.repository, state: 'open', per_page: 100 });
    return alerts.map((a) => ({
      number: a.number,
      severity: codeScanningSeverity(a.rule.security_severity_level, a.rule.severity),
      title: a.rule.description ?? a.rule.id ?? `alert ${a.number}`,
      url: a.html_url,
    }));
  }

  async dependabotAlerts(): Promise<SecurityAlert[]> {
    const alerts = await this.client.paginate(this.client.rest.dependabot.listAlertsForRepo, { ...this.repository, state: 'open', per_page: 100 });
    return alerts.map((a) => ({
      number: a.number,
      severity: toSeverity(a.security_advisory.severity),
      title: `${a.dependency.package?.name ?? 'dependency'}: ${a.security_advisory.summary}`,
      url: a.html_url,
    }));
  }

  /** Whether the environment exists, and which of this run's deployments to it still wait for approval. */
  async environment(name: string, runId: string | undefined): Promise<{ exists: boolean; waiting: boolean }> {
    try {
      await this.client.rest.repos.getEnvironment({ ...this.repository, environment_name: name });
    } catch (err) {
      if ((err as { status?: number }).status === 404) return { exists: false, waiting: false };
      throw err;
    }
    if (!runId) return { exists: true, waiting: false };
    const { data: pending } = await this.client.rest.actions.getPendingDeploymentsForRun({ ...this.repository, run_id: Number(runId) });
    return { exists: true, waiting: pending.some((p) => p.environment.name === name) };
  }
}

/** Code scanning: the security severity where the rule has one, else its plain severity (error ≈ high). */
export function codeScanningSeverity(security: string | null | undefined, plain: string | null | undefined): Severity {
  if (security) return toSeverity(security);
  return plain === 'error' ? 'high' : plain === 'warning' ? 'medium' : 'low';
}

function toSeverity(text: string | null | undefined): Severity {
  const t = (text ?? '').toLowerCase();
  return (SEVERITIES as readonly string[]).includes(t) ? (t as Severity) : t === 'moderate' ? 'medium' : 'low';
}
