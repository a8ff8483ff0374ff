/**
 * docker/build-push-action's build options (annotations, build-contexts, secrets, ssh, provenance,
 * …), checked and turned into `BuildOptions` before anything runs. Secret values never reach a
 * command line: each goes to buildx through an environment variable of the build process only.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError } from '../runtime/errors.js';
import type { BuildOptions } from './build-command.js';

export interface RawBuildOptions {
  /** Multi-line inputs, one entry per line (values may hold commas). */
  annotations?: string;
  buildContexts?: string;
  secrets?: string;
  secretFiles?: string;
  ssh?: string;
  outputs?: string;
  provenance?: string;
  sbom?: string;
  network?: string;
  addHosts?: string[];
  noCache?: boolean;
  pull?: boolean;
  load?: boolean;
}

export interface ParsedBuildOptions {
  options: BuildOptions;
  /** Environment for the build process: variable → secret value. */
  secretValues: Record<string, string>;
}

/** The prefix of the variables that carry `secrets` to buildx. */
export const SECRET_ENV_PREFIX = 'DK_BUILD_SECRET_';

export function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** `name=value` lines; `name` must match `pattern`. */
function namedLines(text: string | undefined, input: string, what: string, pattern: RegExp, example: string, secret = false): Array<[string, string]> {
  return lines(text).map((line, i) => {
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    const value = eq > 0 ? line.slice(eq + 1).trim() : '';
    // A secrets line is named by its number: its text may be the value itself.
    const shown = secret ? `line ${i + 1}` : `"${line}"`;
    if (!name || !value) throw new ConfigurationError(`${input}: ${shown} is not ${what}=VALUE, e.g. ${example}.`, { input });
    if (!pattern.test(name)) throw new ConfigurationError(`${input}: "${name}" is not a valid ${what} (letters, digits, _ . -).`, { input });
    return [name, value];
  });
}

const ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** `true`, `false` or `key=value[,key=value…]` as buildx takes for --provenance and --sbom. */
const ATTESTATION = /^(?:true|false|1|0|[a-z-]+=[^,\s]+(?:,[a-z-]+=[^,\s]+)*)$/;

export function parseBuildOptions(raw: RawBuildOptions, workspace: string): ParsedBuildOptions {
  const annotations = lines(raw.annotations);
  for (const a of annotations) {
    if (!/^(?:[a-z-]+(?:\[[^\]]*\])?(?:,[a-z-]+(?:\[[^\]]*\])?)*:)?[A-Za-z0-9][A-Za-z0-9._/-]*=/.test(a)) {
      throw new ConfigurationError(
        `annotations: "${a}" is not KEY=VALUE (optionally with a level such as index: or manifest:), e.g. org.opencontainers.image.description=My app.`,
        { input: 'annotations' },
      );
    }
  }
  const buildContexts = Object.fromEntries(namedLines(raw.buildContexts, 'build-contexts', 'name', ID, 'alpine=docker-image://alpine:3.20'));
  const secretValues: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  namedLines(raw.secrets, 'secrets', 'id', ID, 'GIT_AUTH_TOKEN=${{ secrets.TOKEN }}', true).forEach(([id, value], i) => {
    const variable = `${SECRET_ENV_PREFIX}${i}`;
    secretEnv[id] = variable;
    secretValues[variable] = value;
  });
  const secretFiles: Record<string, string> = {};
  for (const [id, path] of namedLines(raw.secretFiles, 'secret-files', 'id', ID, 'npmrc=.npmrc')) {
    if (secretEnv[id]) throw new ConfigurationError(`secret-files: "${id}" is also in secrets: give each secret id once.`, { input: 'secret-files' });
    const file = resolve(workspace, path);
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new ConfigurationError(`secret-files: ${id} points at "${path}", which is not a file (looked for ${file}).`, { input: 'secret-files' });
    }
    secretFiles[id] = file;
  }
  const ssh = lines(raw.ssh);
  for (const s of ssh) {
    if (!/^[A-Za-z0-9_.-]+(?:=[^\s]+)?$/.test(s)) {
      throw new ConfigurationError(`ssh: "${s}" is not default or ID=PATH[,PATH], e.g. default=/home/runner/.ssh/id_ed25519.`, { input: 'ssh' });
    }
  }
  for (const [input, value] of [
    ['provenance', raw.provenance],
    ['sbom', raw.sbom],
  ] as const) {
    if (value !== undefined && !ATTESTATION.test(value)) {
      throw new ConfigurationError(`${input} is "${value}": use true, false or buildx's key=value form, e.g. mode=max.`, { input });
    }
  }
  const outputs = lines(raw.outputs);
  for (const out of outputs) {
    if (out !== '-' && !/(^|,)type=[a-z]+/.test(out)) {
      throw new ConfigurationError(`outputs: "${out}" names no exporter: write type=…, e.g. type=local,dest=out or type=docker.`, { input: 'outputs' });
    }
  }
  if (raw.network !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(raw.network)) {
    throw new ConfigurationError(`network is "${raw.network}": give default, host, none or a network name.`, { input: 'network' });
  }
  const addHosts = raw.addHosts ?? [];
  for (const h of addHosts) {
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*[:=](?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-fA-F:]+\]?|host-gateway)$/.test(h)) {
      throw new ConfigurationError(`add-hosts: "${h}" is not HOST:IP, e.g. db.internal:10.0.0.5.`, { input: 'add-hosts' });
    }
  }
  return {
    options: {
      annotations,
      buildContexts,
      secretEnv,
      secretFiles,
      ssh,
      provenance: raw.provenance,
      sbom: raw.sbom,
      outputs,
      noCache: raw.noCache ?? false,
      pull: raw.pull ?? false,
      network: raw.network,
      addHosts,
      load: raw.load ?? false,
    },
    secretValues,
  };
}
