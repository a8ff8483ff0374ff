// `uses: org/deploy-kit@v1` has no action of its own: say which ones exist, as codeql-action does.
import { ConfigurationError, runAction } from '../../src/runtime/index.js';

runAction(async () => {
  throw new ConfigurationError(
    'deploy-kit is a suite of actions: use one of org/deploy-kit/build-push, org/deploy-kit/migrate-db, ' +
      'org/deploy-kit/deploy-canary, org/deploy-kit/smoke-test, org/deploy-kit/verify-gates or ' +
      'org/deploy-kit/rollback (e.g. `uses: org/deploy-kit/smoke-test@v1`), not org/deploy-kit itself.',
  );
});
