/**
 * Runs a workflow file the way GitHub would, on this machine: GitHub's parser checks it, jobs run in
 * `needs` order, every `${{ }}` is evaluated with GitHub's expression library, and each step runs:
 * - `org/deploy-kit/<action>@v1` → the built bundle through the harness (inputs, env, outputs, summary);
 * - `actions/checkout` → a clone of the test's git repository at the ref the step asks for;
 * - `run:` → bash with GITHUB_OUTPUT / GITHUB_ENV, in the job's work tree;
 * - any other `uses:` → a named no-op, written to the run log.
 * `if:`, `continue-on-error`, job and step `env`, step outputs, job outputs and `needs` behave as on GitHub.
 */
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { parseFileCommands, readActionMetadata, repoRoot, runAction, type ActionRun } from '../../harness/run-action.js';
import { asString, condition, interpolate, interpolateString, type Contexts, type JobStatus } from './expressions.js';

export interface WorkflowRunOptions {
  /** The event that triggered the run, e.g. `push` or `workflow_dispatch`. */
  eventName: string;
  /** workflow_dispatch inputs (defaults from the workflow are filled in). */
  inputs?: Record<string, string | boolean | number>;
  /** Fields of the `github` context (sha, ref, ref_name, repository_owner, actor…); sensible defaults otherwise. */
  github?: Record<string, unknown>;
  vars?: Record<string, string>;
  /** Variables of a deployment environment (GitHub's environment variables), over `vars` in jobs that name it. */
  environments?: Record<string, Record<string, string>>;
  secrets?: Record<string, string>;
  /** The git repository `actions/checkout` clones. */
  repository?: string;
  /** Extra process environment for every step (e.g. where the test's services are). */
  env?: Record<string, string>;
  /** Per-step time limit (ms). */
  stepTimeoutMs?: number;
  /** Runs only these jobs (the others are recorded as skipped, their outputs empty). */
  jobs?: string[];
}

export type StepKind = 'deploy-kit' | 'checkout' | 'run' | 'no-op';
export type Outcome = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  job: string;
  id: string;
  name: string;
  kind: StepKind;
  uses?: string;
  /** deploy-kit action folder. */
  action?: string;
  inputs: Record<string, string>;
  outcome: Outcome;
  conclusion: Outcome;
  outputs: Record<string, string>;
  /** The harness's record of a deploy-kit step (log, summary, errors). */
  run?: ActionRun;
  /** Output of a run step. */
  output?: string;
}

export interface JobRecord {
  id: string;
  result: Outcome;
  outputs: Record<string, string>;
  steps: StepRecord[];
  workspace: string;
  /** The deployment environment the job named (evaluated), if any. */
  environment?: string;
  /** runs-on, evaluated. */
  runsOn?: unknown;
}

export interface WorkflowRun {
  jobs: Record<string, JobRecord>;
  steps: StepRecord[];
  /** One line per job and step, as a person reads the Actions page. Secrets are masked. */
  log: string[];
  /** A step by id (or name), across jobs. */
  step(idOrName: string, job?: string): StepRecord;
  /** deploy-kit steps that actually ran, as `job/id`. */
  ran(): string[];
}

interface StepYml {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: unknown;
  'continue-on-error'?: unknown;
  shell?: string;
  'working-directory'?: string;
}

interface JobYml {
  needs?: string | string[];
  if?: unknown;
  env?: Record<string, unknown>;
  outputs?: Record<string, string>;
  steps?: StepYml[];
  concurrency?: unknown;
  environment?: string | { name: string; url?: string };
  'runs-on'?: unknown;
}

export interface WorkflowYml {
  name?: string;
  on: unknown;
  env?: Record<string, unknown>;
  concurrency?: unknown;
  jobs: Record<string, JobYml>;
}

/** Reads a workflow and fails on anything GitHub's parser rejects. */
export function loadWorkflow(file: string): WorkflowYml {
  const path = isAbsolute(file) ? file : join(repoRoot, file);
  const content = readFileSync(path, 'utf8');
  const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0) throw new Error(`${file} does not pass GitHub's workflow parser:\n${errors.join('\n')}`);
  return parse(content) as WorkflowYml;
}

function jobOrder(jobs: Record<string, JobYml>): string[] {
  const order: string[] = [];
  const visit = (id: string, path: string[]): void => {
    if (order.includes(id)) return;
    if (path.includes(id)) throw new Error(`jobs form a cycle: ${[...path, id].join(' → ')}`);
    for (const need of needsOf(jobs[id]!)) {
      if (!jobs[need]) throw new Error(`job ${id} needs ${need}, which does not exist`);
      visit(need, [...path, id]);
    }
    order.push(id);
  };
  for (const id of Object.keys(jobs)) visit(id, []);
  return order;
}

function needsOf(job: JobYml): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

function dispatchInputs(doc: WorkflowYml, given: Record<string, string | boolean | number>): Record<string, unknown> {
  const on = (doc.on ?? {}) as Record<string, { inputs?: Record<string, { default?: unknown; type?: string }> } | null>;
  const declared = on.workflow_dispatch?.inputs ?? {};
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = name in given ? given[name] : (spec.default ?? '');
    out[name] = spec.type === 'boolean' ? value === true || value === 'true' : value;
  }
  for (const [name, value] of Object.entries(given)) if (!(name in out)) out[name] = value;
  return out;
}

function mask(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

export async function runWorkflow(file: string, options: WorkflowRunOptions): Promise<WorkflowRun> {
  const doc = loadWorkflow(file);
  const secrets = options.secrets ?? {};
  const secretValues = Object.values(secrets).filter((s) => s.length > 0);
  const github: Record<string, unknown> = {
    event_name: options.eventName,
    repository: 'org/shop',
    repository_owner: 'org',
    actor: 'octocat',
    sha: '0000000000000000000000000000000000000000',
    ref: 'refs/heads/main',
    ref_name: 'main',
    ref_type: 'branch',
    run_id: '1',
    run_number: '1',
    run_attempt: '1',
    server_url: 'https://github.com',
    workflow: doc.name ?? file,
    ...options.github,
  };
  github.event ??= options.eventName === 'workflow_dispatch' ? { inputs: options.inputs ?? {} } : {};
  const inputs = dispatchInputs(doc, options.inputs ?? {});
  const base: Contexts = { github, inputs, vars: options.vars ?? {}, secrets, runner: { os: 'Linux', temp: '' } };
  const log: string[] = [];
  const note = (line: string): void => {
    log.push(mask(line, secretValues));
  };
  const jobs: Record<string, JobRecord> = {};
  const allSteps: StepRecord[] = [];
  const root = mkdtempSync(join(tmpdir(), 'dk-workflow-'));

  for (const jobId of jobOrder(doc.jobs)) {
    const job = doc.jobs[jobId]!;
    const needs: Record<string, unknown> = {};
    for (const n of needsOf(job)) needs[n] = { result: jobs[n]!.result, outputs: jobs[n]!.outputs };
    const needFailed = needsOf(job).some((n) => jobs[n]!.result !== 'success');
    const workspace = join(root, jobId);
    mkdirSync(workspace, { recursive: true });
    const record: JobRecord = { id: jobId, result: 'skipped', outputs: {}, steps: [], workspace };
    jobs[jobId] = record;
    const jobStatus: JobStatus = { failed: needFailed, cancelled: false };
    const workflowEnv = envStrings(doc.env, { ...base, needs }, jobStatus);
    const ctx = (): Contexts => ({ ...base, needs, env: { ...workflowEnv }, job: { status: jobStatus.failed ? 'failure' : 'success' } });
    const runIt = (options.jobs === undefined || options.jobs.includes(jobId)) && condition(job.if, ctx(), jobStatus);
    if (!runIt) {
      note(`job ${jobId}: skipped`);
      continue;
    }
    jobStatus.failed = false;
    const environment =
      job.environment === undefined
        ? undefined
        : interpolateString(typeof job.environment === 'string' ? job.environment : job.environment.name, ctx(), jobStatus);
    record.environment = environment;
    record.runsOn = interpolate(job['runs-on'], ctx(), jobStatus);
    if (environment !== undefined) base.vars = { ...options.vars, ...options.environments?.[environment] };
    note(`job ${jobId}: started${environment ? ` (environment ${environment})` : ''}`);
    const jobEnv = { ...workflowEnv, ...envStrings(job.env, ctx(), jobStatus) };
    const added: Record<string, string> = {};
    const steps: Record<string, { outputs: Record<string, string>; outcome: Outcome; conclusion: Outcome }> = {};
    let cwd = workspace;
    (job.steps ?? []).forEach((s, i) => {
      const id = s.id ?? `__${i}`;
      steps[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
    });
    for (const [i, s] of (job.steps ?? []).entries()) {
      const id = s.id ?? `__${i}`;
      const stepCtx = (): Contexts => ({
        ...base,
        needs,
        steps,
        env: { ...jobEnv, ...added },
        job: { status: jobStatus.failed ? 'failure' : 'success' },
      });
      const name = s.name ? interpolateString(s.name, stepCtx(), jobStatus) : (s.uses ?? `run ${i + 1}`);
      const kind: StepKind =
        s.run !== undefined
          ? 'run'
          : /^org\/deploy-kit\/[a-z-]+@/.test(s.uses ?? '')
            ? 'deploy-kit'
            : /^actions\/checkout@/.test(s.uses ?? '')
              ? 'checkout'
              : 'no-op';
      const step: StepRecord = { job: jobId, id, name, kind, uses: s.uses, inputs: {}, outcome: 'skipped', conclusion: 'skipped', outputs: {} };
      record.steps.push(step);
      allSteps.push(step);
      if (!condition(s.if, stepCtx(), jobStatus)) {
        note(`  step ${name}: skipped`);
        continue;
      }
      const env = { ...jobEnv, ...added, ...envStrings(s.env, stepCtx(), jobStatus) };
      for (const [k, v] of Object.entries(s.with ?? {})) step.inputs[k] = interpolateString(v, stepCtx(), jobStatus);
      let ok = true;
      try {
        if (kind === 'deploy-kit') {
          step.action = /^org\/deploy-kit\/([a-z-]+)@/.exec(s.uses!)![1]!;
          // action.yml defaults with an expression (`${{ github.token }}`) are evaluated, as GitHub does.
          for (const [k, spec] of Object.entries(readActionMetadata(step.action).inputs ?? {})) {
            if (!(k in step.inputs) && typeof spec.default === 'string' && spec.default.includes('${{'))
              step.inputs[k] = interpolateString(spec.default, stepCtx(), jobStatus);
          }
          const run = await runAction(step.action, {
            inputs: step.inputs,
            cwd,
            env: { ...defaultEnv(github, jobId), ...options.env, ...env },
            timeoutMs: options.stepTimeoutMs ?? 300_000,
          });
          step.run = run;
          step.outputs = run.outputs;
          ok = run.exitCode === 0;
        } else if (kind === 'checkout') {
          cwd = checkout(options.repository, step.inputs.ref || String(github.sha), join(workspace, step.inputs.path ?? 'src'));
          step.outputs = { ref: step.inputs.ref || String(github.sha), commit: git(cwd, 'rev-parse', 'HEAD') };
        } else if (kind === 'run') {
          const script = interpolateString(s.run, stepCtx(), jobStatus);
          const result = runScript(script, s['working-directory'] ? join(cwd, s['working-directory']) : cwd, {
            ...defaultEnv(github, jobId),
            ...options.env,
            ...env,
          });
          step.output = result.output;
          step.outputs = result.outputs;
          Object.assign(added, result.env);
          ok = result.ok;
        } else {
          note(`  step ${name}: ${s.uses} is a no-op here (third-party action)`);
        }
      } catch (err) {
        ok = false;
        step.output = (err as Error).message;
      }
      step.outcome = ok ? 'success' : 'failure';
      const continueOnError = truthyInput(interpolate(s['continue-on-error'] ?? false, stepCtx(), jobStatus));
      step.conclusion = ok || continueOnError ? 'success' : 'failure';
      steps[id] = { outputs: step.outputs, outcome: step.outcome, conclusion: step.conclusion };
      if (step.conclusion === 'failure') jobStatus.failed = true;
      const why = step.run?.errors[0] ?? (ok ? '' : (step.output ?? '').trim().split('\n').slice(-1)[0]);
      note(`  step ${name}: ${step.outcome}${continueOnError && !ok ? ' (continue-on-error)' : ''}${why ? ` — ${why}` : ''}`);
    }
    record.result = jobStatus.failed ? 'failure' : 'success';
    const outCtx: Contexts = { ...base, needs, steps, env: { ...jobEnv, ...added }, job: { status: record.result } };
    for (const [k, v] of Object.entries(job.outputs ?? {})) record.outputs[k] = interpolateString(v, outCtx, jobStatus);
    note(`job ${jobId}: ${record.result}`);
    base.vars = options.vars ?? {};
  }
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });

  return {
    jobs,
    steps: allSteps,
    log,
    step(idOrName, job) {
      const found = allSteps.find((s) => (job === undefined || s.job === job) && (s.id === idOrName || s.name === idOrName));
      if (!found) throw new Error(`no step ${idOrName} in ${file} (steps: ${allSteps.map((s) => `${s.job}/${s.id}`).join(', ')})`);
      return found;
    },
    ran: () => allSteps.filter((s) => s.kind === 'deploy-kit' && s.outcome !== 'skipped').map((s) => `${s.job}/${s.id}`),
  };
}

function truthyInput(value: unknown): boolean {
  return value === true || value === 'true';
}

function envStrings(env: Record<string, unknown> | undefined, ctx: Contexts, status: JobStatus): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) out[k] = asString(interpolate(v, ctx, status));
  return out;
}

function defaultEnv(github: Record<string, unknown>, job: string): Record<string, string> {
  return {
    CI: 'true',
    GITHUB_SHA: String(github.sha),
    GITHUB_REF: String(github.ref),
    GITHUB_REF_NAME: String(github.ref_name),
    GITHUB_REF_TYPE: String(github.ref_type),
    GITHUB_REPOSITORY: String(github.repository),
    GITHUB_REPOSITORY_OWNER: String(github.repository_owner),
    GITHUB_EVENT_NAME: String(github.event_name),
    GITHUB_ACTOR: String(github.actor),
    GITHUB_RUN_ID: String(github.run_id),
    GITHUB_JOB: job,
    GITHUB_SERVER_URL: String(github.server_url),
  };
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** `actions/checkout`: a clone of the test's repository with `ref` (a sha, branch, tag or refs/… name) checked out. */
function checkout(repository: string | undefined, ref: string, dir: string): string {
  if (!repository) throw new Error('actions/checkout: the test gave no repository to check out');
  rmSync(dir, { recursive: true, force: true });
  git(tmpdir(), 'clone', '--quiet', '--no-checkout', repository, dir);
  git(dir, 'checkout', '--quiet', '--detach', ref);
  return dir;
}

function runScript(
  script: string,
  cwd: string,
  env: Record<string, string>,
): { ok: boolean; output: string; outputs: Record<string, string>; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'dk-run-step-'));
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_ENV: join(dir, 'env'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    env: { ...process.env, ...env, ...files },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const result = {
    ok: r.status === 0,
    output: `${r.stdout ?? ''}${r.stderr ?? ''}`,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    env: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
  };
  rmSync(dir, { recursive: true, force: true });
  return result;
}
