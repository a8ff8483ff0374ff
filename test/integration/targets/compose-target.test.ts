import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeTarget } from '../../../src/targets/compose.js';
import { ConfigurationError } from '../../../src/runtime/errors.js';
import { createComposeProject, serviceContainers, type TestComposeProject } from '../../support/compose.js';
import { ensureFixtureAppVersion } from '../../support/fixture-app.js';
import { freePort } from '../../support/ports.js';

async function version(address: string): Promise<string> {
  const res = await fetch(`http://${address}/version`, { signal: AbortSignal.timeout(5000) });
  return (await res.text()).trim();
}

describe(`compose target (${process.env.DK_COMPOSE ?? 'docker-compose'}) with real containers`, () => {
  let p: TestComposeProject;
  let target: ComposeTarget;
  let v1: string;
  let v2: string;

  beforeAll(async () => {
    [v1, v2] = await Promise.all([ensureFixtureAppVersion('ct-1'), ensureFixtureAppVersion('ct-2')]);
    p = await createComposeProject({ image: v1 });
    target = new ComposeTarget({ files: [p.file], project: p.project, baseDir: p.dir, flavor: p.flavor });
    await p.compose(['up', '-d']);
    await target.waitHealthy('app', { timeoutMs: 60_000 });
  }, 180_000);
  afterAll(async () => {
    await p?.down();
  });

  it('compose-command auto finds the compose that works here (the one services.sh found) and reads the project with it', async () => {
    const auto = new ComposeTarget({ files: [p.file], project: p.project, baseDir: p.dir, flavor: 'auto' });
    expect(await auto.getFlavor()).toBe(p.flavor);
    await expect(auto.validate(['app'], 'service')).resolves.not.toThrow();
    const none = new ComposeTarget({ files: [p.file], project: p.project, baseDir: p.dir, flavor: 'auto' });
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent-dk';
    try {
      await expect(none.getFlavor()).rejects.toThrow(/Neither "docker compose" \(v2\) nor "docker-compose" \(v1\) works/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('rejects an unknown service and a missing or invalid compose file as configuration errors', async () => {
    await expect(target.validate(['backnd'], 'service')).rejects.toThrow(/service: service "backnd" is not defined in .*docker-compose.yml/);
    const missing = new ComposeTarget({ files: ['nope.yml'], project: p.project, baseDir: p.dir, flavor: p.flavor });
    await expect(missing.validate(['app'], 'service')).rejects.toThrow(ConfigurationError);
    await expect(missing.validate(['app'], 'service')).rejects.toThrow(/compose-file: .*nope.yml does not exist/);
    const invalid = new ComposeTarget({ files: ['invalid.yml'], project: p.project, baseDir: p.dir, flavor: p.flavor });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${p.dir}/invalid.yml`, 'services:\n  app:\n    image: [unclosed\n');
    await expect(invalid.validate(['app'], 'service')).rejects.toThrow(/compose-file: compose rejects the configuration/);
  });

  it('reads the current release', async () => {
    const release = await target.getCurrentRelease(['app']);
    expect(release.services).toEqual([{ service: 'app', image: v1, digest: undefined }]);
  });

  it('starts a canary beside the stable one (own port, new image), finds it again, and removes it', async () => {
    const canaryPort = await freePort();
    const canary = await target.startCanary('app', v2, { timeoutMs: 60_000, stableAddress: p.stableAddress, canaryPort });
    expect(canary).toMatchObject({ service: 'app', canaryName: 'app-canary', image: v2, stableImage: v1, address: `127.0.0.1:${canaryPort}` });
    expect(await version(canary.address!)).toBe('ct-2');
    expect(await version(p.stableAddress)).toBe('ct-1');
    // The override copies the service's resolved environment: private.
    expect(statSync(target.canaryFile('app')).mode & 0o777).toBe(0o600);
    const found = await target.findCanary('app', p.stableAddress);
    expect(found).toEqual(canary);
    expect(await target.removeCanary('app')).toBe(true);
    expect(await serviceContainers(p.project, 'app-canary')).toEqual([]);
    expect(existsSync(target.canaryFile('app'))).toBe(false);
    expect(await target.findCanary('app')).toBeUndefined();
    expect(await target.removeCanary('app')).toBe(false);
    expect(await version(p.stableAddress)).toBe('ct-1');
  }, 120_000);

  it('without a fixed port the canary gets one docker picks', async () => {
    const canary = await target.startCanary('app', v2, { timeoutMs: 60_000, stableAddress: p.stableAddress });
    expect(canary.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(canary.address).not.toBe(p.stableAddress);
    expect(await version(canary.address!)).toBe('ct-2');
    await target.removeCanary('app');
  }, 120_000);

  it('promotes: the stable service runs the new image, pinned in the release override', async () => {
    const canary = await target.startCanary('app', v2, { timeoutMs: 60_000, stableAddress: p.stableAddress });
    await target.promote(canary, { timeoutMs: 60_000 });
    expect(await version(p.stableAddress)).toBe('ct-2');
    expect(await readFile(target.releaseFile, 'utf8')).toContain(`image: ${v2}`);
    expect((await target.getCurrentRelease(['app'])).services[0]!.image).toBe(v2);
    // A plain compose command with the release override agrees.
    expect(await p.compose(['config'])).toContain(`image: ${v2}`);
    await target.removeCanary('app');
  }, 120_000);
});
