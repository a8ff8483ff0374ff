/**
 * The one place that touches @actions/core: an action's entry calls `runAction(main)` and gets a
 * context with typed inputs, outputs, state, logging, masking and the job summary.
 */
import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { jobTempDir, runContextFromEnv, type RunContext } from './context.js';
import { ConfigurationError, OperationFailedError, errorMessage } from './errors.js';
import { Inputs } from './inputs.js';
import type { Annotation, Logger } from './logger.js';
import { processSecrets } from './secrets.js';
import type { SummaryBuilder } from './summary.js';

export interface ActionContext {
  inputs: Inputs;
  log: Logger;
  run: RunContext;
  /** Masks a value (and, for a URL, its password) in logs, outputs and the summary. */
  mask(value: string): void;
  /** Redacts every masked value from a text. */
  redact(text: string): string;
  /** Sets an output; objects and arrays are written as JSON. */
  setOutput(name: string, value: string | number | boolean | object): void;
  saveState(name: string, value: string | object): void;
  getState(name: string): string;
  /** Appends to the job summary (redacted). */
  writeSummary(summary: SummaryBuilder | string): Promise<void>;
  /** Aborted when the runner cancels the step (SIGINT/SIGTERM); long waits must honour it. */
  signal: AbortSignal;
}

const secrets = processSecrets;

function annotationProps(a?: Annotation): core.AnnotationProperties | undefined {
  if (!a) return undefined;
  return { title: a.title, file: a.file, startLine: a.startLine };
}

const runnerLogger: Logger = {
  info: (m) => core.info(secrets.redact(m)),
  debug: (m) => core.debug(secrets.redact(m)),
  notice: (m, a) => core.notice(secrets.redact(m), annotationProps(a)),
  warning: (m, a) => core.warning(secrets.redact(m), annotationProps(a)),
  error: (m, a) => core.error(secrets.redact(m), annotationProps(a)),
  group: (name, fn) => core.group(secrets.redact(name), fn),
};

function createContext(signal: AbortSignal): ActionContext {
  const run = runContextFromEnv(process.env, process.cwd(), jobTempDir(process.env, tmpdir()));
  const inputs = new Inputs(
    (name) => core.getInput(name),
    secrets,
    (form) => core.setSecret(form),
    run.workspace,
  );
  return {
    inputs,
    log: runnerLogger,
    run,
    mask(value) {
      for (const form of secrets.add(value)) core.setSecret(form);
    },
    redact: (text) => secrets.redact(text),
    setOutput(name, value) {
      const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
      core.setOutput(name, secrets.redact(text));
    },
    saveState(name, value) {
      core.saveState(name, typeof value === 'string' ? value : JSON.stringify(value));
    },
    getState: (name) => core.getState(name),
    async writeSummary(summary) {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(secrets.redact(summary.toString()), true).write();
    },
    signal,
  };
}

/**
 * Runs an action's main (or post) function: a ConfigurationError or OperationFailedError ends the
 * step with one error line and exit code 1; any other error is a bug and is reported with its stack.
 */
export function runAction(main: (ctx: ActionContext) => Promise<void>): void {
  const controller = new AbortController();
  const cancel = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    core.warning(`Received ${sig}: stopping; cleanup runs now or in the post step.`);
    controller.abort(new OperationFailedError(`cancelled by ${sig}`));
  };
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  const ctx = createContext(controller.signal);
  main(ctx)
    .then(() => {
      process.removeListener('SIGINT', cancel);
      process.removeListener('SIGTERM', cancel);
    })
    .catch((err: unknown) => {
      reportFailure(err);
      process.exitCode = 1;
    })
    .finally(() => {
      // Lingering sockets or timers must not keep a finished step alive.
      setTimeout(() => process.exit(), 50).unref();
    });
}

export function reportFailure(err: unknown): void {
  if (err instanceof ConfigurationError) {
    // One error line: with the file and line as an annotation when the mistake is in a file.
    if (err.file) {
      core.error(secrets.redact(err.message), { file: err.file, startLine: err.line, title: 'deploy-kit' });
      process.exitCode = 1;
    } else core.setFailed(secrets.redact(err.message));
    return;
  }
  if (err instanceof OperationFailedError) {
    core.setFailed(secrets.redact(err.message));
    return;
  }
  const stack = err instanceof Error && err.stack ? err.stack : String(err);
  core.setFailed(`${secrets.redact(errorMessage(err))} — this is a bug in deploy-kit; please report it with the log below.`);
  core.info(secrets.redact(stack));
}
