/** Pure: turns `--base-url http://x --dry-run --checks=a.yml` into input values, checked against action.yml. */
import { ConfigurationError } from '../runtime/errors.js';
import { closest } from '../runtime/parse.js';

export interface InputSpec {
  description?: string;
  default?: string | number | boolean;
  required?: boolean;
}

export interface ParsedArgs {
  inputs: Record<string, string>;
  /** CLI-only switches. */
  help: boolean;
  verbose: boolean;
  /** Skip the post step. */
  noPost: boolean;
}

export function parseActionArgs(argv: readonly string[], specs: Record<string, InputSpec>, action: string): ParsedArgs {
  const out: ParsedArgs = { inputs: {}, help: false, verbose: false, noPost: false };
  const names = Object.keys(specs);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (arg === '--verbose') {
      out.verbose = true;
      continue;
    }
    if (arg === '--no-post') {
      out.noPost = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new ConfigurationError(`unexpected argument "${arg}": inputs are given as --<input> <value>. Run deploy-kit ${action} --help.`);
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!names.includes(name)) {
      const near = closest(name, names);
      throw new ConfigurationError(`${action} has no input "${name}".${near ? ` Did you mean --${near}?` : ''} Run deploy-kit ${action} --help for the list.`, {
        input: name,
      });
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i]!;
    else if (isBooleanInput(specs[name]!)) value = 'true';
    else throw new ConfigurationError(`--${name} needs a value: --${name} <value>.`, { input: name });
    out.inputs[name] = value;
  }
  return out;
}

function isBooleanInput(spec: InputSpec): boolean {
  return typeof spec.default === 'boolean' || spec.default === 'true' || spec.default === 'false';
}

/** The environment the runner would give the action: INPUT_<NAME> for every input, defaults included. */
export function inputEnvironment(specs: Record<string, InputSpec>, given: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const key = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
    // INPUT_* already in the environment counts as given (so cron jobs can use env instead of flags).
    const value = given[name] ?? env[key] ?? (spec.default !== undefined ? String(spec.default) : undefined);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function helpText(action: string, description: string, specs: Record<string, InputSpec>): string {
  const lines = [`deploy-kit ${action} — ${description.trim()}`, '', 'Inputs:'];
  for (const [name, spec] of Object.entries(specs)) {
    const def = spec.default !== undefined && spec.default !== '' ? ` (default: ${String(spec.default)})` : '';
    const req = spec.required ? ' (required)' : '';
    lines.push(`  --${name}${req}${def}`, `      ${(spec.description ?? '').trim().replace(/\s*\n\s*/g, ' ')}`);
  }
  lines.push('', 'Also: --verbose (debug lines), --no-post (skip the cleanup step), --help.');
  lines.push('Inputs can also come from INPUT_<NAME> environment variables, as on a runner.');
  return lines.join('\n');
}
