/**
 * deploy-canary's inputs for strategy: blue-green (Kubernetes only; decision 0086): the workload and
 * its Services, the preview checks (the smoke-test format, resolved against preview-url) and
 * keep-previous. Pure parsing and validation; nothing touches the cluster.
 */
import { parseChecksDocument } from '../../src/checks/document.js';
import type { Check } from '../../src/checks/types.js';
import { ConfigurationError } from '../../src/runtime/errors.js';
import type { Inputs } from '../../src/runtime/inputs.js';
import type { KubernetesTargetSettings } from '../shared/deployment.js';
import { readBlueGreenNames, type BlueGreenNames } from '../shared/kubernetes.js';

export const BLUE_GREEN_INPUTS = ['checks', 'preview-url', 'preview-service', 'keep-previous'] as const;

/** strategy: blue-green — deploy: a new colour; promote: the previous colour to zero now; abort: switch back. */
export interface BlueGreenSettings {
  strategy: 'blue-green';
  action: 'deploy' | 'promote' | 'abort';
  target: KubernetesTargetSettings;
  names: BlueGreenNames;
  image: string;
  checks: Check[];
  keepPreviousMs: number;
  dryRun: boolean;
  healthTimeoutMs: number;
  historyLimit: number;
  lockTimeoutMs: number;
}

export function readBlueGreen(
  inputs: Inputs,
  common: { target: KubernetesTargetSettings; dryRun: boolean; healthTimeoutMs: number; historyLimit: number; lockTimeoutMs: number },
  o: { action: BlueGreenSettings['action']; image: string; workspace: string; mask: (value: string) => void },
): BlueGreenSettings {
  const names = readBlueGreenNames(inputs);
  const keepPreviousMs = inputs.duration('keep-previous', '10m');
  if (o.action === 'deploy' && !o.image) {
    throw new ConfigurationError('Input required and not supplied: image. Give the new image the idle colour takes.', { input: 'image' });
  }
  const source = inputs.yaml('checks');
  const previewUrl = inputs.optional('preview-url');
  let checks: Check[] = [];
  if (source && o.action === 'deploy') {
    const plan = parseChecksDocument(source.value, {
      source: source.label,
      file: source.file,
      baseUrl: previewUrl,
      env: process.env,
      workspace: o.workspace,
      defaults: { timeoutMs: 30_000, requestTimeoutMs: 10_000 },
    });
    for (const secret of plan.secrets) o.mask(secret);
    checks = plan.checks;
  }
  return { ...common, strategy: 'blue-green', action: o.action, names, image: o.image, checks, keepPreviousMs };
}

/** The blue-green inputs are refused with the other strategies (they would be silently ignored). */
export function refuseBlueGreenInputs(inputs: Inputs, strategy: string): void {
  for (const name of BLUE_GREEN_INPUTS) {
    if (inputs.has(name)) throw new ConfigurationError(`${name} is for strategy: blue-green; with strategy: ${strategy} leave it out.`, { input: name });
  }
}
