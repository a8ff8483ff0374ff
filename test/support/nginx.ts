/**
 * A real nginx for tests: Debian's `nginx` binary with a temp prefix and configuration, listening
 * on a free 127.0.0.1 port, whose upstream block is included from the router's file. Requests sent
 * through it tell the traffic split nginx actually serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const NGINX_BIN = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

export interface TestNginx {
  url: string;
  prefix: string;
  config: string;
  upstreamFile: string;
  upstreamName: string;
  /** The router's reload setting for this instance. */
  reload: { kind: 'nginx'; binary: string; config: string; prefix: string };
  /** GETs `path` n times (sequentially, new connection each) and counts the bodies. */
  sample(n: number, path?: string): Promise<Record<string, number>>;
  stop(): Promise<void>;
  errorLog(): Promise<string>;
}

/** Starts nginx with `initialUpstream` as the included upstream file. */
export async function startNginx(options: { upstreamName?: string; initialUpstream: (name: string) => string }): Promise<TestNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'dk-nginx-'));
  const upstreamName = options.upstreamName ?? 'app';
  const upstreamFile = join(prefix, 'upstreams', `${upstreamName}.conf`);
  await mkdir(join(prefix, 'upstreams'), { recursive: true });
  await mkdir(join(prefix, 'logs'), { recursive: true });
  await mkdir(join(prefix, 'tmp'), { recursive: true });
  await writeFile(upstreamFile, options.initialUpstream(upstreamName));
  const config = join(prefix, 'nginx.conf');
  let child: ChildProcess | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    await writeFile(config, nginxConfig(prefix, port, upstreamFile, upstreamName));
    const c = spawn(NGINX_BIN, ['-p', prefix, '-c', config, '-e', join(prefix, 'logs', 'error.log'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    c.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && c.exitCode === null) {
      if (await answers(url)) {
        child = c;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (child) {
      const stop = async (): Promise<void> => {
        if (child && child.exitCode === null) {
          const exited = new Promise((r) => child!.once('exit', r));
          child.kill('SIGQUIT');
          const t = setTimeout(() => child!.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(t);
        }
        await rm(prefix, { recursive: true, force: true });
      };
      return {
        url,
        prefix,
        config,
        upstreamFile,
        upstreamName,
        reload: { kind: 'nginx', binary: NGINX_BIN, config, prefix },
        sample: (n, path = '/version') => sample(url, n, path),
        stop,
        errorLog: async () => (existsSync(join(prefix, 'logs', 'error.log')) ? readFile(join(prefix, 'logs', 'error.log'), 'utf8') : ''),
      };
    }
    c.kill('SIGKILL');
    if (attempt === 2) {
      await rm(prefix, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${out}`);
    }
  }
  throw new Error('unreachable');
}

function nginxConfig(prefix: string, port: number, upstreamFile: string, name: string): string {
  const tmp = join(prefix, 'tmp');
  return `worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  include ${upstreamFile};
  server {
    listen 127.0.0.1:${port};
    location = /__nginx { return 200 "nginx\\n"; }
    location / {
      proxy_pass http://${name};
      proxy_connect_timeout 2s;
      proxy_read_timeout 10s;
    }
  }
}
`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/__nginx`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function sample(url: string, n: number, path: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    let key: string;
    try {
      const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000), headers: { connection: 'close' } });
      const body = (await res.text()).trim();
      key = res.status === 200 ? body : `HTTP ${res.status}`;
    } catch (err) {
      key = `error: ${(err as Error).message}`;
    }
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
