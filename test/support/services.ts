// Where the real test services are: `bash scripts/services.sh up` writes `.services/env`, and integration
// tests read it through loadServices(). Values already in process.env win over the file, so CI (or a
// developer pointing at other servers) can override any of them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SERVICE_VARIABLES = [
  'DK_PG_URL',
  'DK_MYSQL_URL',
  'DK_REGISTRY',
  'DK_REGISTRY_AUTH',
  'DK_REGISTRY_USER',
  'DK_REGISTRY_PASSWORD',
  'DK_BASE_BUSYBOX',
  'DK_BASE_NODE',
  'DK_COMPOSE',
] as const;

export type ServiceVariable = (typeof SERVICE_VARIABLES)[number];
export type ServicesEnv = Readonly<Record<ServiceVariable, string>>;

/** `<repo>/.services/env`, found from this file's place in the repository (test/support/). */
export const SERVICES_ENV_FILE = fileURLToPath(new URL('../../.services/env', import.meta.url));

/** Parses the `KEY=value` lines services.sh writes (blank lines, `#` comments, `export ` and quotes allowed). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!;
    let value = m[2]!;
    if (value.length >= 2 && (value[0] === "'" || value[0] === '"') && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    out[key] = value;
  }
  return out;
}

function readEnvFile(path: string): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/**
 * The test services' addresses and credentials: `.services/env` merged under process.env.
 * Throws, naming what is missing, when `scripts/services.sh up` has not been run.
 */
export function loadServices(): ServicesEnv {
  const fromFile = readEnvFile(SERVICES_ENV_FILE);
  const result: Partial<Record<ServiceVariable, string>> = {};
  const missing: ServiceVariable[] = [];
  for (const name of SERVICE_VARIABLES) {
    const value = process.env[name] || fromFile[name];
    if (value) result[name] = value;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new Error(
      `test services are not set up (missing ${missing.join(', ')} in ${SERVICES_ENV_FILE} and the environment): ` + 'run `bash scripts/services.sh up` first',
    );
  }
  return Object.freeze(result as Record<ServiceVariable, string>);
}

/** DK_COMPOSE as a program and its leading arguments: `docker compose` → ['docker', ['compose']]. */
export function composeCommand(env: ServicesEnv = loadServices()): { program: string; args: string[] } {
  const [program, ...args] = env.DK_COMPOSE.split(/\s+/).filter(Boolean);
  if (!program) throw new Error('DK_COMPOSE is empty: run `bash scripts/services.sh up` first');
  return { program, args };
}
