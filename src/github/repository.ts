/** Which repository the GitHub features talk to: `owner/name` from GITHUB_REPOSITORY. */
import { ConfigurationError } from '../runtime/errors.js';

export interface RepositoryRef {
  owner: string;
  repo: string;
}

export function parseRepository(text: string, source = 'GITHUB_REPOSITORY'): RepositoryRef {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(text.trim());
  if (!m) {
    throw new ConfigurationError(
      `${source} is "${text}": the GitHub features need the repository as owner/name (set on every runner; outside GitHub set GITHUB_REPOSITORY).`,
      { input: source },
    );
  }
  return { owner: m[1]!, repo: m[2]! };
}
