#!/usr/bin/env node
// Writes docs/reliability.md (issue #12's figures) from a test run: vitest's JSON report plus the files the
// corpus runners and the secret scan write under test-results/ (reliability/*.json, secret-scan/*.json).
//
// Usage:
//   node scripts/reliability.mjs --run     run the corpora and the fault tests (bash scripts/test.sh), then write
//   node scripts/reliability.mjs           write from the last run's test-results/
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
const doc = join(root, 'docs', 'reliability.md');
const ACTIONS = ['build-push', 'migrate-db', 'deploy-canary', 'smoke-test', 'verify-gates', 'rollback'];

/**
 * Issue #12's fault list, each with the tests that cover it: [test file, pattern of the test's name].
 * A fault with no test is reported as not covered.
 */
export const FAULTS = [
  {
    fault: 'registry 5xx / 429 / connection reset mid-push',
    tests: [
      ['test/e2e/build-push.test.ts', /retries pushes that fail transiently/],
      ['test/integration/registry/push-retries.test.ts', /429 on the blob upload and 503 on the manifest PUT/],
      ['test/integration/registry/promote.test.ts', /retries a registry that answers 503 and 429/],
      ['test/unit/registry/push-errors.test.ts', /./],
    ],
  },
  {
    fault: 'database killed mid-migration',
    tests: [
      ['test/e2e/migrate-db.test.ts', /kill -9 during a long migration/],
      ['test/e2e/migrate-db.test.ts', /MariaDB kill -9 mid-file/],
      ['test/e2e/faults.test.ts', /database session killed mid-migration/],
    ],
  },
  {
    fault: 'database killed mid-restore',
    tests: [
      ['test/integration/db/restore-faults.test.ts', /database killed mid-restore \(PostgreSQL\)/],
      ['test/integration/db/restore-faults.test.ts', /database killed mid-restore \(MariaDB\)/],
    ],
  },
  {
    fault: 'two concurrent migrations',
    tests: [
      ['test/e2e/migrate-db.test.ts', /two bundles started at once/],
      ['test/integration/db/postgres.test.ts', /two runs at once apply each migration exactly once/],
      ['test/integration/db/mysql.test.ts', /two runs at once apply each migration once/],
    ],
  },
  {
    fault: 'two concurrent canaries',
    tests: [
      ['test/e2e/two-runs.test.ts', /two concurrent canaries/],
      ['test/e2e/two-runs.test.ts', /a rollback started while a canary runs waits for it/],
      ['test/unit/record/project-lock.test.ts', /./],
    ],
  },
  {
    fault: 'SIGTERM mid-canary',
    tests: [
      ['test/e2e/deploy-canary.test.ts', /post step after SIGTERM mid-canary/],
      ['test/e2e/two-runs.test.ts', /post step after SIGTERM mid-canary cleans up under the lock/],
      ['test/unit/release/canary.test.ts', /cancelled mid-step/],
    ],
  },
  {
    fault: 'SIGTERM mid-restore',
    tests: [
      ['test/e2e/restore-faults.test.ts', /SIGTERM mid-restore \(PostgreSQL\)/],
      ['test/e2e/restore-faults.test.ts', /SIGTERM mid-restore \(MariaDB\)/],
      ['test/integration/db/restore-safety.test.ts', /a begun restore ignores the job being cancelled/],
    ],
  },
  {
    fault: 'Prometheus down mid-canary',
    tests: [['test/integration/canary/canary-analysis.test.ts', /Prometheus becomes unreachable mid-canary/]],
  },
  {
    fault: 'nginx reload failing',
    tests: [
      ['test/e2e/deploy-canary.test.ts', /nginx reload failure/],
      ['test/integration/traffic/nginx-router.test.ts', /fails when the reload fails/],
    ],
  },
  { fault: 'a container dying during rollback', tests: [['test/e2e/two-runs.test.ts', /a container dying during rollback/]] },
  { fault: 'disk full while backing up', tests: [['test/e2e/faults.test.ts', /disk full while backing up/]] },
];

const CORPUS_FILES = ['test/e2e/bad-input', 'test/e2e/injection'];

function run() {
  const files = [...new Set([...CORPUS_FILES, ...FAULTS.flatMap((f) => f.tests.map(([file]) => file))])].filter((f) => existsSync(join(root, f)));
  // Figures of earlier runs must not mix with this one's.
  for (const dir of ['reliability', 'secret-scan']) rmSync(join(results, dir), { recursive: true, force: true });
  const r = spawnSync('bash', ['scripts/test.sh', ...files], { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The JSON files of `dir` written since `since` (ms): files an older run (the demo, a single file) left are not this run's. */
function readDir(dir, since = 0) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && statSync(join(dir, f)).mtimeMs >= since)
    .sort()
    .map((f) => readJson(join(dir, f)));
}

/** vitest JSON → [{ file, title, status }] (an it.fails whose body failed is "passed" there; its title says known). */
function testsOf(report) {
  return report.testResults.flatMap((f) =>
    f.assertionResults.map((t) => ({ file: relative(root, f.name), title: t.title, fullName: t.fullName, status: t.status })),
  );
}

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function render(report, figures, scans) {
  const tests = testsOf(report);
  const when = new Date(report.startTime ?? Date.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  const out = [];
  out.push('# Reliability figures');
  out.push('');
  out.push(
    `Generated by \`node scripts/reliability.mjs\` from the test run of ${when} (vitest's JSON report and the files the corpora and the secret scan write under \`test-results/\`). Regenerate with \`node scripts/reliability.mjs --run\`. Do not edit by hand.`,
  );
  const files = [...new Set(tests.map((t) => t.file))].sort();
  out.push(`This run's test files (${files.length}): ${files.map((f) => `\`${f}\``).join(', ')}.`);
  out.push('');

  out.push('## Bad-input corpus');
  out.push('');
  out.push(
    "Each case runs the action's real bundle with one input wrong, against sensors: a Docker socket that refuses every write, a database port that counts connections, an HTTP server that records requests (registry, Prometheus, webhooks, GitHub API, artifact service), and a snapshot of the workspace, a directory beside it, HOME and TMPDIR. A case passes when nothing was touched and the step failed with one `::error::` line naming the input, with no stack trace (`test/e2e/bad-input/`).",
  );
  out.push('');
  out.push('| action | cases | rejected before any side effect | known holes (`it.fails`, fixed by the safety work) | failed | slowest case |');
  out.push('|---|---:|---:|---:|---:|---:|');
  const slowCases = [];
  for (const action of ACTIONS) {
    const mine = tests.filter((t) => t.file === `test/e2e/bad-input/${action}.test.ts` && t.title.startsWith(`${action} rejects:`));
    const known = mine.filter((t) => t.title.includes('[known:'));
    const plain = mine.filter((t) => !t.title.includes('[known:'));
    const fig = figures.find((f) => f.kind === 'bad-input' && f.action === action);
    for (const s of fig?.slow ?? []) slowCases.push(`${action}: ${s.name} (${(s.ms / 1000).toFixed(1)} s)`);
    if (mine.length === 0) {
      out.push(`| ${action} | not in this run | | | | |`);
      continue;
    }
    out.push(
      `| ${action} | ${mine.length} | ${plain.filter((t) => t.status === 'passed').length} | ${known.length} | ${mine.filter((t) => t.status === 'failed').length} | ${fig ? `${(fig.maxMs / 1000).toFixed(1)} s` : '—'} |`,
    );
  }
  out.push('');
  const knownList = tests.filter((t) => t.file.startsWith('test/e2e/bad-input/') && t.title.includes('[known:'));
  if (knownList.length) {
    out.push('Known holes (each an `it.fails` case, owned by the other sections of issue #12; the case flips to `it` with the fix):');
    out.push('');
    for (const t of knownList) out.push(`- ${cell(t.title)}`);
    out.push('');
  }
  const failed = tests.filter((t) => (t.file.startsWith('test/e2e/bad-input/') || t.file.startsWith('test/e2e/injection/')) && t.status === 'failed');
  if (failed.length) {
    out.push('Failed cases:');
    out.push('');
    for (const t of failed) out.push(`- ${t.file}: ${cell(t.title)}`);
    out.push('');
  }
  out.push(
    `Cases slower than 2 s (wall clock of one bundle run, on a shared 2-core machine — a finding to look at, not an assertion): ${slowCases.length === 0 ? 'none' : slowCases.length}.`,
  );
  out.push('');

  out.push('## Injection corpus');
  out.push('');
  out.push(
    'Payloads `$(touch …)`, backticks, `;`, a newline, `|`/`&&`, a `--flag` value and a `../` path, through every input that reaches a process argument, a file path, SQL or an HTTP request (`test/e2e/injection/`). Each `touch` aims at a canary file that must not appear; nothing may be written outside the workspace. Rejected or passed through literally are both fine.',
  );
  out.push('');
  out.push('| action | inputs | cases | rejected | ran (passed through literally) | executed | files written outside | failed tests |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|');
  let totalExecuted = 0;
  let totalOutside = 0;
  for (const action of ACTIONS) {
    const fig = figures.find((f) => f.kind === 'injection' && f.action === action);
    const mine = tests.filter((t) => t.file === `test/e2e/injection/${action}.test.ts`);
    const cases = fig?.cases ?? [];
    const executed = cases.filter((c) => c.executed).length;
    const outside = cases.reduce((n, c) => n + c.outsideWrites, 0);
    totalExecuted += executed;
    totalOutside += outside;
    const inputs = [...new Set(cases.map((c) => `${c.input} (${c.reaches})`))].join(', ');
    if (mine.length === 0) {
      out.push(`| ${action} | not in this run | | | | | | |`);
      continue;
    }
    out.push(
      `| ${action} | ${cell(inputs || '—')} | ${cases.length} | ${cases.filter((c) => c.outcome === 'rejected').length} | ${cases.filter((c) => c.outcome === 'ran').length} | ${executed} | ${outside} | ${mine.filter((t) => t.status === 'failed').length} |`,
    );
  }
  out.push('');
  out.push(`Executed: **${totalExecuted}**. Files outside their directory: **${totalOutside}**.`);
  out.push('');

  out.push('## Secret scan');
  out.push('');
  out.push(
    "Every bundle run of every test file is collected by the harness (`test/harness/run-action.ts`); after the file, what a user could see — the log without the runner's `::add-mask::` commands, the outputs and the job summary — is scanned for every secret the tests used (`test/support/secrets.ts`: inputs such as passwords, tokens, webhook URLs and URL passwords are registered by the harness, others by the tests). A file with a finding fails.",
  );
  out.push('');
  out.push('| test file | bundle runs | secrets | found |');
  out.push('|---|---:|---:|---:|');
  let found = 0;
  let runs = 0;
  for (const s of scans) {
    found += s.found;
    runs += s.runs;
    out.push(`| ${s.file} | ${s.runs} | ${s.secrets} | ${s.found} |`);
  }
  out.push(`| **total** | **${runs}** | | **${found}** |`);
  out.push('');

  out.push('## Fault matrix');
  out.push('');
  out.push('Each fault from issue #12 with the tests that cover it and their result in this run.');
  out.push('');
  out.push('| fault | test | result |');
  out.push('|---|---|---|');
  for (const { fault, tests: patterns } of FAULTS) {
    const rows = patterns.flatMap(([file, pattern]) => {
      const hits = tests.filter((t) => t.file === file && pattern.test(t.title));
      if (hits.length === 0) return [[`${file} — ${pattern.source === '.' ? 'every test' : `/${pattern.source}/`}`, 'not in this run']];
      if (pattern.source === '.') {
        const failedHits = hits.filter((t) => t.status === 'failed').length;
        return [[`${file} (${hits.length} tests)`, failedHits ? `${failedHits} failed` : 'passed']];
      }
      return hits.map((t) => [`${file}: ${t.title}`, t.status]);
    });
    if (rows.length === 0) out.push(`| ${fault} | — | **not covered** |`);
    else rows.forEach(([test, result], i) => out.push(`| ${i === 0 ? fault : ''} | ${cell(test)} | ${result} |`));
  }
  out.push('');
  return out.join('\n');
}

function main() {
  const args = process.argv.slice(2);
  let status = 0;
  if (args.includes('--run')) status = run();
  const reportFile = join(results, 'vitest.json');
  if (!existsSync(reportFile)) {
    console.error(`${relative(root, reportFile)} is missing: run node scripts/reliability.mjs --run`);
    process.exit(1);
  }
  const report = readJson(reportFile);
  const since = report.startTime ?? 0;
  const figures = [...readDir(join(results, 'reliability'), since).map((f) => ({ ...f, kind: Array.isArray(f.cases) ? 'injection' : 'bad-input' }))];
  const text = render(report, figures, readDir(join(results, 'secret-scan'), since));
  writeFileSync(doc, text);
  console.log(`wrote ${relative(root, doc)}`);
  process.exit(status);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
