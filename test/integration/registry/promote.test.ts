// Promote by digest against the real docker-registry (with and without htpasswd auth), on an OCI
// index with an attestation assembled through the API; checked with skopeo and plain HTTP.
import { beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../../src/registry/distribution.js';
import { promoteTag } from '../../../src/registry/promote.js';
import { loadServices, type ServicesEnv } from '../../support/services.js';
import { FaultProxy } from './fault-proxy.js';
import { pushOciIndex } from './oci-fixture.js';
import { registryDigest, skopeoDigest, skopeoRaw, uniqueRepo } from './support.js';

let env: ServicesEnv;
let creds: { username: string; password: string };
beforeAll(() => {
  env = loadServices();
  creds = { username: env.DK_REGISTRY_USER, password: env.DK_REGISTRY_PASSWORD };
});

describe('promote by digest (real registry)', () => {
  it('copies an OCI index with its attestation to latest and production byte for byte, digest unchanged', async () => {
    const repo = `${uniqueRepo()}/backend`;
    const pushed = await pushOciIndex(env.DK_REGISTRY, repo, 'sha-abc1234');
    const client = new RegistryClient({ registry: env.DK_REGISTRY });
    const result = await promoteTag(client, repo, 'sha-abc1234', ['latest', 'production']);
    expect(result.digest).toBe(pushed.digest);
    expect(result.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(result.to.map((t) => [t.tag, t.moved])).toEqual([
      ['latest', true],
      ['production', true],
    ]);
    for (const tag of ['latest', 'production']) {
      expect(await skopeoDigest(`${env.DK_REGISTRY}/${repo}:${tag}`)).toBe(pushed.digest);
      expect(await skopeoRaw(`${env.DK_REGISTRY}/${repo}:${tag}`)).toBe(pushed.bytes.toString('utf8'));
    }
    // Every platform manifest and the attestation are still referenced by the promoted index.
    const raw = JSON.parse(await skopeoRaw(`${env.DK_REGISTRY}/${repo}:latest`)) as { manifests: Array<{ digest: string }> };
    expect(raw.manifests.map((m) => m.digest)).toEqual(pushed.manifestDigests);
    // A second promotion finds the tags in place and moves nothing.
    const again = await promoteTag(client, repo, 'sha-abc1234', ['latest']);
    expect(again.to).toEqual([{ tag: 'latest', previous: pushed.digest, moved: false }]);
  });

  it('logs in with Basic credentials on the htpasswd registry and refuses clearly without them', async () => {
    const repo = `${uniqueRepo()}/frontend`;
    const pushed = await pushOciIndex(env.DK_REGISTRY_AUTH, repo, 'sha-1234567', creds);
    const result = await promoteTag(new RegistryClient({ registry: env.DK_REGISTRY_AUTH, ...creds }), repo, 'sha-1234567', ['latest']);
    expect(result.digest).toBe(pushed.digest);
    expect(await skopeoDigest(`${env.DK_REGISTRY_AUTH}/${repo}:latest`, creds)).toBe(pushed.digest);

    await expect(promoteTag(new RegistryClient({ registry: env.DK_REGISTRY_AUTH }), repo, 'sha-1234567', ['prod'])).rejects.toThrow(
      /requires authentication.*give username and password/,
    );
    const wrong = 'not-the-password-71b2';
    const err = await promoteTag(new RegistryClient({ registry: env.DK_REGISTRY_AUTH, username: creds.username, password: wrong }), repo, 'sha-1234567', [
      'prod',
    ]).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/refused the credentials.*401/);
    expect((err as Error).message).not.toContain(wrong);
    expect(await registryDigest(env.DK_REGISTRY_AUTH, repo, 'prod', creds)).toBeUndefined();
  });

  it('says which tag is missing and changes nothing', async () => {
    const repo = `${uniqueRepo()}/backend`;
    await pushOciIndex(env.DK_REGISTRY, repo, 'sha-abc1234');
    await expect(promoteTag(new RegistryClient({ registry: env.DK_REGISTRY }), repo, 'sha-0000000', ['latest'])).rejects.toThrow(
      /sha-0000000 does not exist in the registry \(404\)/,
    );
    expect(await registryDigest(env.DK_REGISTRY, repo, 'latest')).toBeUndefined();
  });

  it('follows the Bearer token flow (token server stand-in in front of the real registry) with Basic credentials on the token request', async () => {
    const repo = `${uniqueRepo()}/backend`;
    const pushed = await pushOciIndex(env.DK_REGISTRY, repo, 'sha-abc1234');
    const proxy = await FaultProxy.start({ target: env.DK_REGISTRY, tokenAuth: { username: 'ci', password: 'token-pass-93' } });
    try {
      const client = new RegistryClient({ registry: proxy.host, username: 'ci', password: 'token-pass-93' });
      const result = await promoteTag(client, repo, 'sha-abc1234', ['production']);
      expect(result.digest).toBe(pushed.digest);
      expect(await registryDigest(env.DK_REGISTRY, repo, 'production')).toBe(pushed.digest);
      const basic = `Basic ${Buffer.from('ci:token-pass-93').toString('base64')}`;
      expect(proxy.tokenRequests.map((t) => [t.scope, t.service, t.authorization])).toEqual([
        [`repository:${repo}:pull`, 'dk-stand-in', basic],
        [`repository:${repo}:pull,push`, 'dk-stand-in', basic],
      ]);
      expect(proxy.requests.filter((r) => r.path.startsWith('/v2/') && r.status < 300).every((r) => r.authorization?.startsWith('Bearer '))).toBe(true);

      const denied = new RegistryClient({ registry: proxy.host, username: 'ci', password: 'wrong' });
      await expect(promoteTag(denied, repo, 'sha-abc1234', ['latest'])).rejects.toThrow(/token service .* refused the credentials of ci/);
    } finally {
      await proxy.close();
    }
  });

  it('retries a registry that answers 503 and 429 and then succeeds', async () => {
    const repo = `${uniqueRepo()}/backend`;
    const pushed = await pushOciIndex(env.DK_REGISTRY, repo, 'sha-abc1234');
    const proxy = await FaultProxy.start({
      target: env.DK_REGISTRY,
      rules: [
        { method: 'GET', path: /\/manifests\/sha-abc1234$/, status: 503, times: 1, body: 'upstream unavailable' },
        { method: 'PUT', path: /\/manifests\/latest$/, status: 429, times: 1, body: JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS' }] }) },
      ],
    });
    try {
      const client = new RegistryClient({ registry: proxy.host, baseDelayMs: 20 });
      const result = await promoteTag(client, repo, 'sha-abc1234', ['latest']);
      expect(result.digest).toBe(pushed.digest);
      expect(proxy.faults().map((f) => f.status)).toEqual([503, 429]);
      expect(client.retries).toBe(2);
      expect(await registryDigest(env.DK_REGISTRY, repo, 'latest')).toBe(pushed.digest);
    } finally {
      await proxy.close();
    }
  });
});
