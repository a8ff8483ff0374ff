/**
 * `${{ env.NAME }}` in a checks file, replaced from the process environment. Every value put in is
 * returned so the caller masks it before anything is logged: tokens in headers are the usual case.
 */
import { ConfigurationError } from '../runtime/errors.js';

const EXPRESSION = /\$\{\{\s*([^}]*?)\s*\}\}/g;
const ENV_REF = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/;

export interface Substitution {
  text: string;
  /** The values that were put in. */
  values: string[];
}

/** `where` names the field for errors, e.g. `checks[0] ("api") headers.Authorization`. */
export function substituteEnv(text: string, env: Record<string, string | undefined>, where: string): Substitution {
  const values: string[] = [];
  const out = text.replace(EXPRESSION, (_all, expr: string) => {
    const m = ENV_REF.exec(expr);
    if (!m) {
      throw new ConfigurationError(
        `${where} uses \${{ ${expr} }}: only \${{ env.NAME }} is replaced in a checks file. Map other values (secrets, inputs) to an environment variable under the step's env: and use \${{ env.NAME }}.`,
        { input: where },
      );
    }
    const name = m[1]!;
    const value = env[name];
    if (value === undefined || value === '') {
      throw new ConfigurationError(
        `${where} uses \${{ env.${name} }}, but ${name} is ${value === undefined ? 'not set' : 'empty'}. Set it under the step's env: (e.g. ${name}: \${{ secrets.${name} }}).`,
        { input: where },
      );
    }
    values.push(value);
    return value;
  });
  return { text: out, values };
}
