import { runAction } from '../../src/runtime/index.js';
import { removeTemporaryKubeconfig } from '../shared/kubernetes.js';
import { reclaimLeftLock } from '../shared/project-lock.js';
import { KUBECONFIG_STATE } from './state.js';

// Main releases the project lock and removes the kubeconfig file it wrote when it ends; this does both
// when main was killed first. A lock someone else holds by now is left alone (decision 0130).
runAction(async (ctx) => {
  try {
    const lock = await reclaimLeftLock(ctx, 'rollback (post)');
    if (lock) {
      await lock.release();
      ctx.log.info(`Released the project lock ${lock.location} the main step left behind.`);
    }
  } finally {
    if (await removeTemporaryKubeconfig(ctx.getState(KUBECONFIG_STATE) || undefined)) ctx.log.info('Removed the kubeconfig file written for this job.');
  }
});
