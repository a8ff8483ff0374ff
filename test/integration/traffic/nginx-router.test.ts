import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderUpstream, upstreamServers } from '../../../src/traffic/nginx-upstream.js';
import { NginxRouter } from '../../../src/traffic/nginx.js';
import { NGINX_BIN, startNginx, type TestNginx } from '../../support/nginx.js';

function versionServer(version: string): Promise<{ server: Server; address: string }> {
  return new Promise((resolve) => {
    const server = createServer((_req, res) => res.end(version));
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, address: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` });
    });
  });
}

describe('nginx router against a real nginx', () => {
  let nginx: TestNginx;
  let stable: Awaited<ReturnType<typeof versionServer>>;
  let canary: Awaited<ReturnType<typeof versionServer>>;
  let router: NginxRouter;
  // The canary as the router sees a target's handle.
  const routedCanary = () => ({ service: 'app', canaryName: 'app-canary', address: canary.address });

  beforeAll(async () => {
    stable = await versionServer('stable');
    canary = await versionServer('canary');
    nginx = await startNginx({ initialUpstream: (name) => renderUpstream(name, upstreamServers(stable.address, undefined, 0)) });
    router = new NginxRouter({ upstreamFile: nginx.upstreamFile, upstreamName: nginx.upstreamName, stableAddress: stable.address, reload: nginx.reload });
  });
  afterAll(async () => {
    await nginx?.stop();
    stable?.server.close();
    canary?.server.close();
  });

  it('serves the weights it writes: 25% → about a quarter of 200 requests on the canary', async () => {
    await router.validate();
    await router.setWeight(25, routedCanary());
    expect(await router.current()).toEqual({ canaryWeight: 25 });
    const counts = await nginx.sample(200);
    expect((counts.canary ?? 0) + (counts.stable ?? 0)).toBe(200);
    expect(counts.canary).toBeGreaterThanOrEqual(30);
    expect(counts.canary).toBeLessThanOrEqual(70);
  });

  it('0% sends nothing to the canary and 100% sends everything (the stable marked down, never weight=0)', async () => {
    await router.setWeight(100, routedCanary());
    expect(await nginx.sample(20)).toEqual({ canary: 20 });
    expect(await readFile(nginx.upstreamFile, 'utf8')).toContain(`server ${stable.address} down;`);
    await router.setWeight(0, routedCanary());
    expect(await nginx.sample(20)).toEqual({ stable: 20 });
    await router.setWeight(0, undefined);
    expect(await nginx.sample(10)).toEqual({ stable: 10 });
  });

  it('reloads through a command argv (as one run in a proxy container would)', async () => {
    const viaCommand = new NginxRouter({
      upstreamFile: nginx.upstreamFile,
      upstreamName: nginx.upstreamName,
      stableAddress: stable.address,
      reload: { kind: 'command', argv: [NGINX_BIN, '-p', nginx.prefix, '-c', nginx.config, '-s', 'reload'] },
    });
    await viaCommand.setWeight(50, routedCanary());
    const counts = await nginx.sample(40);
    expect(counts).toEqual({ canary: 20, stable: 20 });
    await viaCommand.setWeight(0, undefined);
  });

  it('fails when the reload fails, and puts the previous file back so file and nginx agree', async () => {
    const before = await readFile(nginx.upstreamFile, 'utf8');
    const broken = new NginxRouter({
      upstreamFile: nginx.upstreamFile,
      upstreamName: nginx.upstreamName,
      stableAddress: stable.address,
      reload: { kind: 'command', argv: [NGINX_BIN, '-p', nginx.prefix, '-c', `${nginx.prefix}/missing.conf`, '-s', 'reload'] },
    });
    await expect(broken.setWeight(50, routedCanary())).rejects.toThrow(/nginx reload failed \(.*missing\.conf.*\): .*missing\.conf/s);
    expect(await readFile(nginx.upstreamFile, 'utf8')).toBe(before);
    expect(await nginx.sample(10)).toEqual({ stable: 10 });
  });

  it('refuses a directory that does not exist and an unknown reload program before writing anything', async () => {
    const r = new NginxRouter({ upstreamFile: '/nonexistent-dir/x.conf', upstreamName: 'app', stableAddress: stable.address, reload: nginx.reload });
    await expect(r.validate()).rejects.toThrow(/nginx-upstream-file: the directory \/nonexistent-dir does not exist/);
    const r2 = new NginxRouter({
      upstreamFile: nginx.upstreamFile,
      upstreamName: 'app',
      stableAddress: stable.address,
      reload: { kind: 'command', argv: ['no-such-reloader'] },
    });
    await expect(r2.validate()).rejects.toThrow(/"no-such-reloader" was not found on PATH/);
  });
});
