// smoke-test: declarative HTTP checks after a deployment. Reads and validates the whole checks
// document first, then runs the checks, and reports outputs, a job summary and annotations.
import { parseChecksDocument } from '../../src/checks/document.js';
import { checksReport, checksSummary } from '../../src/checks/report.js';
import { formatMs, runChecks } from '../../src/checks/run.js';
import { OperationFailedError, runAction } from '../../src/runtime/index.js';

runAction(async (ctx) => {
  const source = ctx.inputs.yaml('checks', { required: true })!;
  const baseUrl = ctx.inputs.optional('base-url');
  const concurrency = ctx.inputs.integer('concurrency', 50, { min: 1, max: 1000 });
  const timeoutMs = ctx.inputs.duration('timeout', '30s');
  const requestTimeoutMs = ctx.inputs.duration('request-timeout', '10s', { min: 1 });
  const failOnError = ctx.inputs.boolean('fail-on-error', true);

  const plan = parseChecksDocument(source.value, {
    source: source.label,
    file: source.file,
    baseUrl,
    env: process.env,
    workspace: ctx.run.workspace,
    defaults: { timeoutMs, requestTimeoutMs },
  });
  for (const secret of plan.secrets) ctx.mask(secret);

  const { checks } = plan;
  ctx.log.info(`Running ${checks.length} check${checks.length === 1 ? '' : 's'} from ${source.label} (${Math.min(concurrency, checks.length)} at a time).`);
  const results = await runChecks(checks, {
    concurrency,
    signal: ctx.signal,
    log: ctx.log,
    onResult: (r) => {
      const latency = r.samples?.latency ? `p95 ${formatMs(r.samples.latency.p95)}` : r.latencyMs !== undefined ? formatMs(r.latencyMs) : '';
      const what = [r.status !== undefined ? `status ${r.status}` : '', latency].filter(Boolean).join(', ');
      ctx.log.info(r.passed ? `✅ ${r.name}${what ? ` (${what})` : ''}` : `❌ ${r.name}: ${r.error}`);
    },
  });

  const report = checksReport(results);
  ctx.setOutput('passed', report.passed);
  ctx.setOutput('failed-count', report.failed);
  ctx.setOutput('report', report);
  await ctx.writeSummary(checksSummary(results, 'Smoke test'));
  for (const r of results) {
    if (!r.passed) ctx.log.error(`${r.name} (${r.method} ${r.url}): ${r.error}`, { title: `smoke-test: ${r.name}` });
  }

  if (report.failed === 0) {
    ctx.log.info(`All ${report.total} checks passed.`);
    return;
  }
  const names = results
    .filter((r) => !r.passed)
    .map((r) => r.name)
    .join(', ');
  const message = `${report.failed} of ${report.total} checks failed: ${names}.`;
  if (failOnError) throw new OperationFailedError(message);
  ctx.log.warning(`${message} fail-on-error is false, so the step passes.`);
});
