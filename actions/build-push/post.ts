// build-push post step: log out of the registry and delete the run's DOCKER_CONFIG, even after a failure.
import { DockerCli, removeRunDockerConfig } from '../../src/registry/docker.js';
import { runAction } from '../../src/runtime/index.js';

runAction(async (ctx) => {
  const configDir = ctx.getState('docker-config');
  // One registry per line (several with the registries input).
  const registries = ctx.getState('login-registry').split('\n').filter(Boolean);
  if (!configDir) return;
  const docker = new DockerCli({ log: ctx.log, signal: ctx.signal, configDir });
  for (const registry of registries) {
    await docker.logout(registry).catch((err: unknown) => {
      ctx.log.warning(`docker logout ${registry} failed: ${String(err)}; the credentials are deleted with the config directory anyway.`);
    });
  }
  removeRunDockerConfig(configDir);
  ctx.log.info(`Logged out of ${registries.join(', ') || 'the registry'} and removed the run's Docker config.`);
});
