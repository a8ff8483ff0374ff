// Issue 12's registry items against a stand-in registry (a real one cannot be made to misbehave):
// Basic credentials only to an https token realm or the registry's own origin, manifests fetched by
// digest checked against it, response bodies capped.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_MANIFEST_BYTES, RegistryClient, mayReceiveCredentials, sha256Digest } from '../../../src/registry/distribution.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(host: string, handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as { port: number };
  return `${host}:${port}`;
}

const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] }));

describe('registry client safety (stand-in registry)', () => {
  it('never sends Basic credentials to a plain-http token realm on another origin', async () => {
    const seen: Array<string | undefined> = [];
    const realm = await serve('127.0.0.2', (req, res) => {
      seen.push(req.headers.authorization);
      res.end(JSON.stringify({ token: 't' }));
    });
    const registry = await serve('127.0.0.1', (_req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${realm}/token",service="x"` }).end();
    });
    const client = new RegistryClient({ registry, username: 'me', password: 'pw-never-sent', retries: 0 });
    await expect(client.getManifest('org/app', 'v1')).rejects.toThrow(/neither https nor the registry itself: refusing to send the credentials of me/);
    expect(seen).toEqual([]);
  });

  it('sends them to the registry’s own origin (a loopback registry with its own token endpoint)', async () => {
    let auth: string | undefined;
    const registry: string = await serve('127.0.0.1', (req, res) => {
      if (req.url?.startsWith('/token')) {
        auth = req.headers.authorization;
        return void res.end(JSON.stringify({ token: 'tok' }));
      }
      if (req.headers.authorization !== 'Bearer tok') {
        return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${registry}/token",service="x"` }).end();
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
    });
    const client = new RegistryClient({ registry, username: 'me', password: 'pw', retries: 0 });
    expect((await client.getManifest('org/app', 'v1')).digest).toBe(sha256Digest(manifest));
    expect(auth).toBe(`Basic ${Buffer.from('me:pw').toString('base64')}`);
    expect(mayReceiveCredentials(new URL('https://auth.example.com/token'), 'http://127.0.0.1:5000')).toBe(true);
    expect(mayReceiveCredentials(new URL('http://auth.example.com/token'), 'https://registry.example.com')).toBe(false);
  });

  it('a manifest fetched by digest must hash to that digest, even without a Docker-Content-Digest header', async () => {
    const registry = await serve('127.0.0.1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
    });
    const client = new RegistryClient({ registry, retries: 0 });
    const other = `sha256:${'0'.repeat(64)}`;
    await expect(client.getManifest('org/app', other)).rejects.toThrow(
      `org/app@${other} answered bytes that hash to ${sha256Digest(manifest)}; refusing to use them.`,
    );
    expect((await client.getManifest('org/app', sha256Digest(manifest))).digest).toBe(sha256Digest(manifest));
  });

  it('an oversized answer is refused without reading it all (declared or streamed)', async () => {
    let chunked = false;
    const registry = await serve('127.0.0.1', (_req, res) => {
      const big = Buffer.alloc(MAX_MANIFEST_BYTES + 1024, 0x20);
      if (chunked) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(big.subarray(0, 1 << 20));
        res.end(big.subarray(1 << 20));
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) }).end(big);
      }
    });
    const client = new RegistryClient({ registry, retries: 2, baseDelayMs: 1 });
    await expect(client.getManifest('org/app', 'v1')).rejects.toThrow(/larger than 4 MiB/);
    chunked = true;
    await expect(client.getManifest('org/app', 'v1')).rejects.toThrow(/larger than 4 MiB/);
    // Not transient: one request each, no retries.
    expect(client.requests).toBe(2);
  });
});
