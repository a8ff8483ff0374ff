/**
 * `database-url` parsing: the engine from the scheme, the connection parts, TLS options. Pure; it
 * never echoes the URL or its password in an error.
 */
import { ConfigurationError } from '../runtime/errors.js';
import type { Dialect } from './sql-split.js';

export type Engine = Dialect;

export type PgSslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export type TlsMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface DatabaseTarget {
  engine: Engine;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** TLS as libpq's sslmode says it (MySQL's ssl / ssl-mode mapped onto it). */
  tls: TlsMode;
  /** A CA file for verify-ca / verify-full (sslrootcert / ssl-ca). */
  caFile?: string;
  /** `host:port` for messages. */
  address: string;
}

const SCHEMES: Record<string, Engine> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
};

const DEFAULT_PORT: Record<Engine, number> = { postgres: 5432, mysql: 3306 };

const PG_SSLMODES: readonly PgSslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

function fail(message: string): never {
  throw new ConfigurationError(`database-url ${message}`, { input: 'database-url' });
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(`has a badly percent-encoded ${what}. Percent-encode special characters (e.g. @ as %40).`);
  }
}

export function parseDatabaseUrl(raw: string): DatabaseTarget {
  const text = raw.trim();
  if (text === '') fail('is empty: give a URL such as postgres://user:password@host:5432/dbname.');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (!scheme) fail('is not a URL: give one such as postgres://user:password@host:5432/dbname or mysql://user:password@host:3306/dbname.');
  const engine = SCHEMES[`${scheme[1]!.toLowerCase()}:`];
  if (!engine) {
    fail(`has the scheme "${scheme[1]}", which is not supported: use postgres://, postgresql://, mysql:// or mariadb://.`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('cannot be parsed as a URL (check for unencoded special characters in the password: percent-encode @ : / ? # as %40 %3A %2F %3F %23).');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') fail('has no host: give one such as postgres://user:password@db.example.com:5432/dbname.');
  const port = url.port ? Number(url.port) : DEFAULT_PORT[engine];
  const database = decode(url.pathname.replace(/^\//, ''), 'database name');
  if (database === '' || database.includes('/')) fail('has no database name: end it with /<dbname>, e.g. …:5432/app.');
  const user = decode(url.username, 'user name');
  if (user === '') fail('has no user name: give one as scheme://user:password@host/dbname.');
  const password = decode(url.password, 'password');
  const params = url.searchParams;
  let tls: TlsMode;
  let caFile: string | undefined;
  if (engine === 'postgres') {
    // libpq's default `prefer` falls back to plaintext and verifies nothing: off loopback, require TLS.
    const mode = (params.get('sslmode') ?? (isLoopbackHost(host) ? 'prefer' : 'require')).toLowerCase();
    if (!PG_SSLMODES.includes(mode as PgSslMode)) fail(`has sslmode=${mode}: use one of ${PG_SSLMODES.join(', ')}.`);
    tls = mode === 'allow' ? 'prefer' : (mode as TlsMode);
    caFile = params.get('sslrootcert') ?? undefined;
  } else {
    tls = mysqlTls(params, isLoopbackHost(host));
    caFile = params.get('ssl-ca') ?? params.get('sslca') ?? undefined;
  }
  if (caFile !== undefined && tls !== 'verify-ca' && tls !== 'verify-full') {
    fail('names a CA file but does not verify the server: add sslmode=verify-full (PostgreSQL) or ssl-mode=VERIFY_IDENTITY (MySQL).');
  }
  return { engine, host, port, user, password, database, tls, caFile, address: `${host.includes(':') ? `[${host}]` : host}:${port}` };
}

/** localhost, 127.0.0.0/8, ::1: traffic that never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1' || h === '0:0:0:0:0:0:0:1';
}

function mysqlTls(params: URLSearchParams, loopback: boolean): TlsMode {
  const mode = params.get('ssl-mode') ?? params.get('sslmode');
  if (mode !== null) {
    const m = mode.toUpperCase().replace(/-/g, '_');
    const map: Record<string, TlsMode> = {
      DISABLED: 'disable',
      PREFERRED: 'prefer',
      REQUIRED: 'require',
      VERIFY_CA: 'verify-ca',
      VERIFY_IDENTITY: 'verify-full',
      // libpq spellings too
      DISABLE: 'disable',
      PREFER: 'prefer',
      REQUIRE: 'require',
      VERIFY_FULL: 'verify-full',
    };
    const tls = map[m];
    if (!tls) fail(`has ssl-mode=${mode}: use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY.`);
    return tls;
  }
  const ssl = params.get('ssl');
  // Off loopback TLS is required unless the URL says otherwise (ssl=false or ssl-mode=DISABLED).
  if (ssl === null) return loopback ? 'disable' : 'require';
  const v = ssl.toLowerCase();
  if (['true', '1', 'yes', 'on', 'required'].includes(v)) return 'require';
  if (['false', '0', 'no', 'off'].includes(v)) return 'disable';
  if (v === 'verify') return 'verify-full';
  return fail(`has ssl=${ssl}: use true, false or verify.`);
}

/** The target without secrets, for logs and summaries: `postgres app@db.example.com:5432`. */
export function describeTarget(t: DatabaseTarget): string {
  return `${t.engine === 'postgres' ? 'PostgreSQL' : 'MySQL/MariaDB'} database "${t.database}" at ${t.address} as ${t.user}`;
}

/**
 * The dump tools' environment: the job's own `PG*` / `MYSQL*` variables removed (a `PGHOSTADDR`,
 * `PGSERVICE` or `MYSQL_HOST` in the job would otherwise send them to another server than the
 * driver's), then only the password added — in the environment, never argv. The connection itself
 * travels whole in the arguments (`pgConnectionArgs`, `mysqlClientArgs`).
 */
export function clientEnvironment(t: DatabaseTarget, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!/^(PG|MYSQL|LIBMYSQL_)/i.test(key)) env[key] = value;
  if (t.password) env[t.engine === 'postgres' ? 'PGPASSWORD' : 'MYSQL_PWD'] = t.password;
  return env;
}

/** A libpq keyword/value string: every value single-quoted, `\\` and `'` escaped. */
export function pgConninfo(t: DatabaseTarget, applicationName = 'deploy-kit'): string {
  const q = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const parts: [string, string][] = [
    ['host', t.host],
    ['port', String(t.port)],
    ['user', t.user],
    ['dbname', t.database],
    ['sslmode', t.tls],
    ['connect_timeout', '10'],
    ['application_name', applicationName],
  ];
  if (t.caFile) parts.push(['sslrootcert', t.caFile]);
  return parts.map(([k, v]) => `${k}=${q(v)}`).join(' ');
}

/** `--dbname=<conninfo>` for pg_dump / pg_restore / psql: the whole connection, nothing left to the environment. */
export function pgConnectionArgs(t: DatabaseTarget, applicationName?: string): string[] {
  return [`--dbname=${pgConninfo(t, applicationName)}`, '--no-password'];
}

/** Connection arguments for mysql / mysqldump (no password: that is MYSQL_PWD). */
export function mysqlClientArgs(t: DatabaseTarget): string[] {
  // --no-defaults first: no option file (~/.my.cnf, /etc/mysql) may add a host, a socket or a user.
  const args = ['--no-defaults', `--host=${t.host}`, `--port=${t.port}`, `--user=${t.user}`, '--protocol=TCP'];
  if (t.tls === 'disable') args.push('--skip-ssl');
  else if (t.tls !== 'prefer') {
    args.push('--ssl');
    if (t.caFile) args.push(`--ssl-ca=${t.caFile}`);
    if (t.tls === 'verify-ca' || t.tls === 'verify-full') args.push('--ssl-verify-server-cert');
  }
  return args;
}
