import { describe, expect, it } from 'vitest';
import { composeCommand, parseComposeCommand, psArgs, removeServiceArgs, upServiceArgs, versionProbe } from '../../../src/targets/compose-command.js';

describe('compose command lines', () => {
  const project = { project: 'shop', files: ['/srv/a.yml', '/srv/b.yml'] };

  it('puts project and files before the subcommand for v1 (docker-compose)', () => {
    expect(composeCommand({ ...project, flavor: 'v1' }, upServiceArgs(['app']))).toEqual({
      command: 'docker-compose',
      args: ['-p', 'shop', '-f', '/srv/a.yml', '-f', '/srv/b.yml', 'up', '-d', '--no-deps', '--no-build', 'app'],
    });
  });

  it('runs `docker compose` for v2 with the same arguments after "compose"', () => {
    expect(composeCommand({ ...project, flavor: 'v2' }, removeServiceArgs(['app-canary']), ['/srv/.deploy-kit/c.yml'])).toEqual({
      command: 'docker',
      args: ['compose', '-p', 'shop', '-f', '/srv/a.yml', '-f', '/srv/b.yml', '-f', '/srv/.deploy-kit/c.yml', 'rm', '-s', '-f', 'app-canary'],
    });
  });

  it('leaves -p out when no project is given, and builds ps/up variants', () => {
    expect(composeCommand({ flavor: 'v1', files: ['/x.yml'] }, psArgs('app', { all: true })).args).toEqual(['-f', '/x.yml', 'ps', '-a', '-q', 'app']);
    expect(upServiceArgs(['app'], { forceRecreate: true })).toEqual(['up', '-d', '--no-deps', '--no-build', '--force-recreate', 'app']);
    expect(versionProbe('v2')).toEqual({ command: 'docker', args: ['compose', 'version'] });
    expect(versionProbe('v1')).toEqual({ command: 'docker-compose', args: ['version'] });
  });

  it('parses the compose-command input', () => {
    expect(parseComposeCommand('')).toBe('auto');
    expect(parseComposeCommand('docker  compose')).toBe('v2');
    expect(parseComposeCommand('docker-compose')).toBe('v1');
    expect(() => parseComposeCommand('podman-compose')).toThrow(/compose-command is "podman-compose"/);
  });
});
