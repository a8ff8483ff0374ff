/**
 * rollback's `strategy: blue-green` (Kubernetes; decision 0140): the inputs that say which colour
 * pair to switch back, and the ones that mean nothing there (refused, never silently ignored).
 */
import { ConfigurationError } from '../../src/runtime/errors.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import { readBlueGreenNames, type BlueGreenNames } from '../shared/kubernetes.js';

/** Rollback picks no image on a blue-green workload: the previous colour is what it goes back to. */
const NOT_FOR_BLUE_GREEN = [
  ['to-image', 'the previous colour is what it goes back to'],
  ['to-version', 'the previous colour is what it goes back to'],
  ['to-revision', 'the previous colour is what it goes back to'],
  ['database-url', 'run migrate-db (or a rollback without strategy) for the database'],
] as const;

/** Undefined unless `strategy: blue-green`; then the colour pair's names, the other inputs checked. */
export function readBlueGreenRollback(inputs: Inputs, kind: 'compose' | 'kubernetes'): BlueGreenNames | undefined {
  const strategy = inputs.choice('strategy', ['record', 'blue-green'], 'record');
  if (strategy !== 'blue-green') {
    if (inputs.has('service')) throw new ConfigurationError('service is for strategy: blue-green (the live Service); leave it out.', { input: 'service' });
    return undefined;
  }
  if (kind !== 'kubernetes') throw new ConfigurationError('strategy: blue-green is for target: kubernetes.', { input: 'strategy' });
  for (const [name, why] of NOT_FOR_BLUE_GREEN) {
    if (inputs.has(name)) throw new ConfigurationError(`${name} does not apply to strategy: blue-green (${why}); leave it out.`, { input: name });
  }
  if (inputs.list('deployment').length > 1)
    throw new ConfigurationError('strategy: blue-green switches one Deployment back: give one name in deployment.', { input: 'deployment' });
  return readBlueGreenNames(inputs);
}
