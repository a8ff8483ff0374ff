/**
 * `deploy-kit <action> --<input> <value> …`: runs an action's bundle exactly as the runner would
 * (INPUT_* variables, GITHUB_OUTPUT/STATE/STEP_SUMMARY files, then the post step), translating its
 * workflow commands to plain lines and printing the outputs and the summary as text. Runs anywhere:
 * a laptop, a cron job.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ConfigurationError } from '../runtime/errors.js';
import { summaryToText } from '../runtime/summary.js';
import { CommandTranslator } from './commands.js';
import { parseFileCommands } from './file-commands.js';
import { helpText, inputEnvironment, parseActionArgs, type InputSpec } from './args.js';

interface ActionYml {
  description: string;
  inputs?: Record<string, InputSpec>;
  outputs?: Record<string, { description?: string }>;
  runs: { main: string; post?: string };
}

/** The package root: dist/cli/index.js → ../.. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function listActions(): string[] {
  return readdirSync(packageRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(packageRoot, d.name, 'action.yml')))
    .map((d) => d.name)
    .sort();
}

function runStep(script: string, env: NodeJS.ProcessEnv, translator: CommandTranslator): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    for (const [stream, sink] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      createInterface({ input: stream }).on('line', (line) => {
        const text = translator.translate(line);
        if (text !== undefined) sink.write(`${text}\n`);
      });
    }
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolvePromise(code ?? (signal ? 130 : 1));
    });
  });
}

export async function main(argv: string[]): Promise<number> {
  const actions = listActions().filter((a) => existsSync(join(packageRoot, 'dist', a)));
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') {
    process.stdout.write(`usage: deploy-kit <action> --<input> <value> …\n\nactions: ${actions.join(', ')}\n`);
    return action ? 0 : 2;
  }
  if (!actions.includes(action)) {
    throw new ConfigurationError(`unknown action "${action}": use one of ${actions.join(', ')}.`);
  }
  const meta = parse(readFileSync(join(packageRoot, action, 'action.yml'), 'utf8')) as ActionYml;
  const specs = meta.inputs ?? {};
  const args = parseActionArgs(rest, specs, action);
  if (args.help) {
    process.stdout.write(`${helpText(action, meta.description, specs)}\n`);
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), `deploy-kit-${action}-`));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(baseEnv)) if (k.startsWith('STATE_')) delete baseEnv[k];
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    ...inputEnvironment(specs, args.inputs, process.env),
    ...files,
    GITHUB_WORKSPACE: process.env.GITHUB_WORKSPACE ?? process.cwd(),
    RUNNER_TEMP: process.env.RUNNER_TEMP ?? join(dir, 'temp'),
  };
  const translator = new CommandTranslator(args.verbose);
  try {
    const code = await runStep(join(packageRoot, action, meta.runs.main), env, translator);
    let postCode = 0;
    if (meta.runs.post && !args.noPost) {
      const state = parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8'));
      const postEnv: NodeJS.ProcessEnv = { ...env };
      for (const [k, v] of Object.entries(state)) postEnv[`STATE_${k}`] = v;
      postCode = await runStep(join(packageRoot, action, meta.runs.post), postEnv, translator);
    }
    const outputs = parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
    const summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    if (summary.trim()) process.stdout.write(`\n${translator.secrets.redact(summaryToText(summary)).trim()}\n`);
    if (Object.keys(outputs).length) {
      process.stdout.write('\nOutputs:\n');
      for (const [k, v] of Object.entries(outputs)) process.stdout.write(`  ${k}: ${translator.secrets.redact(v)}\n`);
    }
    return code !== 0 ? code : postCode;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigurationError) {
      process.stderr.write(`deploy-kit: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`deploy-kit: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
