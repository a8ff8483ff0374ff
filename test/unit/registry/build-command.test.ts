import { describe, expect, it } from 'vitest';
import { buildxBuildArgs, classicBuildArgs, classicBuildEnv, ociLabels, pushArgs, type BuildSpec } from '../../../src/registry/build-command.js';

const spec: BuildSpec = {
  context: '/ws/backend',
  dockerfile: '/ws/backend/Dockerfile',
  target: 'runtime',
  buildArgs: { NODE_ENV: 'production', GREETING: 'a b' },
  labels: { 'org.opencontainers.image.version': '1.2.3' },
  refs: ['ghcr.io/org/backend:1.2.3', 'ghcr.io/org/backend:sha-abc1234'],
  platforms: ['linux/amd64', 'linux/arm64'],
  cacheFrom: ['type=gha'],
  cacheTo: ['type=gha,mode=max'],
  push: true,
  metadataFile: '/tmp/meta.json',
};

describe('docker command lines', () => {
  it('buildx: one command that builds every platform and pushes every tag, with cache and metadata file', () => {
    expect(buildxBuildArgs(spec)).toEqual([
      'buildx',
      'build',
      '--file',
      '/ws/backend/Dockerfile',
      '--tag',
      'ghcr.io/org/backend:1.2.3',
      '--tag',
      'ghcr.io/org/backend:sha-abc1234',
      '--build-arg',
      'NODE_ENV=production',
      '--build-arg',
      'GREETING=a b',
      '--label',
      'org.opencontainers.image.version=1.2.3',
      '--target',
      'runtime',
      '--platform',
      'linux/amd64,linux/arm64',
      '--cache-from',
      'type=gha',
      '--cache-to',
      'type=gha,mode=max',
      '--metadata-file',
      '/tmp/meta.json',
      '--push',
      '/ws/backend',
    ]);
  });

  it('buildx without push loads a single-platform image into the engine', () => {
    const args = buildxBuildArgs({ ...spec, push: false, platforms: [], cacheFrom: [], cacheTo: [], metadataFile: undefined });
    expect(args.slice(-2)).toEqual(['--load', '/ws/backend']);
    expect(args).not.toContain('--push');
  });

  it('classic: docker build without cache options, then one docker push per tag', () => {
    expect(classicBuildArgs({ ...spec, platforms: ['linux/amd64'] })).toEqual([
      'build',
      '--file',
      '/ws/backend/Dockerfile',
      '--tag',
      'ghcr.io/org/backend:1.2.3',
      '--tag',
      'ghcr.io/org/backend:sha-abc1234',
      '--build-arg',
      'NODE_ENV=production',
      '--build-arg',
      'GREETING=a b',
      '--label',
      'org.opencontainers.image.version=1.2.3',
      '--target',
      'runtime',
      '--platform',
      'linux/amd64',
      '/ws/backend',
    ]);
    expect(classicBuildArgs(spec)).not.toContain('--cache-from');
    expect(pushArgs('ghcr.io/org/backend:1.2.3')).toEqual(['push', 'ghcr.io/org/backend:1.2.3']);
    expect(classicBuildEnv({ PATH: '/bin', DOCKER_BUILDKIT: '1' })).toEqual({ PATH: '/bin', DOCKER_BUILDKIT: '0' });
  });

  it('OCI labels: source, revision, version, created', () => {
    expect(ociLabels({ sourceUrl: 'https://github.com/org/repo', revision: 'abc', version: '1.2.3', created: new Date('2026-01-02T03:04:05Z') })).toEqual({
      'org.opencontainers.image.source': 'https://github.com/org/repo',
      'org.opencontainers.image.revision': 'abc',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
    });
    expect(Object.keys(ociLabels({ sourceUrl: '', revision: '', version: '', created: new Date(0) }))).toEqual(['org.opencontainers.image.created']);
  });
});
