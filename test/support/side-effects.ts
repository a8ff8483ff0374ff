/**
 * Side-effect sensors for the bad-input and injection corpora: one of each thing an action could touch,
 * set up so that any touch is counted.
 *
 * - Docker: DOCKER_HOST points at a unix socket that records every request; reads (GET/HEAD) go on to the
 *   real engine, anything else (create, start, build, push, login…) is refused and counted.
 * - Database: a TCP listener on 127.0.0.1 that counts connections and closes them at once.
 * - HTTP: a recording server (test/support/http-servers.ts) for registries, Prometheus, webhooks, the
 *   GitHub API and the artifact service.
 * - Files: a root directory holding the workspace, a sibling `outside` directory, HOME and TMPDIR; its
 *   whole tree is snapshotted before and after each case. The harness keeps RUNNER_TEMP elsewhere.
 * - Execution: injected `touch` payloads aim at canary files under the root, which must never appear.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, lstatSync, writeFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { startServer, type TestServer } from './http-servers.js';

export interface DockerRequest {
  method: string;
  path: string;
}

export interface Sensors {
  /** Unique id of this set of sensors, usable in names (lower-case, [a-z0-9-]). */
  id: string;
  root: string;
  workspace: string;
  /** A sibling of the workspace that path traversal would reach. */
  outside: string;
  http: TestServer;
  /** `127.0.0.1:PORT` of the recording HTTP server (a registry host). */
  httpHost: string;
  dbPort: number;
  dockerRequests: DockerRequest[];
  /** Environment for runAction: DOCKER_HOST, HOME, TMPDIR, the GitHub API and artifact service. */
  env: Record<string, string>;
  /** Writes files (paths relative to the workspace). */
  write(files: Record<string, string>): void;
  /** Counters since the last reset. */
  reading(): SensorReading;
  reset(): void;
  close(): Promise<void>;
}

export interface SensorReading {
  dockerWrites: DockerRequest[];
  dbConnections: number;
  httpRequests: string[];
  /** Files and directories created, changed or removed under the root since the last reset. */
  filesChanged: string[];
}

/** path → size:mtime (directories: "dir") of every entry under `dir`. */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out.set(relative(dir, p) + '/', 'dir');
        walk(p);
      } else out.set(relative(dir, p), `${st.size}:${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [p, v] of after) if (before.get(p) !== v) changed.push(before.has(p) ? `changed ${p}` : `created ${p}`);
  for (const p of before.keys()) if (!after.has(p)) changed.push(`removed ${p}`);
  return changed.sort();
}

async function startDockerProxy(socketPath: string, requests: DockerRequest[]): Promise<http.Server> {
  const upstream = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice('unix://'.length) : '/var/run/docker.sock';
  const server = http.createServer((req, res) => {
    const method = req.method ?? '';
    requests.push({ method, path: req.url ?? '' });
    if (method !== 'GET' && method !== 'HEAD') {
      req.resume();
      const body = JSON.stringify({ message: `refused by the side-effect sensor: ${method} ${req.url}` });
      res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const forward = http.request({ socketPath: upstream, method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return server;
}

async function startConnectionCounter(): Promise<{ server: TcpServer; port: number; count: () => number; reset: () => void }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, port, count: () => count, reset: () => (count = 0) };
}

let sequence = 0;

/** Starts every sensor under a fresh root directory. */
export async function startSensors(label: string): Promise<Sensors> {
  const id = `dkbad-${label}-${process.pid}-${(sequence += 1)}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const root = mkdtempSync(join(tmpdir(), `${id}-`));
  const workspace = join(root, 'workspace');
  const outside = join(root, 'outside');
  const home = join(root, 'home');
  const temp = join(root, 'tmp');
  for (const d of [workspace, outside, home, temp]) mkdirSync(d, { recursive: true });
  writeFileSync(join(outside, 'keep.txt'), 'must stay as it is\n');
  const dockerRequests: DockerRequest[] = [];
  const socketPath = join(root, 'docker.sock');
  const [proxy, db, server] = await Promise.all([startDockerProxy(socketPath, dockerRequests), startConnectionCounter(), startServer({})]);
  let before = snapshotTree(root);
  const sensors: Sensors = {
    id,
    root,
    workspace,
    outside,
    http: server,
    httpHost: `127.0.0.1:${server.port}`,
    dbPort: db.port,
    dockerRequests,
    env: {
      DOCKER_HOST: `unix://${socketPath}`,
      HOME: home,
      TMPDIR: temp,
      GITHUB_API_URL: server.url,
      GITHUB_SERVER_URL: server.url,
      GITHUB_REPOSITORY: 'octo/app',
      GITHUB_RUN_ID: '4242',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_NAME: 'push',
      ACTIONS_RUNTIME_URL: `${server.url}/`,
      ACTIONS_RESULTS_URL: `${server.url}/`,
      ACTIONS_RUNTIME_TOKEN: 'runtime-token-not-a-secret',
    },
    write(files) {
      for (const [p, text] of Object.entries(files)) {
        const full = join(workspace, p);
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, text);
      }
    },
    reading() {
      return {
        dockerWrites: dockerRequests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
        dbConnections: db.count(),
        httpRequests: server.requests.map((r) => `${r.method} ${r.path}`),
        filesChanged: diffSnapshots(before, snapshotTree(root)).filter((p) => !/^(?:created|changed|removed) docker\.sock$/.test(p)),
      };
    },
    reset() {
      dockerRequests.length = 0;
      db.reset();
      server.requests.length = 0;
      before = snapshotTree(root);
    },
    async close() {
      proxy.closeAllConnections();
      await Promise.all([new Promise<void>((r) => proxy.close(() => r())), new Promise<void>((r) => db.server.close(() => r())), server.close()]);
      rmSync(root, { recursive: true, force: true });
    },
  };
  return sensors;
}

/** Reads a file under the workspace (for tests that want to see what a case left). */
export function readWorkspaceFile(s: Sensors, path: string): string {
  return readFileSync(join(s.workspace, path), 'utf8');
}
