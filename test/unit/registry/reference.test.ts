import { describe, expect, it } from 'vitest';
import { assertValidTag, isValidTag, normaliseRegistry, parseImageName, parseImageReference, sanitiseTag } from '../../../src/registry/reference.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';

describe('parseImageName', () => {
  it('splits host and repository; puts a bare name under the registry input', () => {
    expect(parseImageName('ghcr.io/org/backend', 'image')).toEqual({ registry: 'ghcr.io', repository: 'org/backend', name: 'ghcr.io/org/backend' });
    expect(parseImageName('org/backend', 'image', '127.0.0.1:5000')).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'org/backend',
      name: '127.0.0.1:5000/org/backend',
    });
    expect(parseImageName('localhost:5000/app', 'image')).toMatchObject({ registry: 'localhost:5000', repository: 'app' });
  });

  it('Docker Hub: docker.io, and library/ for a one-part name', () => {
    expect(parseImageName('nginx', 'image')).toEqual({ registry: 'docker.io', repository: 'library/nginx', name: 'nginx' });
    expect(parseImageName('org/app', 'image')).toEqual({ registry: 'docker.io', repository: 'org/app', name: 'org/app' });
  });

  it('upper-case repository names: says they must be lower-case and shows the fixed name', () => {
    expect(() => parseImageName('ghcr.io/MyOrg/Backend', 'images[0].image')).toThrow(
      'images[0].image is "ghcr.io/MyOrg/Backend": repository names must be lower-case. Use "ghcr.io/myorg/backend".',
    );
    expect(() => parseImageName('Backend', 'image')).toThrow(/Use "backend"/);
  });

  it('rejects tags, digests and bad components', () => {
    expect(() => parseImageName('ghcr.io/org/app:1.0', 'image')).toThrow(/without a tag or digest/);
    expect(() => parseImageName('org/app@sha256:abc', 'image')).toThrow(/without a tag or digest/);
    expect(() => parseImageName('org/my app', 'image')).toThrow(/"my app" is not a valid repository path component.*"my-app"/);
    expect(() => parseImageName('org/-app', 'image')).toThrow(/not a valid repository path component/);
    expect(() => parseImageName('', 'image')).toThrow(/image is empty/);
  });
});

describe('tags', () => {
  it('validates and sanitises', () => {
    expect(isValidTag('1.2.3')).toBe(true);
    expect(isValidTag('sha-abc1234')).toBe(true);
    expect(isValidTag('_x')).toBe(true);
    expect(isValidTag('-x')).toBe(false);
    expect(isValidTag('a/b')).toBe(false);
    expect(isValidTag('a'.repeat(129))).toBe(false);
    expect(sanitiseTag('feature/ABC--x')).toBe('feature-ABC-x');
    expect(() => assertValidTag('prod/eu', 'promote-to')).toThrow(
      'promote-to: "prod/eu" is not a valid tag. Tags use letters, digits, "_", "." and "-", start with a letter, digit or "_", and have at most 128 characters — e.g. "prod-eu".',
    );
  });
});

describe('normaliseRegistry', () => {
  it('accepts hosts, strips a scheme, maps Docker Hub aliases, rejects paths', () => {
    expect(normaliseRegistry('https://ghcr.io/', 'registry')).toBe('ghcr.io');
    expect(normaliseRegistry('index.docker.io', 'registry')).toBe('docker.io');
    expect(normaliseRegistry('127.0.0.1:5000', 'registry')).toBe('127.0.0.1:5000');
    expect(() => normaliseRegistry('ghcr.io/org', 'registry')).toThrow(/registry is "ghcr.io\/org": give a registry host/);
  });
});

describe('parseImageReference (a full name[:tag][@digest] as docker takes it)', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  it('accepts names, tags and digests', () => {
    for (const ok of [
      'app',
      'ghcr.io/org/app:1.4.0',
      '127.0.0.1:5000/org/app',
      '127.0.0.1:5000/org/app:2',
      `ghcr.io/org/app@${digest}`,
      `ghcr.io/org/app:1@${digest}`,
    ]) {
      expect(parseImageReference(ok, 'image')).toBe(ok);
    }
  });
  it('refuses upper case, shell characters, spaces, bad tags and digests, and ports out of range, naming the input', () => {
    for (const [bad, message] of [
      ['127.0.0.1:5000/DK/App:2', /lower-case/],
      ['127.0.0.1:5000/app:2;reboot', /not a valid tag/],
      ['127.0.0.1:5000/app: 2', /image is/],
      ['127.0.0.1:5000/app@sha256:xyz', /not a digest/],
      ['127.0.0.1:99999/app:1', /port from 1 to 65535/],
      ['$(touch x)/app', /image is/],
      ['--output=x', /image is/],
    ] as const) {
      expect(() => parseImageReference(bad, 'image'), bad).toThrow(ConfigurationError);
      expect(() => parseImageReference(bad, 'image'), bad).toThrow(message);
    }
  });
});
