/**
 * The registries to log in to: the `registry`/`username`/`password` inputs and a `registries`
 * list (each with its own credentials), checked before any login.
 */
import { ConfigurationError } from '../runtime/errors.js';
import { assertKnownKeys } from '../runtime/parse.js';
import { DOCKER_HUB, normaliseRegistry } from './reference.js';

export interface Login {
  registry: string;
  username: string;
  password: string;
}

export const REGISTRY_KEYS = ['registry', 'username', 'password'] as const;

/** The `registries` input's YAML value: a list of `{ registry, username, password }`. */
export function parseRegistries(value: unknown): Login[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    const at = `registries[${i}]`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw new ConfigurationError(`${at} must be a mapping with registry, username and password.`, { input: 'registries' });
    }
    const entry = item as Record<string, unknown>;
    assertKnownKeys(entry, REGISTRY_KEYS, at);
    for (const k of REGISTRY_KEYS) {
      if (typeof entry[k] !== 'string' || (entry[k] as string).trim() === '') {
        throw new ConfigurationError(`${at}.${k} is missing: each registry needs registry, username and password.`, { input: 'registries' });
      }
    }
    return {
      registry: normaliseRegistry(entry.registry as string, `${at}.registry`),
      username: (entry.username as string).trim(),
      password: entry.password as string,
    };
  });
}

/** The logins of this run: one per registry (the same registry twice is a mistake). */
export function mergeLogins(single: Login | undefined, list: Login[]): Login[] {
  const all = single ? [single, ...list] : list;
  const seen = new Set<string>();
  for (const l of all) {
    if (seen.has(l.registry)) {
      throw new ConfigurationError(
        `${l.registry === DOCKER_HUB ? 'Docker Hub' : l.registry} has credentials twice (registry/username/password and registries, or twice in registries): give them once.`,
        { input: 'registries' },
      );
    }
    seen.add(l.registry);
  }
  return all;
}
