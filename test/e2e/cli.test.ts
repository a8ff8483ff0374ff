// The CLI front end (`deploy-kit <action> --<input> …`) runs the real bundle against a real server,
// turns workflow commands into plain lines and masks secrets in everything it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionNode } from '../../scripts/action-node.mjs';
import { repoRoot } from '../support/repo.js';

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const k of Object.keys(childEnv)) if (k.startsWith('INPUT_') || k.startsWith('GITHUB_')) delete childEnv[k];
    Object.assign(childEnv, env);
    // The CLI and the bundles it starts run on Node 24, as on a runner.
    const child = spawn(actionNode(), [join(repoRoot, 'bin/deploy-kit.js'), ...args], { env: childEnv, cwd: repoRoot });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

let demo: ChildProcess;
let baseUrl: string;
let headerServer: ReturnType<typeof createServer>;
let seen: IncomingHttpHeaders[] = [];
let headerUrl: string;

beforeAll(async () => {
  demo = spawn(process.execPath, [join(repoRoot, 'scripts/demo-server.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    demo.stdout!.on('data', (c: Buffer) => {
      const m = /127\.0\.0\.1:(\d+)/.exec(String(c));
      if (m) resolve(Number(m[1]));
    });
    demo.on('exit', () => reject(new Error('demo server exited')));
  });
  baseUrl = `http://127.0.0.1:${port}`;
  headerServer = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(req.headers.authorization === 'Bearer cli-secret-token-42' ? 200 : 401).end('{}');
  });
  await new Promise<void>((r) => headerServer.listen(0, '127.0.0.1', r));
  headerUrl = `http://127.0.0.1:${(headerServer.address() as AddressInfo).port}`;
});

afterAll(() => {
  demo?.kill();
  headerServer?.close();
});

describe('deploy-kit CLI', () => {
  it('runs smoke-test against the demo service and prints the summary and outputs as text', async () => {
    const r = await cli(['smoke-test', '--checks', 'examples/smoke.yml', '--base-url', baseUrl]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('backend health');
    expect(r.out).toMatch(/Outputs:\n {2}passed: true/);
    expect(r.out).toContain('failed-count: 0');
    expect(r.out).not.toMatch(/^::/m);
  });

  it('masks a secret taken from the environment in everything it prints, and exits 1 on a failed check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dk-cli-'));
    writeFileSync(
      join(dir, 'checks.yml'),
      [
        'checks:',
        '  - name: with token',
        '    url: /private',
        '    headers: { Authorization: "Bearer ${{ env.API_TOKEN }}" }',
        '    expect: { status: 200 }',
        '  - name: must fail',
        '    url: /private',
        '    headers: { Authorization: "Bearer ${{ env.API_TOKEN }}-wrong" }',
        '    expect: { status: 200 }',
        '    timeout: 0s',
      ].join('\n'),
    );
    seen = [];
    const r = await cli(['smoke-test', '--checks', join(dir, 'checks.yml'), '--base-url', headerUrl, '--timeout', '1s'], {
      API_TOKEN: 'cli-secret-token-42',
    });
    expect(r.code).toBe(1);
    expect(seen.some((h) => h.authorization === 'Bearer cli-secret-token-42')).toBe(true);
    expect(r.out + r.err).not.toContain('cli-secret-token-42');
    expect(r.out).toContain('error: ');
    expect(r.out).toContain('passed: false');
  });

  it('an unknown flag is refused with the input meant, before anything runs', async () => {
    const r = await cli(['smoke-test', '--chekcs', 'x.yml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/smoke-test has no input "chekcs"\. Did you mean --checks\?/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('--help lists the inputs with their defaults', async () => {
    const r = await cli(['smoke-test', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--checks (required)');
    expect(r.out).toMatch(/--concurrency \(default: \d+\)/);
  });

  it('an unknown action lists the actions', async () => {
    const r = await cli(['smoke-tset']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown action "smoke-tset": use one of .*smoke-test/);
  });
});
