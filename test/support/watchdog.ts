/**
 * Cleans up after a test process that dies without running its teardown (a killed vitest worker):
 * a small detached node process polls the test process each second and, once it is gone, stops the
 * given processes, removes the given containers and directories. `cancel()` on a normal teardown.
 */
import { spawn } from 'node:child_process';

export interface Leftovers {
  pids?: number[];
  containers?: string[];
  dirs?: string[];
}

const SCRIPT = `
const [parent, json] = process.argv.slice(1);
const what = JSON.parse(json);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const timer = setInterval(() => {
  if (alive(Number(parent))) return;
  clearInterval(timer);
  for (const pid of what.pids ?? []) { try { process.kill(pid, 'SIGTERM'); } catch {} }
  for (const name of what.containers ?? []) require('child_process').spawnSync('docker', ['rm', '-f', '-v', name], { stdio: 'ignore', timeout: 30000 });
  setTimeout(() => {
    for (const pid of what.pids ?? []) { try { process.kill(pid, 'SIGKILL'); } catch {} }
    for (const dir of what.dirs ?? []) { try { require('fs').rmSync(dir, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, 3000);
}, 1000);
`;

/** `parentPid`: the process whose death triggers the clean-up (this one unless a test says otherwise). */
export function watchLeftovers(what: Leftovers, parentPid = process.pid): { cancel(): void } {
  const child = spawn(process.execPath, ['-e', SCRIPT, String(parentPid), JSON.stringify(what)], {
    stdio: 'ignore',
    detached: true,
  });
  child.unref();
  return {
    cancel() {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    },
  };
}
