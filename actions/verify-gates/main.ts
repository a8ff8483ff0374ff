// verify-gates: named GREEN/RED gates of checks, once or over a watch window. Reads and validates
// the whole gates file (and has Prometheus parse every query) before any check runs; then calls the
// watch use case, sets outputs, writes the summary, and reports the incident on transitions.
import { parseGatesDocument } from '../../src/gates/document.js';
import { INCIDENT_LABEL } from '../../src/gates/incident.js';
import { evaluateGates, type ProbeContext } from '../../src/gates/probe.js';
import { failureLines, gatesReport, gatesSummary } from '../../src/gates/report.js';
import { sleep } from '../../src/util/sleep.js';
import { PrometheusClient } from '../../src/metrics/prometheus.js';
import { sendNotification, validateWebhookUrl } from '../../src/notify/webhook.js';
import { reportIncident, type IncidentIssues } from '../../src/release/gates-incident.js';
import { watchGates } from '../../src/release/gates-watch.js';
import { ConfigurationError, OperationFailedError, formatDuration, runAction } from '../../src/runtime/index.js';

runAction(async (ctx) => {
  const source = ctx.inputs.yaml('gates', { required: true })!;
  const baseUrl = ctx.inputs.optional('base-url');
  const prometheusUrl = ctx.inputs.secret('prometheus-url');
  const watchMs = ctx.inputs.duration('watch', '0');
  const intervalMs = ctx.inputs.duration('interval', '1m', { min: 1000 });
  const failureLimit = ctx.inputs.integer('failure-limit', 1, { min: 1, max: 1000 });
  const failOnRed = ctx.inputs.boolean('fail-on-red', true);
  const token = ctx.inputs.secret('github-token');
  const sha = ctx.inputs.optional('sha') ?? ctx.run.sha;
  if (ctx.inputs.has('sha') && !/^[0-9a-f]{7,40}$/i.test(sha))
    throw new ConfigurationError(`sha is "${sha}": give a commit SHA (7 to 40 hexadecimal digits), e.g. \${{ github.sha }}.`, { input: 'sha' });
  const incident = ctx.inputs.choice('incident', ['none', 'issue'] as const, 'none');
  const webhook = ctx.inputs.secret('notify-webhook');
  if (webhook) validateWebhookUrl(webhook, 'notify-webhook');
  if (watchMs > 0 && intervalMs > watchMs) {
    throw new ConfigurationError(
      `interval is ${formatDuration(intervalMs)}, longer than watch (${formatDuration(watchMs)}): give an interval of at most the watch.`,
      { input: 'interval' },
    );
  }

  const plan = parseGatesDocument(source.value, {
    source: source.label,
    file: source.file,
    lineOf: source.lineOf,
    baseUrl,
    env: process.env,
    workspace: ctx.run.workspace,
    prometheusConfigured: prometheusUrl !== '',
  });
  for (const secret of plan.secrets) ctx.mask(secret);
  const conditions = plan.gates.flatMap((g) => g.conditions);
  const needsGitHub = conditions.some((c) => c.kind === 'github') || incident === 'issue';
  if (needsGitHub && !token) {
    throw new ConfigurationError('github-token is empty, but github: checks and incident: issue need it: leave the default (the job’s token) or give one.', {
      input: 'github-token',
    });
  }

  const probe: ProbeContext = {};
  if (prometheusUrl) {
    const prometheus = new PrometheusClient(prometheusUrl);
    probe.prometheus = prometheus;
    await prometheus.ready(ctx.signal);
    for (const gate of plan.gates) {
      for (const c of gate.conditions) if (c.kind === 'prometheus') await prometheus.validate(c.query, c.label, ctx.signal);
    }
  }
  let github: Awaited<ReturnType<typeof connectGitHub>> | undefined;
  if (needsGitHub) {
    github = await connectGitHub(token, ctx.run.repository);
    if (conditions.some((c) => c.kind === 'github')) {
      if (!sha) throw new ConfigurationError('sha is empty and GITHUB_SHA is not set: github: checks need the commit being released.', { input: 'sha' });
      probe.github = { state: new github.CommitState(github.client, github.repository), sha, runId: ctx.run.runId || undefined, runUrl: ctx.run.runUrl };
    }
  }

  const what = watchMs > 0 ? `over ${formatDuration(watchMs)}, every ${formatDuration(intervalMs)}` : 'once';
  ctx.log.info(`Evaluating ${plan.gates.length} gate${plan.gates.length === 1 ? '' : 's'} (${conditions.length} checks) from ${source.label} ${what}.`);
  const result = await watchGates(
    { evaluate: (signal) => evaluateGates(plan.gates, probe, signal) },
    { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, signal) },
    {
      windowMs: watchMs,
      intervalMs,
      failureLimit,
      signal: ctx.signal,
      onEvaluation: (e, i) => {
        const line = e.gates.map((g) => `${g.status === 'GREEN' ? '🟢' : '🔴'} ${g.name}`).join('  ');
        ctx.log.info(`[${i + 1}] ${line}`);
        for (const g of e.gates)
          for (const c of g.conditions) if (c.verdict === 'fail') ctx.log.info(`    ❌ ${g.name} / ${c.name}: ${c.measured} — ${c.reason}`);
      },
    },
  );

  const report = gatesReport(plan.gates, result.evaluations);
  const failedGates = result.status === 'RED' ? result.failedGates : [];
  ctx.setOutput('status', result.status);
  ctx.setOutput('gates', report);
  ctx.setOutput('failed-gates', failedGates);
  ctx.setOutput('evaluations', result.evaluations.length);

  let incidentUrl = '';
  if (incident === 'issue' || webhook) {
    const issues: IncidentIssues | undefined =
      incident === 'issue' && github ? new github.LabelledIssues(github.client, github.repository, INCIDENT_LABEL) : undefined;
    const notifier = webhook
      ? { post: (n: Parameters<typeof sendNotification>[1]) => sendNotification(webhook, n, { signal: AbortSignal.timeout(15_000) }) }
      : undefined;
    const outcome = await reportIncident(issues, notifier, {
      status: result.status,
      failedGates,
      details: failureLines(result.evaluations.at(-1)),
      runUrl: ctx.run.runUrl,
      now: new Date(),
    });
    incidentUrl = outcome.issue?.url ?? '';
    const said = { open: 'opened the incident', update: 'commented on the incident: the failing gates changed', close: 'closed the incident', none: '' }[
      outcome.action.kind
    ];
    ctx.log.info(
      `Incident: ${said || (outcome.action.kind === 'none' ? outcome.action.reason : '')}${incidentUrl ? ` (${incidentUrl})` : ''}${outcome.notified ? '; the webhook was told' : ''}.`,
    );
  }
  ctx.setOutput('incident-url', incidentUrl);
  await ctx.writeSummary(gatesSummary(plan.gates, result, { watchMs, intervalMs }));

  ctx.log.info(result.reason);
  if (result.status === 'GREEN') return;
  if (result.status === 'cancelled') throw new OperationFailedError(`verify-gates was ${result.reason}.`);
  const message = `Gates RED: ${result.failedGates.join(', ')} — ${result.reason.replace(/^RED[^:]*: /, '')}`;
  if (failOnRed) throw new OperationFailedError(message);
  ctx.log.warning(`${message}. fail-on-red is false, so the step passes.`);
});

/** Loaded only when a GitHub feature is used: octokit is a chunk of its own. */
async function connectGitHub(token: string, repositoryText: string) {
  const [{ createGitHubClient }, { parseRepository }, { CommitState }, { LabelledIssues }] = await Promise.all([
    import('../../src/runtime/github.js'),
    import('../../src/github/repository.js'),
    import('../../src/github/commit-state.js'),
    import('../../src/github/issues.js'),
  ]);
  return { client: await createGitHubClient(token), repository: parseRepository(repositoryText), CommitState, LabelledIssues };
}
