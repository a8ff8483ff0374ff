/**
 * The nginx router: writes the upstream block (one weighted server per track) to a file that the
 * nginx configuration includes, atomically, then reloads nginx — `nginx -t` + `nginx -s reload`
 * (with -c/-p for a particular instance) or a command of the user's, e.g. one run in the proxy's
 * container. A failed test or reload puts the previous file back and fails: a weight the router
 * does not serve is never reported as set.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { runProgram, ExecError } from '../exec/run.js';
import { ConfigurationError, OperationFailedError } from '../runtime/errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { sleep } from '../util/sleep.js';
import { parseUpstream, renderUpstream, upstreamServers, validateServerAddress, validateUpstreamName } from './nginx-upstream.js';
import type { RoutedCanary, TrafficRouter, TrafficSplit } from './router.js';

export type NginxReload = { kind: 'nginx'; binary?: string; config?: string; prefix?: string } | { kind: 'command'; argv: string[] };

export interface NginxRouterOptions {
  upstreamFile: string;
  upstreamName: string;
  stableAddress: string;
  reload: NginxReload;
  /** Time for nginx's new workers to take over after a reload signal. Default 300 ms. */
  settleMs?: number;
  timeoutMs?: number;
}

/** The argv of the config test and the reload for a reload setting (pure). */
export function nginxCommands(reload: NginxReload): { test?: string[]; reload: string[] } {
  if (reload.kind === 'command') return { reload: reload.argv };
  const bin = reload.binary ?? 'nginx';
  const where: string[] = [];
  if (reload.prefix) where.push('-p', reload.prefix);
  if (reload.config) where.push('-c', reload.config);
  return { test: [bin, '-t', '-q', ...where], reload: [bin, ...where, '-s', 'reload'] };
}

export class NginxRouter implements TrafficRouter {
  readonly kind = 'nginx';

  constructor(private readonly options: NginxRouterOptions) {}

  async validate(): Promise<void> {
    const { upstreamName, stableAddress, upstreamFile, reload } = this.options;
    validateUpstreamName(upstreamName, 'nginx-upstream');
    validateServerAddress(stableAddress, 'stable-address');
    const dir = dirname(upstreamFile);
    if (!existsSync(dir)) {
      throw new ConfigurationError(`nginx-upstream-file: the directory ${dir} does not exist; create it and include the file from your nginx configuration.`, {
        input: 'nginx-upstream-file',
      });
    }
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new ConfigurationError(`nginx-upstream-file: ${dir} is not writable by this runner.`, { input: 'nginx-upstream-file' });
    }
    const commands = nginxCommands(reload);
    const program = commands.reload[0];
    if (!program || !findOnPath(program)) {
      throw new ConfigurationError(`nginx-reload-command: "${program ?? ''}" was not found on PATH; install it or give the full path.`, {
        input: 'nginx-reload-command',
      });
    }
    // The configuration that includes the upstream file must already be valid: nothing is written otherwise.
    if (commands.test) {
      try {
        await this.run(commands.test, 'configuration test');
      } catch (err) {
        throw new ConfigurationError(`${(err as Error).message}. Fix the nginx configuration (or nginx-config / nginx-prefix) first.`, {
          input: 'nginx-config',
        });
      }
    }
  }

  async current(): Promise<TrafficSplit | undefined> {
    if (!existsSync(this.options.upstreamFile)) return undefined;
    const parsed = parseUpstream(await readFile(this.options.upstreamFile, 'utf8'));
    if (!parsed) return undefined;
    const baseline = parsed.servers.find((s) => s.track === 'baseline');
    return { canaryWeight: parsed.servers.find((s) => s.track === 'canary')?.weight ?? 0, ...(baseline ? { baselineWeight: baseline.weight } : {}) };
  }

  async setWeight(canaryWeight: number, canary: RoutedCanary | undefined, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { upstreamFile, upstreamName, stableAddress, reload, settleMs } = this.options;
    const canaryAddress = canary?.address;
    const baselineAddress = canary?.baselineAddress;
    if (canaryAddress) validateServerAddress(canaryAddress, 'canary-address');
    if (baselineAddress) validateServerAddress(baselineAddress, 'baseline-address');
    const servers = upstreamServers(stableAddress, canaryAddress, canaryWeight, baselineAddress);
    const text = renderUpstream(upstreamName, servers);
    const previous = existsSync(upstreamFile) ? await readFile(upstreamFile, 'utf8') : undefined;
    await writeFileAtomic(upstreamFile, text);
    const readBack = parseUpstream(await readFile(upstreamFile, 'utf8'));
    const written = (list: Array<{ track: string; weight: number }> | undefined): string => (list ?? []).map((s) => `${s.track} ${s.weight}%`).join(', ');
    if (!readBack || written(readBack.servers) !== written(servers)) {
      throw new OperationFailedError(
        `nginx: ${upstreamFile} does not hold the weights just written (read back ${written(readBack?.servers)}, wanted ${written(servers)}).`,
      );
    }
    const commands = nginxCommands(reload);
    try {
      if (commands.test) await this.run(commands.test, 'configuration test', options.signal);
      await this.run(commands.reload, 'reload', options.signal);
    } catch (err) {
      // nginx keeps serving the old configuration; the file must say the same.
      if (previous !== undefined) await writeFileAtomic(upstreamFile, previous);
      throw err;
    }
    await sleep(settleMs ?? 300, options.signal);
  }

  private async run(argv: string[], what: string, signal?: AbortSignal): Promise<void> {
    try {
      await runProgram(findOnPath(argv[0]!) ?? argv[0]!, argv.slice(1), { timeoutMs: this.options.timeoutMs ?? 30_000, signal });
    } catch (err) {
      const detail = err instanceof ExecError ? (err.result.stderr || err.result.stdout).trim().split('\n').slice(-5).join('\n') || err.message : String(err);
      throw new OperationFailedError(`nginx ${what} failed (${argv.join(' ')}): ${detail}`);
    }
  }
}

/** The program's path (PATH, then the sbin directories nginx lives in), or undefined. */
function findOnPath(program: string): string | undefined {
  if (isAbsolute(program) || program.includes('/')) return existsSync(program) ? program : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const d of dirs) if (d && existsSync(join(d, program))) return join(d, program);
  return undefined;
}
