// build-push post step: log out of the registry and delete the run's DOCKER_CONFIG, even after a failure.
import { DockerCli, removeRunDockerConfig } from '../../src/registry/docker.js';
import { runAction } from '../../src/runtime/index.js';

runAction(async (ctx) => {
  const configDir = ctx.getState('docker-config');
  const registry = ctx.getState('login-registry');
  if (!configDir) return;
  if (registry) {
    await new DockerCli({ log: ctx.log, signal: ctx.signal, configDir }).logout(registry).catch((err: unknown) => {
      ctx.log.warning(`docker logout ${registry} failed: ${String(err)}; the credentials are deleted with the config directory anyway.`);
    });
  }
  removeRunDockerConfig(configDir);
  ctx.log.info(`Logged out of ${registry || 'the registry'} and removed the run's Docker config.`);
});
