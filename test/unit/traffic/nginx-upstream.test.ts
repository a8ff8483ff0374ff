import { describe, expect, it } from 'vitest';
import { parseUpstream, renderUpstream, upstreamServers, validateServerAddress, validateUpstreamName } from '../../../src/traffic/nginx-upstream.js';
import { nginxCommands } from '../../../src/traffic/nginx.js';
import { splitWeights } from '../../../src/traffic/router.js';

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

  it('gives a baseline the canary weight up to 50% and stable the rest; reads the three tracks back', () => {
    expect([10, 25, 50, 75, 100].map((w) => splitWeights(w, true))).toEqual([
      { stable: 80, canary: 10, baseline: 10 },
      { stable: 50, canary: 25, baseline: 25 },
      { stable: 0, canary: 50, baseline: 50 },
      { stable: 0, canary: 75, baseline: 25 },
      { stable: 0, canary: 100, baseline: 0 },
    ]);
    expect(splitWeights(10, false)).toEqual({ stable: 90, canary: 10, baseline: 0 });
    const text = renderUpstream('backend', upstreamServers('127.0.0.1:8081', '127.0.0.1:8082', 10, '127.0.0.1:8083'));
    expect(text).toContain('server 127.0.0.1:8081 weight=80;');
    expect(text).toContain('server 127.0.0.1:8082 weight=10;');
    expect(text).toContain('server 127.0.0.1:8083 weight=10;');
    expect(parseUpstream(text)?.servers.map((s) => [s.track, s.weight])).toEqual([
      ['stable', 80],
      ['canary', 10],
      ['baseline', 10],
    ]);
    const full = renderUpstream('backend', upstreamServers('127.0.0.1:8081', '127.0.0.1:8082', 100, '127.0.0.1:8083'));
    expect(full).toContain('server 127.0.0.1:8083 down;');
    expect(full).toContain('server 127.0.0.1:8081 down;');
    // "Stable only" drops the baseline with the canary.
    expect(parseUpstream(renderUpstream('b', upstreamServers('a:1', undefined, 0, 'c:3')))?.servers.map((s) => s.track)).toEqual(['stable']);
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
