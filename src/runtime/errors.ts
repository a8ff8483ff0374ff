/**
 * The user's mistake (an input, a config file, the environment): reported as one clear
 * `::error::` line that names what to fix, exit code 1, and no stack trace.
 * Anything else that escapes an action is a bug and is reported with its stack.
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  /** The input or config field the message is about, e.g. `timeout` or `checks[2].expect.status`. */
  readonly input?: string;
  /** Where in a file the mistake is, for an annotation. */
  readonly file?: string;
  readonly line?: number;

  constructor(message: string, where: { input?: string; file?: string; line?: number } = {}) {
    super(message);
    this.input = where.input;
    this.file = where.file;
    this.line = where.line;
  }
}

/**
 * A failure of the operation itself (a check failed, a migration was rolled back, a canary
 * was aborted): reported as an error without a stack; the action already wrote its summary.
 */
export class OperationFailedError extends Error {
  override name = 'OperationFailedError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
