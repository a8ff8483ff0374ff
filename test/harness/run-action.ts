/**
 * Runs a built bundle exactly as the GitHub runner does: `node dist/<action>/index.js` on Node 24 (scripts/action-node.mjs) with
 * INPUT_<NAME> variables (upper-cased, hyphens kept, spaces as _), defaults from the action's
 * action.yml, and the GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files; then the post
 * step with STATE_<name> from what main saved.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseFileCommands } from '../../src/cli/file-commands.js';
import { actionNode } from '../../scripts/action-node.mjs';
import { recordRun, registerEnvSecrets, registerInputSecrets } from '../support/secrets.js';

export { parseFileCommands };

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  stdout: string;
  stderr: string;
  /** stdout + stderr, in arrival order. */
  log: string;
  durationMs: number;
  /** `::error::` lines' messages. */
  errors: string[];
  /** Values the action registered with `::add-mask::`. */
  masked: string[];
}

export interface RunActionOptions {
  inputs?: Record<string, string | number | boolean>;
  env?: Record<string, string | undefined>;
  /** Run the post step instead of main, with this state (STATE_<name>). */
  state?: Record<string, string>;
  post?: boolean;
  cwd?: string;
  timeoutMs?: number;
  /** Called with the child once it started, e.g. to send it SIGTERM mid-run. */
  onSpawn?: (child: ChildProcess, output: () => string) => void;
  /** Do not fill defaults from action.yml (to test that the runtime has its own). */
  noDefaults?: boolean;
}

const runDirs: string[] = [];

/** Removes the temp dirs of every run so far (the setup file calls it after each test file). */
export function removeRunDirs(): void {
  for (const dir of runDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

interface ActionMetadata {
  inputs?: Record<string, { default?: string | number | boolean; required?: boolean }>;
  runs: { main: string; post?: string };
}

export function readActionMetadata(action: string): ActionMetadata {
  return parse(readFileSync(join(repoRoot, action, 'action.yml'), 'utf8')) as ActionMetadata;
}

export function runAction(action: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const meta = readActionMetadata(action);
  const dir = mkdtempSync(join(tmpdir(), `dk-run-${action}-`));
  runDirs.push(dir);
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('STATE_')) env[k] = v;
  }
  Object.assign(env, files, {
    RUNNER_TEMP: join(dir, 'runner-temp'),
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.cwd ?? repoRoot,
  });
  if (!options.noDefaults) {
    for (const [name, spec] of Object.entries(meta.inputs ?? {})) {
      if (spec.default !== undefined) env[inputEnvName(name)] = String(spec.default);
    }
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[inputEnvName(name)] = String(value);
  // The secret scan (test/support/secrets.ts) looks for these in what every run shows.
  registerInputSecrets(action, options.inputs ?? {});
  registerEnvSecrets(action, options.env ?? {});
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const script = options.post ? meta.runs.post : meta.runs.main;
  if (!script) throw new Error(`${action}/action.yml has no ${options.post ? 'post' : 'main'} script`);
  const entry = join(repoRoot, action, script);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build`);

  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(actionNode(), [entry], { cwd: options.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let log = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
      log += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
      log += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    options.onSpawn?.(child, () => log);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');
      const outputs = parseFileCommands(read(files.GITHUB_OUTPUT));
      const summary = read(files.GITHUB_STEP_SUMMARY);
      recordRun({ action, post: options.post === true, log, outputs, summary });
      resolve({
        exitCode,
        signal,
        outputs,
        state: parseFileCommands(read(files.GITHUB_STATE)),
        summary,
        stdout,
        stderr,
        log,
        durationMs: performance.now() - started,
        errors: [...log.matchAll(/^::error(?: [^:]*)?::(.*)$/gm)].map((m) => decodeCommand(m[1]!)),
        masked: [...log.matchAll(/^::add-mask::(.*)$/gm)].map((m) => decodeCommand(m[1]!)),
      });
    });
  });
}

/** Runs main, then post with the state main saved, as the runner does. */
export async function runActionWithPost(action: string, options: RunActionOptions = {}): Promise<{ main: ActionRun; post: ActionRun }> {
  const main = await runAction(action, options);
  const post = await runAction(action, { ...options, onSpawn: undefined, post: true, state: main.state });
  return { main, post };
}

function decodeCommand(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
