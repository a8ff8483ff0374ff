// A test process killed without its teardown (a vitest worker SIGKILLed on a timeout) leaves
// nothing behind: the watchdog stops its processes, removes its container and its temp dir.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../../src/exec/run.js';
import { startFixtureContainer } from '../../support/fixture-app.js';
import { watchLeftovers } from '../../support/watchdog.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleeper = (): ReturnType<typeof spawn> => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });

describe('watchLeftovers', () => {
  it('cleans up a process, a container and a dir once the watched process is SIGKILLed', async () => {
    const testProcess = sleeper(); // stands for the test worker
    const server = sleeper(); // stands for its Prometheus
    const dir = mkdtempSync(join(tmpdir(), 'dk-watchdog-'));
    const app = await startFixtureContainer({ waitHealthy: false });
    try {
      watchLeftovers({ pids: [server.pid!], containers: [app.name], dirs: [dir] }, testProcess.pid!);
      await new Promise((r) => setTimeout(r, 1500));
      expect(alive(server.pid!)).toBe(true); // nothing happens while the watched process lives
      testProcess.kill('SIGKILL');
      const deadline = Date.now() + 15_000;
      let state = { server: true, container: true, dir: true };
      while (Date.now() < deadline && (state.server || state.container || state.dir)) {
        await new Promise((r) => setTimeout(r, 250));
        const container = (await runProgram('docker', ['inspect', app.name], { allowFailure: true })).exitCode === 0;
        state = { server: server.exitCode === null && server.signalCode === null, container, dir: existsSync(dir) };
      }
      expect(state).toEqual({ server: false, container: false, dir: false });
    } finally {
      server.kill('SIGKILL');
      testProcess.kill('SIGKILL');
      await app.stop();
    }
  });
});
