export { KubernetesStandin, startStandin, type StandinOptions, type Refusal } from './server.js';
export { behaviourFromTag, type PodBehaviour } from './controller.js';
export type { KObject } from './store.js';
export { kubectlSession, type KubectlSession } from './kubectl.js';
export { fixtureFromTag, promLabel, PodProcesses, type PodProcessOptions } from './pods.js';
