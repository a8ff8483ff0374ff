import { describe, expect, it } from 'vitest';
import { parseAuthChallenge } from '../../../src/registry/auth-challenge.js';

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
