/**
 * The `kubeconfig` input: file contents (a secret, masked when read) written to a 0600 temp file
 * that the post step removes; or, without it, the job's KUBECONFIG (or ~/.kube/config) as kubectl
 * finds it. The contents are checked before kubectl sees them, without ever echoing them.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigurationError } from '../runtime/errors.js';

/** Pure: the contexts a kubeconfig declares; throws a ConfigurationError naming `input` when it is not one. */
export function kubeconfigContexts(text: string, input = 'kubeconfig'): { contexts: string[]; current?: string } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    // The parser's message quotes the file: a secret must not reach the log.
    throw new ConfigurationError(`${input} is not valid YAML. Give the contents of a kubeconfig file (e.g. from a secret).`, { input });
  }
  const d = doc as { kind?: unknown; clusters?: unknown; contexts?: unknown; 'current-context'?: unknown } | null;
  if (!d || typeof d !== 'object' || !Array.isArray(d.clusters) || !Array.isArray(d.contexts)) {
    throw new ConfigurationError(
      `${input} does not look like a kubeconfig (it needs "clusters" and "contexts" lists). Give the file's contents, not its path.`,
      { input },
    );
  }
  const contexts = d.contexts.map((c) => String((c as { name?: unknown })?.name ?? '')).filter(Boolean);
  const current = typeof d['current-context'] === 'string' && d['current-context'] ? d['current-context'] : undefined;
  return { contexts, current };
}

/** Checks that `context` (or the current context) is one the kubeconfig has. */
export function checkContext(config: { contexts: string[]; current?: string }, context: string | undefined): void {
  const wanted = context ?? config.current;
  if (!wanted) {
    throw new ConfigurationError(`The kubeconfig has no current-context: give the context input (one of: ${config.contexts.join(', ') || 'none'}).`, {
      input: 'context',
    });
  }
  if (!config.contexts.includes(wanted)) {
    throw new ConfigurationError(
      `context: "${wanted}" is not a context of the kubeconfig; it has ${config.contexts.map((c) => `"${c}"`).join(', ') || 'none'}.`,
      {
        input: 'context',
      },
    );
  }
}

/** Writes the contents to a new file readable only by this user; returns its path. */
export async function writeKubeconfigFile(contents: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `deploy-kit-kubeconfig-${randomBytes(6).toString('hex')}`);
  await writeFile(path, contents, { mode: 0o600, flag: 'wx' });
  return path;
}

export async function removeKubeconfigFile(path: string | undefined): Promise<void> {
  if (path && /deploy-kit-kubeconfig-[0-9a-f]+$/.test(path)) await rm(path, { force: true });
}
