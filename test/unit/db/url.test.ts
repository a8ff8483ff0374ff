import { describe, expect, it } from 'vitest';
import { clientEnvironment, describeTarget, mysqlClientArgs, parseDatabaseUrl, pgConnectionArgs, pgConninfo } from '../../../src/db/url.js';

describe('parseDatabaseUrl', () => {
  it('classifies the engine by scheme and fills default ports', () => {
    expect(parseDatabaseUrl('postgres://app:pw@db:5433/shop')).toMatchObject({
      engine: 'postgres',
      host: 'db',
      port: 5433,
      user: 'app',
      password: 'pw',
      database: 'shop',
      tls: 'require',
    });
    expect(parseDatabaseUrl('postgresql://app@db/shop').port).toBe(5432);
    expect(parseDatabaseUrl('mysql://app:pw@db/shop')).toMatchObject({ engine: 'mysql', port: 3306, tls: 'require' });
    expect(parseDatabaseUrl('mariadb://app:pw@db:3307/shop').engine).toBe('mysql');
  });
  it('decodes percent-encoded credentials', () => {
    expect(parseDatabaseUrl('postgres://a%40b:p%40ss%3Aw@h/d')).toMatchObject({ user: 'a@b', password: 'p@ss:w' });
  });
  it('requires TLS by default off loopback; plain only when asked or on loopback', () => {
    for (const host of ['db.example.com', '10.0.0.5', '[2001:db8::1]', 'localhost.evil.com', '128.0.0.1']) {
      expect(parseDatabaseUrl(`postgres://a@${host}/d`).tls, host).toBe('require');
      expect(parseDatabaseUrl(`mysql://a@${host}/d`).tls, host).toBe('require');
    }
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) {
      expect(parseDatabaseUrl(`postgres://a@${host}/d`).tls, host).toBe('prefer');
      expect(parseDatabaseUrl(`mysql://a@${host}/d`).tls, host).toBe('disable');
    }
    expect(parseDatabaseUrl('postgres://a@db.example.com/d?sslmode=disable').tls).toBe('disable');
    expect(parseDatabaseUrl('postgres://a@db.example.com/d?sslmode=prefer').tls).toBe('prefer');
    expect(parseDatabaseUrl('mysql://a@db.example.com/d?ssl=false').tls).toBe('disable');
    expect(parseDatabaseUrl('mysql://a@db.example.com/d?ssl-mode=DISABLED').tls).toBe('disable');
  });
  it('honours sslmode / ssl / ssl-mode', () => {
    expect(parseDatabaseUrl('postgres://a@h/d?sslmode=require').tls).toBe('require');
    expect(parseDatabaseUrl('postgres://a@h/d?sslmode=verify-full&sslrootcert=/ca.pem')).toMatchObject({ tls: 'verify-full', caFile: '/ca.pem' });
    expect(parseDatabaseUrl('mysql://a@h/d?ssl=true').tls).toBe('require');
    expect(parseDatabaseUrl('mysql://a@h/d?ssl-mode=VERIFY_IDENTITY').tls).toBe('verify-full');
    expect(() => parseDatabaseUrl('postgres://a@h/d?sslmode=maybe')).toThrow(/sslmode=maybe: use one of disable, allow, prefer/);
    expect(() => parseDatabaseUrl('postgres://a@h/d?sslrootcert=/ca.pem')).toThrow(/names a CA file but does not verify/);
  });
  it('rejects bad URLs with a clear error that never echoes the password', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /is empty/],
      ['db.example.com:5432', /is not a URL/],
      ['redis://a:hunter22@h/0', /scheme "redis", which is not supported/],
      ['postgres://a:hunter22@[bad/db', /cannot be parsed as a URL/],
      ['postgres://a:hunter22@h:5432', /has no database name/],
      ['postgres://:hunter22@h/d', /has no user name/],
      ['postgres://a:%E0%A4%A@h/d', /badly percent-encoded password/],
    ];
    for (const [url, re] of cases) {
      let message = '';
      try {
        parseDatabaseUrl(url);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(re);
      expect(message).not.toContain('hunter22');
    }
  });
  it('describes the target and builds tool environments with the password out of argv', () => {
    const pg = parseDatabaseUrl('postgres://app:s3cret@db:5432/shop?sslmode=disable');
    expect(describeTarget(pg)).toBe('PostgreSQL database "shop" at db:5432 as app');
    // The job's own PG* / MYSQL* variables go; the connection travels whole in --dbname.
    expect(clientEnvironment(pg, { PGHOSTADDR: '10.0.0.9', PGSERVICE: 'other', MYSQL_HOST: 'x', PATH: '/bin' })).toEqual({
      PATH: '/bin',
      PGPASSWORD: 's3cret',
    });
    expect(pgConnectionArgs(pg)).toEqual([
      "--dbname=host='db' port='5432' user='app' dbname='shop' sslmode='disable' connect_timeout='10' application_name='deploy-kit'",
      '--no-password',
    ]);
    expect(pgConninfo(parseDatabaseUrl("postgres://app@h/we'ird%5Cdb?sslmode=disable"))).toContain("dbname='we\\'ird\\\\db'");
    const my = parseDatabaseUrl('mysql://app:s3cret@db/shop?ssl=false');
    expect(clientEnvironment(my, {}).MYSQL_PWD).toBe('s3cret');
    expect(mysqlClientArgs(my).join(' ')).not.toContain('s3cret');
    expect(mysqlClientArgs(my)).toContain('--skip-ssl');
    expect(mysqlClientArgs(my)[0]).toBe('--no-defaults');
  });
});
