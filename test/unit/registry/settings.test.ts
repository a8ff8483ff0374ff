// Every bad input is caught by resolveSettings, before anything runs (the e2e test shows that nothing is touched).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../../src/runtime/yaml.js';
import { chooseBuilder, resolveSettings, type RawSettings } from '../../../src/registry/settings.js';
import { repoRoot } from '../../harness/run-action.js';

const workspace = join(repoRoot, 'test', 'fixtures', 'images');
const raw = (over: Partial<RawSettings> = {}): RawSettings => ({
  username: '',
  passwordGiven: false,
  image: 'org/backend',
  context: 'app',
  platforms: [],
  tags: [],
  semverAliases: false,
  latest: 'never',
  cacheFrom: [],
  cacheTo: [],
  push: true,
  promoteTo: [],
  git: { ref: 'refs/tags/v1.2.3', sha: 'abc1234def5678901234567890abcdef12345678', eventName: 'push' },
  sourceUrl: 'https://github.com/org/repo',
  workspace,
  created: new Date('2026-11-28T00:00:00Z'),
  registry: 'ghcr.io',
  ...over,
});
const yaml = (text: string) => ({ value: parseYaml(text, 'the images input'), label: 'the images input' });

describe('resolveSettings: one image', () => {
  it('plans tags, labels and the Dockerfile in the context', () => {
    const s = resolveSettings(raw({ buildArgs: 'GREETING=hi\nBASE=deploy-kit/busybox:base', target: 'debug' }));
    if (s.mode !== 'build') throw new Error('expected build');
    const p = s.plans[0]!;
    expect(p.config.key).toBe('backend');
    expect(p.refs).toEqual(['ghcr.io/org/backend:1.2.3', 'ghcr.io/org/backend:sha-abc1234']);
    expect(p.spec.dockerfile).toBe(join(workspace, 'app', 'Dockerfile'));
    expect(p.spec.buildArgs).toEqual({ GREETING: 'hi', BASE: 'deploy-kit/busybox:base' });
    expect(p.spec.target).toBe('debug');
    expect(p.labels['org.opencontainers.image.version']).toBe('1.2.3');
  });

  it('missing context or Dockerfile, and a bad target, name the input', () => {
    expect(() => resolveSettings(raw({ context: 'nope' }))).toThrow(/context: the build context "nope" is not a directory/);
    expect(() => resolveSettings(raw({ context: '.' }))).toThrow(/dockerfile: no Dockerfile at Dockerfile/);
    expect(() => resolveSettings(raw({ dockerfile: 'app/Dockerfile.prod' }))).toThrow(/dockerfile: no Dockerfile at app\/Dockerfile.prod/);
    expect(() => resolveSettings(raw({ target: 'bad stage' }))).toThrow(/target is "bad stage"/);
    expect(() => resolveSettings(raw({ buildArgs: 'NOEQUALS' }))).toThrow(/build-args: "NOEQUALS" is not KEY=VALUE/);
  });

  it('a Dockerfile path relative to the context is found too', () => {
    const s = resolveSettings(raw({ context: 'web', dockerfile: 'Dockerfile' }));
    if (s.mode !== 'build') throw new Error('expected build');
    expect(s.plans[0]!.spec.dockerfile).toBe(join(workspace, 'web', 'Dockerfile'));
  });

  it('upper-case names say the fix', () => {
    expect(() => resolveSettings(raw({ image: 'Org/Backend' }))).toThrow('image is "Org/Backend": repository names must be lower-case. Use "org/backend".');
  });

  it('credentials must come in pairs and name the login registry', () => {
    expect(() => resolveSettings(raw({ username: 'u' }))).toThrow(/password is empty/);
    expect(() => resolveSettings(raw({ passwordGiven: true }))).toThrow(/username is empty/);
    expect(resolveSettings(raw({ username: 'u', passwordGiven: true })).loginRegistry).toBe('ghcr.io');
  });

  it('no image at all, or both image and images', () => {
    expect(() => resolveSettings(raw({ image: undefined }))).toThrow(/No image given/);
    expect(() => resolveSettings(raw({ images: yaml('- image: org/a\n  context: app') }))).toThrow(/Both image and images are set/);
  });
});

describe('resolveSettings: several images', () => {
  it('a YAML list of backend and frontend, each with its own context, args and tags', () => {
    const s = resolveSettings(
      raw({
        image: undefined,
        buildArgs: 'BASE=deploy-kit/busybox:base\nGREETING=shared',
        images: yaml(`
- name: backend
  image: org/backend
  context: app
  target: runtime
  build-args: { GREETING: hi }
- name: frontend
  image: org/frontend
  context: web
  tags: ["web-{{version}}"]
`),
      }),
    );
    if (s.mode !== 'build') throw new Error('expected build');
    expect(s.plans.map((p) => [p.config.key, p.tags])).toEqual([
      ['backend', ['1.2.3', 'sha-abc1234']],
      ['frontend', ['1.2.3', 'sha-abc1234', 'web-1.2.3']],
    ]);
    // The build-args input applies to every image; an image's own value wins.
    expect(s.plans.map((p) => p.spec.buildArgs)).toEqual([
      { BASE: 'deploy-kit/busybox:base', GREETING: 'hi' },
      { BASE: 'deploy-kit/busybox:base', GREETING: 'shared' },
    ]);
  });

  it('unknown keys are errors with a suggestion', () => {
    expect(() => resolveSettings(raw({ image: undefined, images: yaml('- name: backend\n  image: org/backend\n  contxt: app') }))).toThrow(
      'images[0] ("backend") has an unknown key "contxt". Did you mean "context"? Allowed keys: name, image, context, dockerfile, target, build-args, tags, labels, platforms.',
    );
  });

  it('names and shapes are checked per item', () => {
    expect(() => resolveSettings(raw({ image: undefined, images: yaml('- image: org/a\n  context: app\n- image: org/A\n  context: web') }))).toThrow(
      /images\[1\]\.image is "org\/A": repository names must be lower-case. Use "org\/a"/,
    );
    expect(() => resolveSettings(raw({ image: undefined, images: yaml('- context: app') }))).toThrow(/images\[0\] has no image/);
    expect(() => resolveSettings(raw({ image: undefined, images: yaml('- image: org/a\n  context: app\n- image: org/a\n  context: app') }))).toThrow(
      /both named "a"/,
    );
    expect(() => resolveSettings(raw({ image: undefined, images: yaml('- image: org/a\n  context: missing') }))).toThrow(
      /images\[0\]\.context: the build context "missing"/,
    );
    expect(() => resolveSettings(raw({ image: undefined, images: yaml('[]') }))).toThrow(/must be a YAML list of images/);
    expect(() => resolveSettings(raw({ image: undefined, images: yaml('- image: org/a\n  context: app\n  tags: ["bad tag"]') }))).toThrow(
      /"bad tag" is not a valid tag/,
    );
  });

  it('images in several registries need the registry input when logging in', () => {
    expect(() =>
      resolveSettings(
        raw({
          registry: undefined,
          username: 'u',
          passwordGiven: true,
          image: undefined,
          images: yaml('- image: ghcr.io/o/a\n  context: app\n- image: quay.io/o/b\n  context: app'),
        }),
      ),
    ).toThrow(/several registries \(ghcr.io, quay.io\)/);
  });
});

describe('resolveSettings: promote', () => {
  it('needs names only (no context), both tags, and valid tags', () => {
    const s = resolveSettings(raw({ context: 'does-not-matter', promoteFrom: 'sha-abc1234', promoteTo: ['latest', 'production', 'latest'] }));
    expect(s).toMatchObject({ mode: 'promote', from: 'sha-abc1234', to: ['latest', 'production'] });
    expect(() => resolveSettings(raw({ promoteFrom: 'sha-abc1234' }))).toThrow(/promote-to is empty/);
    expect(() => resolveSettings(raw({ promoteTo: ['latest'] }))).toThrow(/promote-from is empty/);
    expect(() => resolveSettings(raw({ promoteFrom: 'sha-abc1234', promoteTo: ['prod/eu'] }))).toThrow(/promote-to: "prod\/eu" is not a valid tag/);
    expect(() => resolveSettings(raw({ promoteFrom: 'sha-abc1234', promoteTo: ['sha-abc1234'] }))).toThrow(/the tag being promoted/);
  });

  it("promote-from may be a template of this run's git context", () => {
    expect(resolveSettings(raw({ promoteFrom: 'sha-{{sha}}', promoteTo: ['latest'] }))).toMatchObject({ from: 'sha-abc1234' });
    expect(resolveSettings(raw({ promoteFrom: '{{version}}', promoteTo: ['latest'] }))).toMatchObject({ from: '1.2.3' });
    expect(() => resolveSettings(raw({ promoteFrom: 'pr-{{pr}}', promoteTo: ['latest'] }))).toThrow(
      /placeholder in it has no value for ref "refs\/tags\/v1.2.3"/,
    );
  });
});

describe('chooseBuilder', () => {
  const s = resolveSettings(raw({ cacheFrom: ['type=gha'] }));
  const plans = s.mode === 'build' ? s.plans : [];
  it('buildx when it answers, else classic with a notice about the cache', () => {
    expect(chooseBuilder('auto', true, plans)).toEqual({ builder: 'buildx', notices: [] });
    const classic = chooseBuilder('auto', false, plans);
    expect(classic.builder).toBe('classic');
    expect(classic.notices[0]).toMatch(/cache-from \/ cache-to are ignored/);
    expect(chooseBuilder('classic', true, plans).builder).toBe('classic');
  });
  it('buildx asked for but absent, or several platforms without buildx, are configuration errors', () => {
    expect(() => chooseBuilder('buildx', false, plans)).toThrow(/setup-buildx-action/);
    const multi = resolveSettings(raw({ platforms: ['linux/amd64', 'linux/arm64'] }));
    expect(() => chooseBuilder('auto', false, multi.mode === 'build' ? multi.plans : [])).toThrow(/several platforms.*needs buildx/);
  });
});
