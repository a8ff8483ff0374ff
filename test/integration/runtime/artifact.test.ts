import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactServiceMissing, downloadFileArtifact, requireArtifactService, uploadFileArtifact } from '../../../src/runtime/artifact.js';
import { startArtifactStandIn, type ArtifactStandIn } from '../../support/artifact-service.js';

let service: ArtifactStandIn;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  service = await startArtifactStandIn();
  for (const [k, v] of Object.entries(service.env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await service.close();
});

describe('workflow artifacts through @actions/artifact (against a stand-in artifact service)', () => {
  it('stand-in: uploads a backup file as it is, with its retention, and fetches it back by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dk-artifact-'));
    const file = join(dir, 'shop-20261201T120000Z.dump');
    const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    writeFileSync(file, content);
    const up = await uploadFileArtifact(file, { retentionDays: 3 });
    expect(up.name).toBe('shop-20261201T120000Z.dump');
    expect(up.id).toBeGreaterThan(0);
    const stored = service.artifacts.find((a) => a.id === up.id)!;
    expect(stored.content.equals(content)).toBe(true);
    expect(new Date(stored.expiresAt!).getTime() - Date.now()).toBeGreaterThan(2.9 * 86_400_000);
    const back = await downloadFileArtifact('shop-20261201T120000Z.dump', mkdtempSync(join(tmpdir(), 'dk-artifact-dl-')));
    expect(readFileSync(back).equals(content)).toBe(true);
  });

  it('stand-in: an unknown artifact name is a configuration error naming it', async () => {
    await expect(downloadFileArtifact('nope.dump', mkdtempSync(join(tmpdir(), 'dk-artifact-dl-')))).rejects.toThrow(/No artifact named "nope\.dump"/);
  });

  it('outside a job (no ACTIONS_RUNTIME_TOKEN / ACTIONS_RESULTS_URL) the input is refused before anything runs', () => {
    expect(artifactServiceMissing({})).toBe('ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL');
    expect(() => requireArtifactService('backup-artifact', { ACTIONS_RESULTS_URL: 'x' })).toThrow(
      /backup-artifact needs the workflow run's artifact service, but ACTIONS_RUNTIME_TOKEN is not set/,
    );
    expect(artifactServiceMissing(service.env)).toBeUndefined();
  });
});
