// docker/build-push-action's options: one command-line test per option, and bad input for each.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NO_BUILD_OPTIONS,
  buildxBuildArgs,
  buildxOnlyInputs,
  classicBuildArgs,
  type BuildOptions,
  type BuildSpec,
} from '../../../src/registry/build-command.js';
import { parseBuildOptions, type RawBuildOptions } from '../../../src/registry/build-options.js';
import { chooseBuilder, resolveSettings, type RawSettings } from '../../../src/registry/settings.js';
import { repoRoot } from '../../harness/run-action.js';

const workspace = join(repoRoot, 'test', 'fixtures', 'images');
const base: BuildSpec = {
  context: '/ws/app',
  dockerfile: '/ws/app/Dockerfile',
  buildArgs: {},
  labels: {},
  refs: ['r/app:1'],
  platforms: [],
  cacheFrom: [],
  cacheTo: [],
  push: true,
};
const withOptions = (o: Partial<BuildOptions>, spec: Partial<BuildSpec> = {}): BuildSpec => ({ ...base, ...spec, options: { ...NO_BUILD_OPTIONS, ...o } });
const parsed = (raw: RawBuildOptions) => parseBuildOptions(raw, workspace);
/** The arguments between the common ones and the trailing push/load + context. */
const between = (args: string[], from: string): string[] => args.slice(args.indexOf(from));

describe('build options → docker command lines', () => {
  it('no-cache, pull, network and add-hosts reach both builders', () => {
    const spec = withOptions({ noCache: true, pull: true, network: 'host', addHosts: ['db.internal:10.0.0.5', 'cache:10.0.0.6'] });
    const expected = ['--no-cache', '--pull', '--network', 'host', '--add-host', 'db.internal:10.0.0.5', '--add-host', 'cache:10.0.0.6'];
    expect(between(classicBuildArgs(spec), '--no-cache').slice(0, expected.length)).toEqual(expected);
    expect(between(buildxBuildArgs(spec), '--no-cache').slice(0, expected.length)).toEqual(expected);
  });

  it.each<[string, Partial<BuildOptions>, string[]]>([
    [
      'annotations',
      { annotations: ['index:org.opencontainers.image.description=My app'] },
      ['--annotation', 'index:org.opencontainers.image.description=My app'],
    ],
    ['build-contexts', { buildContexts: { alpine: 'docker-image://alpine:3.20' } }, ['--build-context', 'alpine=docker-image://alpine:3.20']],
    ['secrets', { secretEnv: { GIT_AUTH_TOKEN: 'DK_BUILD_SECRET_0' } }, ['--secret', 'id=GIT_AUTH_TOKEN,env=DK_BUILD_SECRET_0']],
    ['secret-files', { secretFiles: { npmrc: '/ws/.npmrc' } }, ['--secret', 'id=npmrc,src=/ws/.npmrc']],
    ['ssh', { ssh: ['default'] }, ['--ssh', 'default']],
    ['provenance', { provenance: 'mode=max' }, ['--provenance=mode=max']],
    ['sbom', { sbom: 'true' }, ['--sbom=true']],
  ])('%s: buildx gets it; it needs buildx', (input, options, args) => {
    const cmd = buildxBuildArgs(withOptions(options));
    expect(between(cmd, args[0]!).slice(0, args.length)).toEqual(args);
    expect(cmd.slice(-2)).toEqual(['--push', '/ws/app']);
    expect(buildxOnlyInputs({ ...NO_BUILD_OPTIONS, ...options })).toEqual([input]);
  });

  it('the classic builder writes the image ID to --iidfile when given one', () => {
    expect(classicBuildArgs({ ...base, iidFile: '/tmp/iid' }).slice(-3)).toEqual(['--iidfile', '/tmp/iid', '/ws/app']);
    expect(classicBuildArgs(base)).not.toContain('--iidfile');
  });

  it('outputs replace --push/--load; load adds --load beside --push', () => {
    const out = buildxBuildArgs(withOptions({ outputs: ['type=local,dest=out'] }, { push: false }));
    expect(out.slice(-3)).toEqual(['--output', 'type=local,dest=out', '/ws/app']);
    expect(out).not.toContain('--push');
    expect(out).not.toContain('--load');
    expect(buildxBuildArgs(withOptions({ load: true })).slice(-3)).toEqual(['--push', '--load', '/ws/app']);
    expect(buildxOnlyInputs({ ...NO_BUILD_OPTIONS, outputs: ['type=docker'] })).toEqual(['outputs']);
  });

  it('secret values never reach the command line: they go to the build process environment', () => {
    const { options, secretValues } = parsed({ secrets: 'GIT_AUTH_TOKEN=ghp_s3cr3t\nNPM_TOKEN=npm,with,commas' });
    expect(secretValues).toEqual({ DK_BUILD_SECRET_0: 'ghp_s3cr3t', DK_BUILD_SECRET_1: 'npm,with,commas' });
    const cmd = buildxBuildArgs(withOptions(options)).join(' ');
    expect(cmd).not.toContain('ghp_s3cr3t');
    expect(cmd).toContain('id=NPM_TOKEN,env=DK_BUILD_SECRET_1');
  });

  it('parses every option from its input text', () => {
    const { options } = parsed({
      annotations: 'org.opencontainers.image.title=app\nmanifest:org.opencontainers.image.vendor=Org, Inc.',
      buildContexts: 'shared=../shared\nbase=docker-image://deploy-kit/node:base',
      secretFiles: 'token=app/Dockerfile',
      ssh: 'default\ngithub=/home/runner/.ssh/id_ed25519',
      outputs: 'type=local,dest=out',
      provenance: 'false',
      sbom: 'generator=docker/buildkit-syft-scanner',
      network: 'none',
      addHosts: ['db:10.0.0.5'],
      noCache: true,
      pull: true,
      load: false,
    });
    expect(options.annotations).toEqual(['org.opencontainers.image.title=app', 'manifest:org.opencontainers.image.vendor=Org, Inc.']);
    expect(options.buildContexts).toEqual({ shared: '../shared', base: 'docker-image://deploy-kit/node:base' });
    expect(options.secretFiles).toEqual({ token: join(workspace, 'app', 'Dockerfile') });
    expect(options.ssh).toEqual(['default', 'github=/home/runner/.ssh/id_ed25519']);
    expect(options.outputs).toEqual(['type=local,dest=out']);
    expect([options.provenance, options.sbom, options.network]).toEqual(['false', 'generator=docker/buildkit-syft-scanner', 'none']);
  });

  it.each<[RawBuildOptions, RegExp]>([
    [{ annotations: 'no equals sign' }, /^annotations: "no equals sign" is not KEY=VALUE/],
    [{ buildContexts: 'shared' }, /^build-contexts: "shared" is not name=VALUE/],
    [{ buildContexts: 'bad name=x' }, /^build-contexts: "bad name" is not a valid name/],
    [{ secrets: 'TOKEN' }, /^secrets: line 1 is not id=VALUE/],
    [{ secretFiles: 'npmrc=does/not/exist' }, /^secret-files: npmrc points at "does\/not\/exist", which is not a file/],
    [{ secrets: 'a=1', secretFiles: 'a=app/Dockerfile' }, /^secret-files: "a" is also in secrets/],
    [{ ssh: 'default with space' }, /^ssh: "default with space" is not default or ID=PATH/],
    [{ provenance: 'maximum please' }, /^provenance is "maximum please": use true, false/],
    [{ sbom: 'yes please' }, /^sbom is "yes please"/],
    [{ outputs: 'dest=out,foo' }, /^outputs: "dest=out,foo" names no exporter/],
    [{ network: 'host;rm -rf' }, /^network is "host;rm -rf"/],
    [{ addHosts: ['db 10.0.0.5'] }, /^add-hosts: "db 10.0.0.5" is not HOST:IP/],
  ])('bad %j is refused, naming the input', (raw, message) => {
    expect(() => parsed(raw)).toThrow(message);
  });

  it('a bad secrets line does not echo its value', () => {
    expect(() => parsed({ secrets: 'A=1\n=hunter2' })).toThrow('secrets: line 2 is not id=VALUE');
    expect(() => parsed({ secrets: 'hunter2' })).not.toThrow(/hunter2/);
  });
});

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
  push: undefined,
  promoteTo: [],
  git: { ref: 'refs/heads/main', sha: 'abc1234def5678901234567890abcdef12345678', eventName: 'push' },
  sourceUrl: '',
  workspace,
  created: new Date('2026-11-28T00:00:00Z'),
  registry: 'ghcr.io',
  ...over,
});

describe('build options in the settings and the builder choice', () => {
  it('buildx-only options fail on the classic builder, naming each and docker/setup-buildx-action', () => {
    const s = resolveSettings(raw({ build: { annotations: 'a=b', sbom: 'true' } }));
    if (s.mode !== 'build') throw new Error('expected build');
    expect(() => chooseBuilder('auto', false, s.plans)).toThrow(
      'annotations, sbom need buildx, which is not available here: add docker/setup-buildx-action before this step, or remove them.',
    );
    expect(() => chooseBuilder('classic', true, s.plans)).toThrow(/annotations, sbom need buildx, which is not available here \(builder: classic\)/);
    expect(chooseBuilder('auto', true, s.plans).builder).toBe('buildx');
  });

  it('options that both builders take do not need buildx', () => {
    const s = resolveSettings(raw({ build: { noCache: true, pull: true, network: 'host', addHosts: ['db:10.0.0.5'], load: true } }));
    if (s.mode !== 'build') throw new Error('expected build');
    expect(chooseBuilder('auto', false, s.plans).builder).toBe('classic');
    expect(s.plans[0]!.spec.options?.noCache).toBe(true);
  });

  it('outputs beside push: true or load: true is refused; outputs alone means no push', () => {
    expect(() => resolveSettings(raw({ push: true, build: { outputs: 'type=local,dest=out' } }))).toThrow(/^outputs and push: true are both set/);
    expect(() => resolveSettings(raw({ build: { outputs: 'type=local,dest=out', load: true } }))).toThrow(/^outputs and load: true are both set/);
    const s = resolveSettings(raw({ build: { outputs: 'type=local,dest=out' } }));
    expect(s.mode === 'build' && s.push).toBe(false);
  });

  it('file is docker’s name; dockerfile still works with a deprecation notice; both is an error', () => {
    const s = resolveSettings(raw({ context: '.', file: 'web/Dockerfile' }));
    if (s.mode !== 'build') throw new Error('expected build');
    expect(s.plans[0]!.spec.dockerfile).toBe(join(workspace, 'web', 'Dockerfile'));
    expect(s.notices).toEqual([]);
    const old = resolveSettings(raw({ context: '.', dockerfile: 'web/Dockerfile' }));
    expect(old.notices).toEqual(['dockerfile is deprecated: name it file, as docker/build-push-action does (same meaning).']);
    expect(() => resolveSettings(raw({ file: 'a', dockerfile: 'b' }))).toThrow(/^Both file and dockerfile are set/);
  });

  it('push by event: pushes on push, not on pull_request, never from a fork', () => {
    const on = (eventName: string, push?: boolean, fromFork = false) => {
      const s = resolveSettings(raw({ push, fromFork, git: { ref: 'refs/pull/3/merge', sha: 'abc1234def5678901234567890abcdef12345678', eventName } }));
      if (s.mode !== 'build') throw new Error('expected build');
      return { push: s.push, notices: s.notices };
    };
    expect(on('push')).toEqual({ push: true, notices: [] });
    expect(on('workflow_dispatch').push).toBe(true);
    expect(on('pull_request')).toEqual({
      push: false,
      notices: ['push is not set and the event is pull_request: the images are built, not pushed (set push: true to push).'],
    });
    expect(on('pull_request', true).push).toBe(true);
    expect(on('pull_request', true, true)).toEqual({
      push: false,
      notices: ['push: true is ignored: this pull request comes from a fork, whose token cannot push; the images are built, not pushed.'],
    });
    expect(on('push', false).push).toBe(false);
  });

  it('the repository owner’s capitals are lower-cased with a notice; other capitals still fail', () => {
    const s = resolveSettings(raw({ image: 'ghcr.io/MyOrg/backend', repositoryOwner: 'MyOrg' }));
    if (s.mode !== 'build') throw new Error('expected build');
    expect(s.plans[0]!.config.image.name).toBe('ghcr.io/myorg/backend');
    expect(s.notices).toEqual([
      'ghcr.io/MyOrg/backend: the repository owner "MyOrg" is lower-cased to ghcr.io/myorg/backend (image names cannot hold capitals).',
    ]);
    expect(() => resolveSettings(raw({ image: 'ghcr.io/MyOrg/Backend', repositoryOwner: 'MyOrg' }))).toThrow(/repository names must be lower-case/);
    expect(() => resolveSettings(raw({ image: 'ghcr.io/MyOrg/backend', repositoryOwner: 'other' }))).toThrow(/repository names must be lower-case/);
  });
});
