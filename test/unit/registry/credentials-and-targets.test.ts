// Logins from a Docker config, the registries list, promote targets and the repository owner: pure parts.
import { describe, expect, it } from 'vitest';
import { credentialServer, credentialSource, normaliseConfigKey, parseHelperAnswer } from '../../../src/registry/docker-credentials.js';
import { mergeLogins, parseRegistries } from '../../../src/registry/logins.js';
import { decidePush, isForkPullRequest } from '../../../src/registry/push-policy.js';
import { lowerCaseOwner, parsePromoteTarget } from '../../../src/registry/reference.js';
import { dockerStyleOutputs } from '../../../src/registry/report.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Docker config logins', () => {
  it('auths: by host, with or without scheme and path; Docker Hub under its old address', () => {
    const config = {
      auths: {
        'https://ghcr.io/v2/': { auth: b64('me:ghp_token') },
        'https://index.docker.io/v1/': { auth: b64('hubuser:hub:pw:with:colons') },
        '127.0.0.1:5001': { username: 'u', password: 'p' },
      },
    };
    expect(credentialSource(config, 'ghcr.io')).toEqual({ kind: 'auth', credentials: { username: 'me', password: 'ghp_token' } });
    expect(credentialSource(config, 'docker.io')).toEqual({ kind: 'auth', credentials: { username: 'hubuser', password: 'hub:pw:with:colons' } });
    expect(credentialSource(config, '127.0.0.1:5001')).toEqual({ kind: 'auth', credentials: { username: 'u', password: 'p' } });
    expect(credentialSource(config, 'quay.io')).toBeUndefined();
  });

  it('credHelpers win over auths, credsStore is the fallback, as the docker CLI does', () => {
    const config = { credHelpers: { 'gcr.io': 'gcloud' }, auths: { 'gcr.io': { auth: b64('a:b') }, 'ghcr.io': { auth: b64('c:d') } }, credsStore: 'desktop' };
    expect(credentialSource(config, 'gcr.io')).toEqual({ kind: 'helper', helper: 'gcloud' });
    expect(credentialSource(config, 'ghcr.io')).toEqual({ kind: 'auth', credentials: { username: 'c', password: 'd' } });
    expect(credentialSource(config, 'quay.io')).toEqual({ kind: 'helper', helper: 'desktop' });
  });

  it('a helper name that is not a plain word is never run', () => {
    expect(credentialSource({ credsStore: '../../bin/sh' }, 'ghcr.io')).toBeUndefined();
    expect(credentialSource({ credHelpers: { 'ghcr.io': 'x; rm -rf /' } }, 'ghcr.io')).toBeUndefined();
  });

  it('reads a helper answer; identity tokens and empty secrets are not logins', () => {
    expect(parseHelperAnswer('{"ServerURL":"ghcr.io","Username":"me","Secret":"s"}')).toEqual({ username: 'me', password: 's' });
    expect(parseHelperAnswer('{"Username":"<token>","Secret":"refresh"}')).toBeUndefined();
    expect(parseHelperAnswer('{"Username":"me","Secret":""}')).toBeUndefined();
    expect(parseHelperAnswer('credentials not found in native keychain')).toBeUndefined();
  });

  it('server addresses as helpers store them', () => {
    expect(credentialServer('docker.io')).toBe('https://index.docker.io/v1/');
    expect(credentialServer('ghcr.io')).toBe('ghcr.io');
    expect(normaliseConfigKey('HTTPS://Registry-1.Docker.io/v2/')).toBe('docker.io');
  });
});

describe('registries list', () => {
  it('parses each entry and refuses duplicates and missing fields', () => {
    const list = parseRegistries([
      { registry: 'https://ghcr.io', username: 'me', password: 'p1' },
      { registry: '127.0.0.1:5001', username: 'u', password: 'p2' },
    ]);
    expect(list.map((l) => l.registry)).toEqual(['ghcr.io', '127.0.0.1:5001']);
    expect(() => parseRegistries([{ registry: 'ghcr.io', username: 'me' }])).toThrow('registries[0].password is missing');
    expect(() => parseRegistries(['ghcr.io'])).toThrow('registries[0] must be a mapping');
    expect(() => parseRegistries([{ registry: 'ghcr.io/org', username: 'a', password: 'b' }])).toThrow(/registries\[0\].registry is "ghcr.io\/org"/);
    expect(() => mergeLogins({ registry: 'ghcr.io', username: 'a', password: 'b' }, list)).toThrow(/ghcr.io has credentials twice/);
  });
});

describe('promote targets and owners', () => {
  it('a tag, or a full reference that ends in its tag', () => {
    expect(parsePromoteTarget('production', 'ghcr.io')).toEqual({ tag: 'production' });
    expect(parsePromoteTarget('registry.example.com:5000/prod/app:1.2.3', 'ghcr.io')).toEqual({
      image: { registry: 'registry.example.com:5000', repository: 'prod/app', name: 'registry.example.com:5000/prod/app' },
      tag: '1.2.3',
    });
    expect(parsePromoteTarget('org/released:stable', 'ghcr.io').image?.name).toBe('ghcr.io/org/released');
    expect(() => parsePromoteTarget('prod/eu', 'ghcr.io')).toThrow('promote-to: "prod/eu" is not a valid tag');
    expect(() => parsePromoteTarget('ghcr.io/org/app@sha256:abc', undefined)).toThrow(/has a digest/);
    expect(() => parsePromoteTarget('ghcr.io/org/app:bad tag', undefined)).toThrow(/"bad tag" is not a valid tag/);
  });

  it('lower-cases exactly the owner component', () => {
    expect(lowerCaseOwner('ghcr.io/MyOrg/app', 'MyOrg')).toEqual({ name: 'ghcr.io/myorg/app', changed: true });
    expect(lowerCaseOwner('MyOrg/app', 'MyOrg')).toEqual({ name: 'myorg/app', changed: true });
    expect(lowerCaseOwner('ghcr.io/MyOrgX/app', 'MyOrg')).toEqual({ name: 'ghcr.io/MyOrgX/app', changed: false });
    expect(lowerCaseOwner('ghcr.io/org/app', 'org')).toEqual({ name: 'ghcr.io/org/app', changed: false });
  });

  it('push policy and the fork check', () => {
    expect(decidePush(undefined, 'merge_group', false).push).toBe(false);
    expect(decidePush(undefined, '', false).push).toBe(true);
    expect(decidePush(undefined, 'schedule', false).push).toBe(true);
    expect(isForkPullRequest({ pull_request: { head: { repo: { full_name: 'a/x' } }, base: { repo: { full_name: 'a/x' } } } })).toBe(false);
    expect(isForkPullRequest({ pull_request: { head: { repo: null }, base: { repo: { full_name: 'a/x' } } } })).toBe(true);
    expect(isForkPullRequest({ ref: 'refs/heads/main' })).toBe(false);
  });

  it('docker-style tags and labels outputs cover every image', () => {
    expect(
      dockerStyleOutputs([
        { refs: ['r/a:1', 'r/a:sha-1'], labels: { x: '1' } },
        { refs: ['r/b:1'], labels: { x: '1', y: '2' } },
      ]),
    ).toEqual({ tags: 'r/a:1\nr/a:sha-1\nr/b:1', labels: 'x=1\ny=2' });
  });
});
