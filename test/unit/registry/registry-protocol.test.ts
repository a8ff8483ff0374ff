import { describe, expect, it } from 'vitest';
import { classifyPushFailure } from '../../../src/registry/push-errors.js';
import { parseBuildxMetadata, parsePushDigest } from '../../../src/registry/docker.js';
import { parseAuthChallenge } from '../../../src/registry/auth-challenge.js';
import { registryBaseUrl, registryErrorText, sha256Digest } from '../../../src/registry/distribution.js';

describe('classifyPushFailure (docker push stderr as the CLI prints it)', () => {
  it.each([
    // Captured from docker 28 CLI + engine 20.10 pushing through the fault proxy (429 blob POST, 503/401/502 manifest PUT).
    ['toomanyrequests: slow down\n', 'transient'],
    ['received unexpected HTTP status: 503 Service Unavailable\n', 'transient'],
    ['unauthorized\n', 'auth'],
    ['received unexpected HTTP status: 502 Bad Gateway\n', 'transient'],
    // Seen elsewhere (registry and network errors the CLI reports).
    ['received unexpected HTTP status: 503 Service Unavailable', 'transient'],
    ['toomanyrequests: slow down', 'transient'],
    ['Head "https://ghcr.io/v2/org/app/blobs/sha256:x": read tcp 10.0.0.1:443: read: connection reset by peer', 'transient'],
    ['net/http: TLS handshake timeout', 'transient'],
    ['dial tcp 1.2.3.4:443: i/o timeout', 'transient'],
    ['received unexpected HTTP status: 502 Bad Gateway', 'transient'],
    ['unauthorized: authentication required', 'auth'],
    ['denied: requested access to the resource is denied', 'auth'],
    ['no basic auth credentials', 'auth'],
    ['name unknown: repository name not known to registry', 'name'],
    ['invalid reference format: repository name must be lowercase', 'name'],
    ['An image does not exist locally with the tag: x', 'name'],
    ['something odd happened', 'other'],
  ])('%s → %s', (text, kind) => {
    expect(classifyPushFailure(text)).toBe(kind);
  });
});

describe('parsePushDigest', () => {
  it('reads the digest line docker push prints last', () => {
    const out =
      'The push refers to repository [127.0.0.1:5000/x]\n8b9c: Pushed\nt1: digest: sha256:93c546264dd4f580bd16c9e800209f440d63647d38c6d0ac82e81d81bc2b23c9 size: 735\n';
    expect(parsePushDigest(out)).toEqual({ digest: 'sha256:93c546264dd4f580bd16c9e800209f440d63647d38c6d0ac82e81d81bc2b23c9', size: 735 });
    expect(parsePushDigest('no digest here')).toBeUndefined();
  });
  it('reads the digest buildx writes to its metadata file', () => {
    const d = 'sha256:' + 'a'.repeat(64);
    expect(parseBuildxMetadata(JSON.stringify({ 'buildx.build.ref': 'x/y/z', 'containerimage.digest': d, 'image.name': 'ghcr.io/o/a:1' }))).toBe(d);
    expect(parseBuildxMetadata('{}')).toBeUndefined();
    expect(parseBuildxMetadata('not json')).toBeUndefined();
  });
});

describe('parseAuthChallenge', () => {
  it('Bearer with quoted parameters (commas inside quotes)', () => {
    expect(parseAuthChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:org/app:pull,push' },
    });
  });
  it('Basic, unquoted values, nothing', () => {
    expect(parseAuthChallenge('Basic realm="deploy-kit"')).toEqual({ scheme: 'basic', params: { realm: 'deploy-kit' } });
    expect(parseAuthChallenge('Bearer realm=https://x/token, service=x')).toEqual({ scheme: 'bearer', params: { realm: 'https://x/token', service: 'x' } });
    expect(parseAuthChallenge(null)).toBeUndefined();
  });
});

describe('registry API helpers', () => {
  it('plain HTTP only for loopback registries; Docker Hub at registry-1', () => {
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('127.example.com')).toBe('https://127.example.com');
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
  });
  it('error bodies: the distribution errors list, else the start of the text', () => {
    expect(registryErrorText('{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"}]}')).toBe('MANIFEST_INVALID: manifest invalid');
    expect(registryErrorText('  upstream down  ')).toBe('upstream down');
    expect(sha256Digest(Buffer.from(''))).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
