/**
 * Database servers of the test's own, on free loopback ports — TLS-enabled with certificates made by
 * openssl in the set-up, or plain for the fault tests that kill a server — so the shared PostgreSQL and
 * MariaDB stay as they are. Each server is stopped (or killed and restarted) by the test that started it,
 * by its own pid / data directory.
 */
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../../../src/exec/run.js';
import { freePort } from '../../support/ports.js';
import { sleep } from '../../../src/util/sleep.js';

export interface Certificates {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  /** A CA that did not sign the server's certificate. */
  otherCa: string;
}

/** A CA, a server certificate for localhost / 127.0.0.1 signed by it, and an unrelated CA. */
export async function makeCertificates(): Promise<Certificates> {
  const dir = mkdtempSync(join(tmpdir(), 'dk-tls-'));
  chmodSync(dir, 0o755);
  const ssl = (args: string[]) => runProgram('openssl', args, { cwd: dir, timeoutMs: 60_000 });
  const ca = (name: string) =>
    ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
  await ca('deploy-kit-test-ca');
  await ca('deploy-kit-other-ca');
  await ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await ssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'deploy-kit-test-ca.crt',
    '-CAkey',
    'deploy-kit-test-ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  ]);
  return {
    dir,
    ca: join(dir, 'deploy-kit-test-ca.crt'),
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
    otherCa: join(dir, 'deploy-kit-other-ca.crt'),
  };
}

export interface TlsServer {
  /** `scheme://user:password@127.0.0.1:port/db`, without TLS parameters. */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** SIGKILL to every process of this server (a crash: no shutdown, no checkpoint); resolves once they are gone. */
  kill(): Promise<void>;
  /** Starts it again on the same data directory and port (crash recovery runs first); resolves once it answers. */
  restart(): Promise<void>;
}

/** Pids of the processes whose command line names `dir` (this server's own, and nobody else's), and their children. */
async function processesUnder(dir: string): Promise<number[]> {
  const pids = async (args: string[]) =>
    (await runProgram('pgrep', args, { allowFailure: true })).stdout
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0 && n !== process.pid);
  const own = await pids(['-f', '--', dir]);
  const children = (await Promise.all(own.map((pid) => pids(['-P', String(pid)])))).flat();
  return [...new Set([...own, ...children])];
}

/** SIGKILL to the server's processes (PostgreSQL's backends too: they outlive a killed postmaster) until none is left. */
async function killUnder(dir: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const pids = await processesUnder(dir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await sleep(100);
  }
  throw new Error(`the processes of ${dir} did not die`);
}

async function waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs = 60_000, log?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    await sleep(300);
  }
  throw new Error(`${what} did not start within ${timeoutMs / 1000} s${log && existsSync(log) ? `: ${readFileSync(log, 'utf8').slice(-2000)}` : ''}`);
}

function owned(path: string, user: { uid: number; gid: number }): string {
  chownSync(path, user.uid, user.gid);
  return path;
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const out = (await runProgram('id', ['-u', name])).stdout.trim();
  const gid = (await runProgram('id', ['-g', name])).stdout.trim();
  return { uid: Number(out), gid: Number(gid) };
}

/** PostgreSQL 15 with ssl=on that accepts TCP only over TLS (hostnossl … reject); without certificates, plain TCP. */
export async function startTlsPostgres(certs?: Certificates): Promise<TlsServer> {
  const bin = '/usr/lib/postgresql/15/bin';
  const pgUser = await systemUser('postgres');
  const dir = owned(mkdtempSync(join(tmpdir(), 'dk-tls-pg-')), pgUser);
  const data = join(dir, 'data');
  writeFileSync(join(dir, 'pw'), 'tls-secret-pw\n');
  chownSync(join(dir, 'pw'), pgUser.uid, pgUser.gid);
  await runProgram(
    'runuser',
    ['-u', 'postgres', '--', `${bin}/initdb`, '-D', data, '-U', 'deploykit', `--pwfile=${join(dir, 'pw')}`, '-A', 'scram-sha-256', '--no-sync'],
    {
      timeoutMs: 120_000,
    },
  );
  writeFileSync(
    join(data, 'pg_hba.conf'),
    certs ? 'hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n' : 'host all all 127.0.0.1/32 scram-sha-256\n',
  );
  for (const f of certs ? (['cert', 'key'] as const) : []) {
    const to = join(data, `server.${f === 'cert' ? 'crt' : 'key'}`);
    copyFileSync(certs![f], to);
    owned(to, pgUser);
    chmodSync(to, 0o600);
  }
  const port = await freePort();
  const launch = () =>
    spawn(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        `${bin}/postgres`,
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `ssl=${certs ? 'on' : 'off'}`,
        '-c',
        'fsync=off',
      ],
      { stdio: ['ignore', 'ignore', openSync(join(dir, 'server.log'), 'a')] },
    );
  let child = launch();
  const url = `postgres://deploykit:tls-secret-pw@127.0.0.1:${port}/postgres`;
  const ready = () =>
    waitUntil(
      'the private PostgreSQL',
      async () => (await runProgram(`${bin}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port)], { allowFailure: true })).exitCode === 0,
      60_000,
      join(dir, 'server.log'),
    );
  await ready();
  return {
    url,
    port,
    kill: () => killUnder(data),
    async restart() {
      // The killed postmaster may linger as a zombie (nothing reaps it here), which its lock files would name.
      for (const lock of [join(data, 'postmaster.pid'), join(dir, `.s.PGSQL.${port}.lock`), join(dir, `.s.PGSQL.${port}`)]) rmSync(lock, { force: true });
      child = launch();
      await ready();
    },
    async stop() {
      await runProgram('runuser', ['-u', 'postgres', '--', `${bin}/pg_ctl`, '-D', data, 'stop', '-m', 'immediate'], { allowFailure: true, timeoutMs: 60_000 });
      if (child.exitCode === null) child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** MariaDB with TLS whose `deploykit` user must connect over TLS (REQUIRE SSL); without certificates, plain TCP. */
export async function startTlsMariadb(certs?: Certificates): Promise<TlsServer> {
  const myUser = await systemUser('mysql');
  const dir = owned(mkdtempSync(join(tmpdir(), 'dk-tls-my-')), myUser);
  const data = join(dir, 'data');
  await runProgram('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=mysql', '--auth-root-authentication-method=socket', '--skip-test-db'], {
    timeoutMs: 180_000,
  });
  const files: Record<string, string> = {};
  for (const [name, from] of Object.entries(certs ? { 'ca.crt': certs.ca, 'server.crt': certs.cert, 'server.key': certs.key } : {})) {
    files[name] = join(dir, name);
    copyFileSync(from, files[name]);
    owned(files[name], myUser);
    chmodSync(files[name], 0o600);
  }
  const port = await freePort();
  const socket = join(dir, 'sock');
  const launch = () =>
    spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--user=mysql',
        `--pid-file=${join(dir, 'pid')}`,
        ...(certs ? [`--ssl-ca=${files['ca.crt']}`, `--ssl-cert=${files['server.crt']}`, `--ssl-key=${files['server.key']}`] : []),
        '--innodb-buffer-pool-size=16M',
        '--skip-log-bin',
      ],
      { stdio: 'ignore' },
    );
  let child = launch();
  const root = (sql: string) => runProgram('mysql', ['--no-defaults', `--socket=${socket}`, '-uroot', '--batch', `--execute=${sql}`], { timeoutMs: 30_000 });
  const ready = () => waitUntil('the private MariaDB', async () => (await root('SELECT 1')).exitCode === 0);
  await ready();
  await root(`CREATE USER 'deploykit'@'127.0.0.1' IDENTIFIED BY 'tls-secret-pw'${certs ? ' REQUIRE SSL' : ''}; GRANT ALL ON *.* TO 'deploykit'@'127.0.0.1'`);
  return {
    url: `mysql://deploykit:tls-secret-pw@127.0.0.1:${port}/mysql`,
    port,
    kill: () => killUnder(data),
    async restart() {
      child = launch();
      await ready();
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
