import { describe, expect, it } from 'vitest';
import { registryBaseUrl, registryErrorText, sha256Digest } from '../../../src/registry/distribution.js';

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
