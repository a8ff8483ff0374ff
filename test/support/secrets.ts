/**
 * The secret scan: one registry of every secret an e2e test uses, and every bundle run the harness made
 * (test/harness/run-action.ts records them here). After each test file, the setup file scans what a user
 * could see of each run — the log without the runner's `::add-mask::` commands, the outputs and the job
 * summary — for every registered secret, writes the counts to test-results/secret-scan/<file>.json (read by
 * scripts/reliability.mjs), and fails the file when one is found.
 *
 * Secrets given as inputs are registered by the harness itself (SECRET_INPUTS below); a test registers
 * the others (a token in an environment variable or a file, a webhook path) with registerSecret().
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface ScannedRun {
  action: string;
  post: boolean;
  log: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface SecretFinding {
  secret: string;
  action: string;
  where: 'log' | 'outputs' | 'summary';
}

export interface SecretScan {
  file: string;
  runs: number;
  secrets: number;
  found: number;
  findings: SecretFinding[];
}

/** Inputs whose values are secrets as a whole (URLs: also by their password). */
export const SECRET_INPUTS = [
  'password',
  'github-token',
  'notify-webhook',
  'database-url',
  'prometheus-url',
  'registries',
  'secrets',
  'secret-placeholders',
] as const;

/** Shorter values are too likely to occur by chance (and no test secret is that short). */
const MIN_LENGTH = 8;

const secrets = new Map<string, string>();
const runs: ScannedRun[] = [];

/** Registers a secret the tests use; `label` names it in the findings (never the value itself). */
export function registerSecret(value: string, label: string): void {
  if (value.length < MIN_LENGTH || secrets.has(value)) return;
  secrets.set(value, label);
  const encoded = encodeURIComponent(value);
  if (encoded !== value && !secrets.has(encoded)) secrets.set(encoded, `${label} (URL-encoded)`);
}

function registerUrlSecret(value: string, label: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return;
  }
  if (url.password) {
    const password = decodeURIComponent(url.password);
    // A password equal to its user name (the shared test services' accounts) cannot be kept out of a log
    // that names the user; it is no secret of the test.
    if (password !== decodeURIComponent(url.username)) {
      registerSecret(value, label);
      registerSecret(password, `${label} password`);
      registerSecret(Buffer.from(`${decodeURIComponent(url.username)}:${password}`).toString('base64'), `${label} Basic credentials`);
    }
  } else if (url.pathname.length > 1 && /hook|token|secret/i.test(value)) registerSecret(value, label);
}

/** Registers the secrets among a run's inputs (by input name). */
export function registerInputSecrets(action: string, inputs: Record<string, string | number | boolean>): void {
  for (const name of SECRET_INPUTS) {
    const raw = inputs[name];
    if (typeof raw !== 'string' || raw === '' || raw.includes('${{')) continue;
    const label = `${action} input ${name}`;
    if (name === 'database-url' || name === 'prometheus-url' || name === 'notify-webhook') registerUrlSecret(raw, label);
    else if (name === 'secrets' || name === 'secret-placeholders') {
      for (const line of raw.split(/\r?\n/)) {
        const m = /^[^=:\s]+\s*[=:]\s?(.*)$/.exec(line.trim());
        if (m?.[1]) registerSecret(m[1].trim(), label);
      }
    } else if (name === 'registries') {
      for (const m of raw.matchAll(/password:\s*["']?([^"'\s,}]+)/g)) registerSecret(m[1]!, label);
    } else registerSecret(raw, label);
  }
}

/** Registers environment variables a test gives a run whose names say they hold a secret (API_TOKEN, DB_PASSWORD…). */
export function registerEnvSecrets(action: string, env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) {
    if (value && /TOKEN|PASSWORD|SECRET|API_?KEY/i.test(name)) registerSecret(value, `${action} environment ${name}`);
  }
}

export function recordRun(run: ScannedRun): void {
  runs.push(run);
}

/** Scans every run recorded so far for every registered secret. */
export function scanRuns(file: string): SecretScan {
  const findings: SecretFinding[] = [];
  for (const run of runs) {
    const places = {
      log: run.log.replace(/^::add-mask::.*$/gm, ''),
      outputs: JSON.stringify(run.outputs),
      summary: run.summary,
    };
    for (const [value, label] of secrets) {
      for (const [where, text] of Object.entries(places) as Array<[SecretFinding['where'], string]>) {
        if (text.includes(value)) findings.push({ secret: label, action: `${run.action}${run.post ? ' (post)' : ''}`, where });
      }
    }
  }
  return { file, runs: runs.length, secrets: secrets.size, found: findings.length, findings };
}

export const SECRET_SCAN_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'secret-scan');

/** Writes the scan of a test file (only when it ran bundles) and returns it. */
export function writeSecretScan(testFile: string): SecretScan | undefined {
  if (runs.length === 0) return undefined;
  const file = relative(join(import.meta.dirname, '..', '..'), testFile);
  const scan = scanRuns(file);
  mkdirSync(SECRET_SCAN_DIR, { recursive: true });
  writeFileSync(join(SECRET_SCAN_DIR, `${file.replace(/[^A-Za-z0-9.-]+/g, '_')}.json`), JSON.stringify(scan, null, 2) + '\n');
  return scan;
}
