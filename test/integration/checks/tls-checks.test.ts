// TLS checks against real HTTPS servers on 127.0.0.1 whose certificates are made at test time by
// openssl: valid for a year, expiring in 3 days, for the wrong host; all from a test CA passed with
// ca-file, so nothing is added to the machine's trust store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChecksDocument } from '../../../src/checks/document.js';
import { runChecks } from '../../../src/checks/run.js';
import { closeIdleConnections } from '../../../src/http/node-client.js';
import { parseYaml } from '../../../src/runtime/yaml.js';
import { generateTestPki, standardRoutes, startServer, type TestPki, type TestServer } from '../../support/http-servers.js';

let pki: TestPki;
let valid: TestServer;
let expiring: TestServer;
let wrongHost: TestServer;

beforeAll(async () => {
  pki = generateTestPki();
  [valid, expiring, wrongHost] = await Promise.all([
    startServer(standardRoutes(), { tls: pki.valid }),
    startServer(standardRoutes(), { tls: pki.expiring }),
    startServer(standardRoutes(), { tls: pki.wrongHost }),
  ]);
});
afterAll(async () => {
  closeIdleConnections();
  await Promise.all([valid, expiring, wrongHost].map((s) => s?.close()));
  pki?.cleanup();
});

function run(yaml: string) {
  const checks = parseChecksDocument(parseYaml(yaml, 'checks'), {
    source: 'checks',
    env: {},
    workspace: pki.dir,
    defaults: { timeoutMs: 0, requestTimeoutMs: 5000 },
  }).checks;
  return runChecks(checks, { concurrency: 4 });
}

describe('TLS certificate checks', () => {
  it('a certificate valid for a year passes min-days and the host name, with the CA from ca-file', async () => {
    const [r] = await run(`- { name: valid, url: "${valid.url}/health", ca-file: ca.crt, expect: { status: 200, tls: { min-days: 30 } } }`);
    expect(r!.reasons).toEqual([]);
    expect(r!.passed).toBe(true);
    expect(r!.certificate).toMatchObject({ subject: 'valid', issuer: 'deploy-kit test CA', trusted: true, hostnameValid: true });
    expect(r!.certificate!.daysLeft).toBeGreaterThanOrEqual(363);
  });

  it('a certificate expiring in 3 days fails min-days: 14, saying when it expires', async () => {
    const [r] = await run(`- { name: expiring, url: "${expiring.url}/", ca-file: ca.crt, expect: { tls: { min-days: 14 } } }`);
    expect(r!.passed).toBe(false);
    expect(r!.error).toMatch(/^the certificate expires in [23] days \(\d{4}-\d\d-\d\d\), fewer than the 14 required$/);
    expect(r!.certificate!.daysLeft).toBeLessThanOrEqual(3);
  });

  it('a check with only TLS expectations makes a handshake and no HTTP request', async () => {
    const before = expiring.requests.length;
    await run(`- { name: cert only, url: "${expiring.url}/", ca-file: ca.crt, expect: { tls: { min-days: 1 } } }`);
    expect(expiring.requests.length).toBe(before);
  });

  it('a certificate for another host name fails the host-name check', async () => {
    const [r] = await run(`- { name: wrong host, url: "${wrongHost.url}/", ca-file: ca.crt, expect: { tls: { min-days: 1 } } }`);
    expect(r!.passed).toBe(false);
    expect(r!.error).toMatch(/^the certificate is not valid for this host name: .*127\.0\.0\.1/);
    expect(r!.certificate).toMatchObject({ trusted: true, hostnameValid: false });
  });

  it('an ordinary request to a wrong-host certificate fails in plain words', async () => {
    const [r] = await run(`- { name: wrong host http, url: "${wrongHost.url}/health", ca-file: ca.crt }`);
    expect(r).toMatchObject({ passed: false, error: 'TLS certificate does not match the host name (ERR_TLS_CERT_ALTNAME_INVALID)' });
  });

  it('without the CA the certificate is not trusted; insecure: true skips verification explicitly', async () => {
    const [untrusted, tlsUntrusted, skipped] = await run(`
- { name: untrusted, url: "${valid.url}/health" }
- { name: untrusted tls, url: "${valid.url}/health", expect: { tls: { min-days: 1 } } }
- { name: skipped, url: "${valid.url}/health", insecure: true, expect: { json: { status: ok } } }
`);
    expect(untrusted).toMatchObject({ passed: false, error: 'TLS certificate cannot be verified (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' });
    expect(tlsUntrusted!.error).toMatch(/^the certificate is not trusted \(.*UNABLE_TO_VERIFY_LEAF_SIGNATURE.*\); pass its CA with ca-file/);
    expect(skipped).toMatchObject({ passed: true, status: 200 });
  });
});
