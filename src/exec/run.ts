/**
 * Runs a program with an argument array — never through a shell, so no user text is ever parsed
 * as a command line — with a deadline, captured output and optional stdin.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, createReadStream, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the program's stdin, which is then closed (e.g. `docker login --password-stdin`). */
  input?: string | Buffer;
  /** A file streamed into the program's stdin (e.g. a dump into `mysql`), instead of `input`. */
  inputFile?: string;
  /** Kill the program (SIGTERM, then SIGKILL 5 s later) after this many ms. Default 10 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each line of stdout/stderr as it comes, e.g. to stream a build log. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Resolve with the result instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
  /** Hides values in the error message (secrets among the arguments or in the output). */
  redact?: (text: string) => string;
  /** Limit of captured bytes per stream; the tail is kept. Default 8 MiB. */
  maxBuffer?: number;
}

export interface RunResult {
  command: string;
  args: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export class ExecError extends Error {
  override name = 'ExecError';
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
  }
}

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export function runProgram(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBuffer = options.maxBuffer ?? 8 * 1024 * 1024;
  const redact = options.redact ?? ((t: string) => t);
  const started = performance.now();
  return new Promise((resolvePromise, rejectPromise) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    const out = { stdout: '', stderr: '' };
    const partial = { stdout: '', stderr: '' };
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      killTimer.unref();
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = (): void => kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out[stream] += text;
      if (out[stream].length > maxBuffer) out[stream] = out[stream].slice(-maxBuffer);
      if (options.onLine) {
        const lines = (partial[stream] + text).split('\n');
        partial[stream] = lines.pop() ?? '';
        for (const line of lines) options.onLine(line.replace(/\r$/, ''), stream);
      }
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    child.stdin.on('error', () => {
      // The program may exit without reading its stdin; its exit code tells what happened.
    });
    if (options.inputFile !== undefined) {
      const file = createReadStream(options.inputFile);
      file.on('error', (err) => {
        child.stdin.destroy();
        kill();
        out.stderr += `\ncannot read ${options.inputFile}: ${err.message}`;
      });
      file.pipe(child.stdin);
    } else if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();

    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      const why = err.code === 'ENOENT' ? `${command} was not found on PATH; install it or add it to PATH` : err.message;
      const result = finish(-1);
      rejectPromise(new ExecError(redact(why), result));
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (options.onLine) {
        for (const s of ['stdout', 'stderr'] as const) if (partial[s]) options.onLine(partial[s], s);
      }
      const result = finish(code ?? (signal ? 128 : -1));
      if (result.exitCode === 0 || options.allowFailure) {
        if (!timedOut && !options.signal?.aborted) return resolvePromise(result);
      }
      const why = timedOut
        ? `timed out after ${Math.round(timeoutMs / 1000)}s`
        : options.signal?.aborted
          ? 'cancelled'
          : signal
            ? `killed by ${signal}`
            : `exited with code ${result.exitCode}`;
      const detail = lastLines(result.stderr || result.stdout, 20);
      rejectPromise(new ExecError(redact(`${command} ${args[0] ?? ''} ${why}${detail ? `:\n${detail}` : ''}`), result));
    });

    function finish(exitCode: number): RunResult {
      return {
        command,
        args: [...args],
        exitCode,
        stdout: out.stdout,
        stderr: out.stderr,
        durationMs: performance.now() - started,
        timedOut,
      };
    }
  });
}

export function lastLines(text: string, n: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}

/** The path of an executable named `command` on PATH, without running it; undefined when there is none. */
export function findOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
