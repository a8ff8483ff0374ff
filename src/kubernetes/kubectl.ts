/**
 * kubectl as the runner has it: every cloud's authentication (exec plugins, OIDC) works through the
 * kubeconfig without our code knowing it. Arguments are arrays (no shell), output is JSON, and a
 * failure becomes one message (errors.ts).
 */
import { ExecError, runProgram, type RunResult } from '../exec/run.js';
import { classifyKubectlFailure, KubectlError, kubectlFailureError } from './errors.js';

// Kubernetes objects are plain JSON whose shapes are the API's.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type KObject = Record<string, any>;

export interface KubectlOptions {
  /** The kubectl binary (default: `kubectl` on PATH). */
  binary?: string;
  /** Path of the kubeconfig; default: KUBECONFIG or ~/.kube/config, as kubectl chooses. */
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  env?: NodeJS.ProcessEnv;
  /** Deadline of one command that does not wait for a rollout. Default 60 s. */
  commandTimeoutMs?: number;
  redact?: (text: string) => string;
}

export interface CallOptions {
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** What the command does, for messages ("read deployment web"). */
  what: string;
}

export class Kubectl {
  readonly binary: string;

  constructor(readonly options: KubectlOptions = {}) {
    this.binary = options.binary ?? 'kubectl';
  }

  get namespace(): string | undefined {
    return this.options.namespace;
  }

  /** The global flags every command gets (kubeconfig, context, namespace). */
  globalArgs(): string[] {
    const o = this.options;
    return [
      ...(o.kubeconfig ? ['--kubeconfig', o.kubeconfig] : []),
      ...(o.context ? ['--context', o.context] : []),
      ...(o.namespace ? ['--namespace', o.namespace] : []),
    ];
  }

  async run(args: string[], call: CallOptions): Promise<RunResult> {
    try {
      return await runProgram(this.binary, [...this.globalArgs(), ...args], {
        env: this.options.env,
        input: call.input,
        timeoutMs: call.timeoutMs ?? this.options.commandTimeoutMs ?? 60_000,
        signal: call.signal,
        redact: this.options.redact,
      });
    } catch (err) {
      if (!(err instanceof ExecError) || err.result.exitCode === -1 || call.signal?.aborted) throw err;
      if (err.result.timedOut) throw new KubectlError(`kubectl did not finish in time while trying to ${call.what}.`, 'timeout', err.result.stderr);
      const stderr = this.redact(err.result.stderr || err.result.stdout);
      throw kubectlFailureError(classifyKubectlFailure(stderr, call.what), stderr);
    }
  }

  private redact(text: string): string {
    return this.options.redact ? this.options.redact(text) : text;
  }

  async json<T = KObject>(args: string[], call: CallOptions): Promise<T> {
    const out = await this.run([...args, '-o', 'json'], call);
    try {
      return JSON.parse(out.stdout) as T;
    } catch {
      throw new KubectlError(`kubectl printed no JSON while trying to ${call.what}.`, 'other', out.stderr);
    }
  }

  /** The object, or undefined when it does not exist. */
  async get(kind: string, name: string, o: { signal?: AbortSignal } = {}): Promise<KObject | undefined> {
    try {
      return await this.json(['get', kind, name], { what: `read ${kind} ${name}`, signal: o.signal });
    } catch (err) {
      if (err instanceof KubectlError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  async list(kind: string, o: { selector?: string; fieldSelector?: string; signal?: AbortSignal } = {}): Promise<KObject[]> {
    const args = ['get', kind, ...(o.selector ? ['-l', o.selector] : []), ...(o.fieldSelector ? ['--field-selector', o.fieldSelector] : [])];
    const list = await this.json<{ items?: KObject[] }>(args, { what: `list ${kind}`, signal: o.signal });
    return list.items ?? [];
  }

  /**
   * `kubectl apply` of objects (client-side, with the last-applied annotation), sent as a stream of JSON
   * documents (not a List): kubectl validates each kind against the server's OpenAPI, which a `List` has none of.
   */
  async apply(objects: KObject[], o: { signal?: AbortSignal; what?: string; dryRun?: boolean } = {}): Promise<KObject[]> {
    const input = objects.map((x) => JSON.stringify(x)).join('\n');
    const out = await this.json<{ items?: KObject[] } & KObject>(['apply', ...(o.dryRun ? ['--dry-run=server'] : []), '-f', '-'], {
      input,
      signal: o.signal,
      what: o.what ?? `apply ${describe(objects)}`,
    });
    return out.kind === 'List' ? (out.items ?? []) : [out];
  }

  /** `kubectl create` of one object; fails when it exists. */
  async create(object: KObject, o: { signal?: AbortSignal } = {}): Promise<KObject> {
    return this.json(['create', '-f', '-'], { input: JSON.stringify(object), signal: o.signal, what: `create ${describe([object])}` });
  }

  /** `kubectl patch`; prints nothing back (no caller reads the object, and a canary step is a patch: its cost counts). */
  async patch(kind: string, name: string, type: 'strategic' | 'merge' | 'json', patch: unknown, o: { signal?: AbortSignal } = {}): Promise<void> {
    await this.run(['patch', kind, name, '--type', type, '-p', JSON.stringify(patch)], { signal: o.signal, what: `patch ${kind} ${name}` });
  }

  /** Deletes; true when something was deleted. Does not wait for the objects to be gone unless asked. */
  async delete(kind: string, name: string, o: { wait?: boolean; signal?: AbortSignal } = {}): Promise<boolean> {
    const out = await this.run(['delete', kind, name, '--ignore-not-found', `--wait=${o.wait ? 'true' : 'false'}`], {
      signal: o.signal,
      what: `delete ${kind} ${name}`,
    });
    return out.stdout.trim() !== '';
  }

  /** `kubectl rollout status` until done; throws with kubectl's reason when it cannot finish. */
  async rolloutStatus(kind: string, name: string, o: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    await this.run(['rollout', 'status', `${kind}/${name}`, `--timeout=${Math.max(1, Math.ceil(o.timeoutMs / 1000))}s`], {
      timeoutMs: o.timeoutMs + 30_000,
      signal: o.signal,
      what: `wait for the rollout of ${kind} ${name}`,
    });
  }

  async rolloutUndo(kind: string, name: string, o: { toRevision?: number; signal?: AbortSignal } = {}): Promise<string> {
    const out = await this.run(['rollout', 'undo', `${kind}/${name}`, ...(o.toRevision !== undefined ? [`--to-revision=${o.toRevision}`] : [])], {
      signal: o.signal,
      what: `undo the rollout of ${kind} ${name}`,
    });
    return out.stdout.trim();
  }

  /** `kubectl kustomize <dir>`: the rendered YAML (no server involved). */
  async kustomize(dir: string, o: { signal?: AbortSignal } = {}): Promise<string> {
    return (await this.run(['kustomize', dir], { what: `render the kustomization in ${dir}`, signal: o.signal })).stdout;
  }

  /** Checks context and server before anything changes: the context exists, the server answers. */
  async preflight(o: { signal?: AbortSignal } = {}): Promise<{ serverVersion: string }> {
    if (this.options.context) {
      const names = (await this.runLocal(['config', 'get-contexts', '-o', 'name'], 'list the kubeconfig contexts')).split('\n').map((s) => s.trim());
      if (!names.includes(this.options.context)) {
        throw kubectlFailureError(classifyKubectlFailure(`error: context "${this.options.context}" does not exist`, 'select the context'), '');
      }
    }
    const version = await this.json<{ serverVersion?: { gitVersion?: string } }>(['version'], {
      what: 'reach the API server',
      signal: o.signal,
      timeoutMs: 30_000,
    });
    return { serverVersion: version.serverVersion?.gitVersion ?? 'unknown' };
  }

  /** A kubectl command that reads only the kubeconfig (no namespace flag, no server). */
  private async runLocal(args: string[], what: string): Promise<string> {
    const o = this.options;
    const global = o.kubeconfig ? ['--kubeconfig', o.kubeconfig] : [];
    try {
      return (await runProgram(this.binary, [...global, ...args], { env: o.env, timeoutMs: 30_000, redact: o.redact })).stdout;
    } catch (err) {
      if (!(err instanceof ExecError) || err.result.exitCode === -1) throw err;
      throw kubectlFailureError(classifyKubectlFailure(err.result.stderr, what), err.result.stderr);
    }
  }
}

function describe(objects: KObject[]): string {
  return objects.map((o) => `${String(o.kind ?? '?').toLowerCase()} ${String(o.metadata?.name ?? '?')}`).join(', ');
}
