import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunDockerConfig, parseBuildxMetadata, parsePushDigest, removeRunDockerConfig } from '../../../src/registry/docker.js';

describe('createRunDockerConfig', () => {
  it('copies the user config without the credential store for our registry, links plugins and builders', () => {
    const home = mkdtempSync(join(tmpdir(), 'dk-home-'));
    mkdirSync(join(home, 'cli-plugins'));
    mkdirSync(join(home, 'buildx'));
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ auths: { 'quay.io': { auth: 'eDp5' } }, credsStore: 'desktop', credHelpers: { 'ghcr.io': 'gh', 'gcr.io': 'gcloud' } }),
    );
    const dir = createRunDockerConfig(join(home, 'runner-temp'), home, 'ghcr.io');
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({ auths: { 'quay.io': { auth: 'eDp5' } }, credHelpers: { 'gcr.io': 'gcloud' } });
    expect(lstatSync(join(dir, 'cli-plugins')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'buildx')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(dir, 'contexts'))).toBe(false);
    removeRunDockerConfig(dir);
    expect(existsSync(dir)).toBe(false);
    // The links went, not what they pointed at.
    expect(existsSync(join(home, 'cli-plugins'))).toBe(true);
  });

  it('starts empty when the user has no config', () => {
    const home = mkdtempSync(join(tmpdir(), 'dk-home-'));
    const dir = createRunDockerConfig(join(home, 't'), join(home, 'missing'));
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({});
  });
});

describe('parsePushDigest', () => {
  it('reads the digest line docker push prints last', () => {
    const out =
      'The push refers to repository [127.0.0.1:5000/x]\n8b9c: Pushed\nt1: digest: sha256:93c546264dd4f580bd16c9e800209f440d63647d38c6d0ac82e81d81bc2b23c9 size: 735\n';
    expect(parsePushDigest(out)).toEqual({ digest: 'sha256:93c546264dd4f580bd16c9e800209f440d63647d38c6d0ac82e81d81bc2b23c9', size: 735 });
    expect(parsePushDigest('no digest here')).toBeUndefined();
  });
  it('reads the digest buildx writes to its metadata file', () => {
    const d = 'sha256:' + 'a'.repeat(64);
    expect(parseBuildxMetadata(JSON.stringify({ 'buildx.build.ref': 'x/y/z', 'containerimage.digest': d, 'image.name': 'ghcr.io/o/a:1' }))).toBe(d);
    expect(parseBuildxMetadata('{}')).toBeUndefined();
    expect(parseBuildxMetadata('not json')).toBeUndefined();
  });
});
