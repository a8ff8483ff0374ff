/**
 * Pure: kubectl's stderr turned into one message a user can act on — which verb on which resource
 * RBAC refused, which context is missing, which server cannot be reached — instead of kubectl's
 * last lines. Configuration problems (kubeconfig, context, permissions) are ConfigurationErrors.
 */
import { ConfigurationError, OperationFailedError } from '../runtime/errors.js';

export type KubectlFailureKind = 'forbidden' | 'unauthorized' | 'context' | 'unreachable' | 'not-found' | 'invalid' | 'conflict' | 'timeout' | 'other';

export interface KubectlFailure {
  kind: KubectlFailureKind;
  message: string;
}

/** An error from kubectl that is not the user's configuration (not found, invalid, a failed rollout). */
export class KubectlError extends OperationFailedError {
  override name = 'KubectlError';
  constructor(
    message: string,
    readonly kind: KubectlFailureKind,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export function classifyKubectlFailure(stderr: string, what: string): KubectlFailure {
  const text = stderr.trim();
  let m: RegExpExecArray | null;
  if (
    (m = /forbidden: User "([^"]*)" cannot (\w+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)"| at the cluster scope)?/.exec(text))
  ) {
    const [, user, verb, resource, group, ns] = m;
    const res = group ? `${resource}.${group}` : resource;
    return {
      kind: 'forbidden',
      message: `Kubernetes refused to ${what}: ${user} may not "${verb}" ${res}${ns ? ` in namespace ${ns}` : ' at cluster scope'}. Grant "${verb}" on ${res} to it in a Role (see the README's Kubernetes RBAC section).`,
    };
  }
  if ((m = /context "([^"]+)" does not exist|context was not found for specified context: (\S+)/.exec(text))) {
    const name = m[1] ?? m[2];
    return { kind: 'context', message: `context: "${name}" is not a context of the kubeconfig. Give one of its contexts (kubectl config get-contexts).` };
  }
  if (/error: You must be logged in to the server|Unauthorized|provide credentials/.test(text)) {
    return {
      kind: 'unauthorized',
      message: `Kubernetes did not accept the kubeconfig's credentials while trying to ${what}: renew the token or check the user in the kubeconfig.`,
    };
  }
  if (
    (m =
      /Unable to connect to the server: (.*)|The connection to the server (\S+) was refused|dial tcp ([^:]+:\d+): (?:connect: )?(.*)|no such host|i\/o timeout|connection refused/.exec(
        text,
      ))
  ) {
    const detail = text.split('\n').find((l) => /connect|refused|no such host|timeout/i.test(l)) ?? text;
    return {
      kind: 'unreachable',
      message: `The Kubernetes API server cannot be reached (${detail.replace(/^error:\s*/i, '').trim()}). Check the server address in the kubeconfig and that this runner can reach it.`,
    };
  }
  if (/\(NotFound\)|not found/.test(text)) return { kind: 'not-found', message: firstError(text) };
  if (/\(Invalid\)|is invalid/.test(text)) return { kind: 'invalid', message: `Kubernetes rejected the object while trying to ${what}: ${firstError(text)}` };
  if (/\(Conflict\)|the object has been modified/.test(text)) return { kind: 'conflict', message: firstError(text) };
  if (/timed out waiting|context deadline exceeded/.test(text)) return { kind: 'timeout', message: `${what}: ${firstError(text)}` };
  return { kind: 'other', message: `kubectl failed to ${what}: ${firstError(text) || 'no output'}` };
}

function firstError(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() && !/^(W|I)\d{4} /.test(l));
  return lines
    .slice(0, 5)
    .join(' ')
    .replace(/^error:\s*/i, '')
    .replace(/^Error from server \(\w+\):\s*/, '')
    .trim();
}

/** The failure as the error to throw: configuration problems name their input. */
export function kubectlFailureError(f: KubectlFailure, stderr: string): Error {
  switch (f.kind) {
    case 'forbidden':
    case 'unauthorized':
    case 'unreachable':
      return new ConfigurationError(f.message, { input: 'kubeconfig' });
    case 'context':
      return new ConfigurationError(f.message, { input: 'context' });
    default:
      return new KubectlError(f.message, f.kind, stderr);
  }
}
