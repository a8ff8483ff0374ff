import { describe, expect, it } from 'vitest';
import { socketErrorWords } from '../../../src/util/socket-errors.js';

describe('socketErrorWords', () => {
  it('says what a socket, DNS or TLS code means', () => {
    expect(socketErrorWords('ECONNREFUSED')).toBe('connection refused');
    expect(socketErrorWords('ENOTFOUND')).toBe('host name not found');
    expect(socketErrorWords('CERT_HAS_EXPIRED')).toBe('TLS certificate has expired');
  });
  it('has no words for unknown or missing codes', () => {
    expect(socketErrorWords('EWHATEVER')).toBeUndefined();
    expect(socketErrorWords(undefined)).toBeUndefined();
  });
});
