/**
 * The logging interface the core library writes to. Actions pass the runner-backed one from
 * `action.ts`; tests and the library's own callers can pass `memoryLogger()` or `nullLogger`.
 */
export interface Annotation {
  title?: string;
  file?: string;
  startLine?: number;
}

export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  notice(message: string, annotation?: Annotation): void;
  warning(message: string, annotation?: Annotation): void;
  error(message: string, annotation?: Annotation): void;
  /** Runs fn inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export const nullLogger: Logger = {
  info() {},
  debug() {},
  notice() {},
  warning() {},
  error() {},
  group: (_name, fn) => fn(),
};

export interface MemoryLogger extends Logger {
  lines: string[];
}

/** Keeps every line as `level: message`, for tests. */
export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(`info: ${m}`),
    debug: (m) => void lines.push(`debug: ${m}`),
    notice: (m) => void lines.push(`notice: ${m}`),
    warning: (m) => void lines.push(`warning: ${m}`),
    error: (m) => void lines.push(`error: ${m}`),
    async group(name, fn) {
      lines.push(`group: ${name}`);
      return fn();
    },
  };
}
