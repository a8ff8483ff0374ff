import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { classifyKubectlFailure, kubectlFailureError, KubectlError } from '../../../src/kubernetes/errors.js';
import { checkContext, kubeconfigContexts } from '../../../src/kubernetes/kubeconfig.js';
import { normaliseKubectlVersion, versionMatches } from '../../../src/kubernetes/install.js';

describe('kubectl failures in one message', () => {
  test('RBAC: which verb on which resource, in which namespace', () => {
    const f = classifyKubectlFailure(
      'Error from server (Forbidden): deployments.apps "web" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch resource "deployments" in API group "apps" in the namespace "prod"',
      'patch deployment web',
    );
    expect(f.kind).toBe('forbidden');
    expect(f.message).toBe(
      'Kubernetes refused to patch deployment web: system:serviceaccount:ci:deployer may not "patch" deployments.apps in namespace prod. Grant "patch" on deployments.apps to it in a Role (see the README\'s Kubernetes RBAC section).',
    );
    expect(kubectlFailureError(f, '')).toBeInstanceOf(ConfigurationError);
    const core = classifyKubectlFailure(
      'configmaps is forbidden: User "u" cannot list resource "configmaps" in API group "" in the namespace "default"',
      'list configmaps',
    );
    expect(core.message).toContain('may not "list" configmaps in namespace default');
  });

  test('unknown context, unreachable server, credentials', () => {
    expect(classifyKubectlFailure('error: context "prod" does not exist', 'x')).toMatchObject({
      kind: 'context',
      message: expect.stringContaining('"prod" is not a context'),
    });
    expect((kubectlFailureError(classifyKubectlFailure('error: context "prod" does not exist', 'x'), '') as ConfigurationError).input).toBe('context');
    const refused = classifyKubectlFailure(
      'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?',
      'read deployment web',
    );
    expect(refused.kind).toBe('unreachable');
    expect(refused.message).toContain('127.0.0.1:1 was refused');
    expect(classifyKubectlFailure('Unable to connect to the server: dial tcp: lookup nowhere.invalid: no such host', 'x').kind).toBe('unreachable');
    expect(classifyKubectlFailure('error: You must be logged in to the server (Unauthorized)', 'x').kind).toBe('unauthorized');
  });

  test('not found and invalid are operation errors the caller can tell apart', () => {
    const nf = kubectlFailureError(classifyKubectlFailure('Error from server (NotFound): deployments.apps "nope" not found', 'read deployment nope'), '');
    expect(nf).toBeInstanceOf(KubectlError);
    expect((nf as KubectlError).kind).toBe('not-found');
    expect(nf.message).toBe('deployments.apps "nope" not found');
    const invalid = classifyKubectlFailure('The Deployment "web" is invalid: spec.replicas: Invalid value: -1', 'apply deployment web');
    expect(invalid.kind).toBe('invalid');
  });
});

describe('kubeconfig input', () => {
  const config =
    'apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://k" } }]\ncontexts: [{ name: ci, context: { cluster: c } }, { name: prod, context: { cluster: c } }]\ncurrent-context: ci\nusers: []\n';

  test('contexts and the current one are read; a missing context is named with the ones there are', () => {
    const c = kubeconfigContexts(config);
    expect(c).toEqual({ contexts: ['ci', 'prod'], current: 'ci' });
    expect(() => checkContext(c, undefined)).not.toThrow();
    expect(() => checkContext(c, 'staging')).toThrow('context: "staging" is not a context of the kubeconfig; it has "ci", "prod".');
  });

  test('not a kubeconfig: the message never quotes the contents', () => {
    const secret = 'token: s3cr3t-value: [unclosed';
    let err: unknown;
    try {
      kubeconfigContexts(secret);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).not.toContain('s3cr3t');
    expect(() => kubeconfigContexts('/home/runner/.kube/config')).toThrow(/not its path/);
  });
});

describe('kubectl-version', () => {
  test('versions are normalised and matched by their given parts', () => {
    expect(normaliseKubectlVersion('v1.31.4')).toBe('1.31.4');
    expect(normaliseKubectlVersion('1.31')).toBe('1.31');
    expect(() => normaliseKubectlVersion('latest')).toThrow(/kubectl-version is "latest"/);
    expect(versionMatches('v1.32.4-dispatcher', '1.32')).toBe(true);
    expect(versionMatches('v1.32.4', '1.32.4')).toBe(true);
    expect(versionMatches('v1.32.4', '1.32.5')).toBe(false);
    expect(versionMatches('v1.3.4', '1.32')).toBe(false);
  });
});
