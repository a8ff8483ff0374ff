import { describe, expect, it } from 'vitest';
import { parseUpstream, renderUpstream, upstreamServers, validateServerAddress, validateUpstreamName } from '../../../src/traffic/nginx-upstream.js';
import { nginxCommands } from '../../../src/traffic/nginx.js';

describe('nginx upstream file', () => {
  it('writes weight= per server and `down` for 0 (nginx rejects weight=0), and reads it back', () => {
    const text = renderUpstream('backend', upstreamServers('127.0.0.1:8081', '127.0.0.1:8082', 25));
    expect(text).toContain('upstream backend {');
    expect(text).toContain('server 127.0.0.1:8081 weight=75;');
    expect(text).toContain('server 127.0.0.1:8082 weight=25;');
    expect(parseUpstream(text)).toEqual({
      name: 'backend',
      servers: [
        { address: '127.0.0.1:8081', track: 'stable', weight: 75 },
        { address: '127.0.0.1:8082', track: 'canary', weight: 25 },
      ],
    });
    const all = renderUpstream('backend', upstreamServers('127.0.0.1:8081', 'app-canary:8080', 100));
    expect(all).toContain('server 127.0.0.1:8081 down;');
    expect(all).not.toMatch(/weight=0;/);
    const stableOnly = renderUpstream('backend', upstreamServers('127.0.0.1:8081', undefined, 0));
    expect(parseUpstream(stableOnly)?.servers).toEqual([{ address: '127.0.0.1:8081', track: 'stable', weight: 100 }]);
  });

  it('does not read back a file whose served weight differs from its marker', () => {
    const text = renderUpstream('b', upstreamServers('a:1', 'c:2', 10)).replace('weight=10;', 'weight=50;');
    expect(parseUpstream(text)).toBeUndefined();
    expect(parseUpstream('nothing here')).toBeUndefined();
  });

  it('refuses a canary weight without its address and weights outside 0..100', () => {
    expect(() => upstreamServers('a:1', undefined, 10)).toThrow(/needs the canary address/);
    expect(() => upstreamServers('a:1', 'b:2', 101)).toThrow(/not 0..100/);
  });

  it('accepts only addresses and names nothing can be smuggled through', () => {
    expect(() => validateServerAddress('127.0.0.1:8080', 'stable-address')).not.toThrow();
    expect(() => validateServerAddress('backend:8080', 'stable-address')).not.toThrow();
    expect(() => validateServerAddress('127.0.0.1:80; include /etc/passwd', 'stable-address')).toThrow(/stable-address is/);
    expect(() => validateServerAddress('127.0.0.1', 'canary-address')).toThrow(/host:port/);
    expect(() => validateUpstreamName('back end', 'nginx-upstream')).toThrow(/nginx-upstream is "back end"/);
  });

  it('builds the test and reload command lines', () => {
    expect(nginxCommands({ kind: 'nginx', config: '/c.conf', prefix: '/p' })).toEqual({
      test: ['nginx', '-t', '-q', '-p', '/p', '-c', '/c.conf'],
      reload: ['nginx', '-p', '/p', '-c', '/c.conf', '-s', 'reload'],
    });
    expect(nginxCommands({ kind: 'command', argv: ['docker', 'exec', 'proxy', 'nginx', '-s', 'reload'] })).toEqual({
      reload: ['docker', 'exec', 'proxy', 'nginx', '-s', 'reload'],
    });
  });
});
