/** Outputs and the job summary for builds and promotions: pure, from the results. */
import { formatDuration } from '../runtime/parse.js';
import { SummaryBuilder, escapeCell, trusted } from '../runtime/summary.js';
import type { Builder, ImagePlan, ImageResult } from './build-push.js';
import type { PromoteResult } from './promote.js';

export interface ImageOutput {
  name: string;
  ref: string;
  digest: string;
  tags: string[];
  version: string;
}

export function imagesOutput(results: ImageResult[]): Record<string, ImageOutput> {
  const out: Record<string, ImageOutput> = {};
  for (const r of results) out[r.key] = { name: r.name, ref: r.ref, digest: r.digest ?? '', tags: r.tags, version: r.version };
  return out;
}

/** docker/metadata-action's `tags` and `labels` outputs, for every image: full references and KEY=VALUE lines. */
export function dockerStyleOutputs(images: Array<{ refs: string[]; labels: Record<string, string> }>): { tags: string; labels: string } {
  const tags = [...new Set(images.flatMap((i) => i.refs))];
  const labels = new Map<string, string>();
  for (const i of images) for (const [k, v] of Object.entries(i.labels)) labels.set(k, v);
  return { tags: tags.join('\n'), labels: [...labels].map(([k, v]) => `${k}=${v}`).join('\n') };
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

const shortDigest = (d: string | undefined): string => (d ? `${d.slice(0, 19)}…` : '—');

export function buildSummary(results: ImageResult[], builder: Builder, notices: string[] = []): SummaryBuilder {
  const failed = results.filter((r) => r.error);
  const s = new SummaryBuilder().heading(
    `build-push: ${failed.length ? `${failed.length} of ${results.length} image(s) failed` : `${results.length} image(s) built`}`,
  );
  s.table(
    ['Image', 'Tags', 'Digest', 'Size', 'Build', 'Push', 'Push attempts', 'Result'],
    results.map((r) => [
      r.name,
      trusted(r.tags.map((t) => `\`${escapeCell(t)}\``).join(' ')),
      r.digest ? trusted(`<code title="${escapeCell(r.digest)}">${escapeCell(shortDigest(r.digest))}</code>`) : '—',
      formatBytes(r.size),
      formatDuration(r.buildMs),
      r.pushAttempts ? formatDuration(r.pushMs) : '—',
      r.pushAttempts ? String(r.pushAttempts) : '—',
      r.error ? `❌ ${r.error}` : r.digest ? (r.verified ? '✅ pushed, digest verified' : '✅ pushed') : '✅ built (not pushed)',
    ]),
  );
  s.paragraph(`Builder: ${builder === 'buildx' ? 'docker buildx build' : 'docker build + docker push (classic)'}.`);
  for (const n of notices) s.paragraph(n);
  const retried = results.filter((r) => r.failedAttempts.length);
  if (retried.length) {
    const lines = retried.flatMap((r) => r.failedAttempts.map((a) => `- ${r.key}: attempt ${a.attempt} for ${a.ref} (${a.kind}): ${a.error}`));
    s.details('Failed push attempts', lines.map((l) => escapeCell(l)).join('\n'));
  }
  const digests = results.filter((r) => r.digest).map((r) => `${r.key}: ${r.ref}`);
  if (digests.length) s.details('Image references (by digest)', digests.join('\n'), { code: '' });
  return s;
}

export function planSummary(plans: ImagePlan[], commands: string[][]): SummaryBuilder {
  const s = new SummaryBuilder().heading('build-push: plan (dry run)');
  s.table(
    ['Image', 'Tags', 'Context', 'Dockerfile', 'Target'],
    plans.map((p) => [p.config.image.name, p.tags.join(' '), p.spec.context, p.spec.dockerfile, p.spec.target ?? '—']),
  );
  s.details('Commands', commands.map((c) => ['docker', ...c].map(shellQuote).join(' ')).join('\n'), { code: 'sh' });
  return s;
}

export interface PromoteRow {
  name: string;
  result?: PromoteResult;
  error?: string;
}

export function promoteSummary(rows: PromoteRow[], from: string): SummaryBuilder {
  const failed = rows.filter((r) => r.error).length;
  const s = new SummaryBuilder().heading(`build-push: promote ${from}${failed ? ` — ${failed} failed` : ''}`);
  s.table(
    ['Image', 'From', 'To', 'Digest', 'Type', 'Duration', 'Result'],
    rows.map((r) => [
      r.name,
      from,
      // The previous digest is what a rollback of the tag would go back to.
      r.result
        ? r.result.to.map((t) => `${t.ref ?? t.tag}${t.moved ? (t.previous ? ` (was ${shortDigest(t.previous)})` : ' (new)') : ' (already there)'}`).join(', ')
        : '—',
      r.result ? trusted(`<code title="${escapeCell(r.result.digest)}">${escapeCell(shortDigest(r.result.digest))}</code>`) : '—',
      r.result?.mediaType ?? '—',
      r.result ? formatDuration(r.result.durationMs) : '—',
      r.error ? `❌ ${r.error}` : '✅ promoted, digest unchanged',
    ]),
  );
  for (const r of rows) {
    const b = r.result?.blobs;
    if (b) s.paragraph(`${r.name}: blobs ${b.mounted} mounted, ${b.streamed} streamed (${formatBytes(b.bytesStreamed)}), ${b.present} already there.`);
  }
  return s;
}

/** For showing a command line in the plan; never executed. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
