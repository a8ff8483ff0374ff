import { runAction } from '../../src/runtime/index.js';
import { removeTemporaryKubeconfig } from '../shared/kubernetes.js';
import { KUBECONFIG_STATE } from './state.js';

// Main removes the kubeconfig file it wrote when it ends; this removes it when main was killed first.
runAction(async (ctx) => {
  if (await removeTemporaryKubeconfig(ctx.getState(KUBECONFIG_STATE) || undefined)) ctx.log.info('Removed the kubeconfig file written for this job.');
});
