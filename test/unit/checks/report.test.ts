import { describe, expect, it } from 'vitest';
import { checksReport, checksSummary, describeLatency } from '../../../src/checks/report.js';
import { evaluateCertificate } from '../../../src/checks/tls-probe.js';
import type { CertificateInfo, CheckResult } from '../../../src/checks/types.js';

const passed: CheckResult = {
  name: 'health',
  url: 'https://api.example.com/health',
  method: 'GET',
  passed: true,
  status: 200,
  latencyMs: 12.345,
  attempts: 1,
  reasons: [],
  durationMs: 13,
};
const failed: CheckResult = {
  name: 'ops <admin>',
  url: 'https://app.example.com/ops',
  method: 'GET',
  passed: false,
  status: 503,
  latencyMs: 40,
  attempts: 4,
  error: 'status 503, expected 2xx | after 4 attempts',
  reasons: ['status 503, expected 2xx'],
  bodyExcerpt: '<h1>down</h1>',
  durationMs: 3000,
};
const load: CheckResult = {
  ...passed,
  name: 'load',
  latencyMs: 20,
  samples: { requests: 100, failed: 1, errorRatePercent: 1, latency: { count: 100, min: 5, mean: 21.04, p50: 20, p95: 48, p99: 70, max: 90 } },
};

describe('checksReport', () => {
  it('gives per check name, url, status, latency, attempts and error', () => {
    const report = checksReport([passed, failed, load]);
    expect(report).toMatchObject({ passed: false, total: 3, failed: 1 });
    expect(report.checks[0]).toEqual({ name: 'health', url: passed.url, method: 'GET', passed: true, status: 200, latencyMs: 12.3, attempts: 1, error: null });
    expect(report.checks[1]).toMatchObject({ name: 'ops <admin>', status: 503, attempts: 4, error: failed.error });
    expect(report.checks[2]!.samples).toMatchObject({ requests: 100, failed: 1, latency: { p95: 48 } });
  });
});

describe('checksSummary', () => {
  const text = checksSummary([passed, failed, load], 'Smoke test').toString();
  it('heads with the count and tabulates ✅/❌ with latency and reason, escaped', () => {
    expect(text).toContain('## Smoke test: 1 of 3 checks failed');
    expect(text).toContain('| ✅ | health<br><sub>GET https://api.example.com/health</sub> | 200 | 12ms | 1 | passed |');
    expect(text).toContain('| ❌ | ops &lt;admin&gt;');
    expect(text).toContain('| 503 | 40ms | 4 | status 503, expected 2xx \\| after 4 attempts |');
    expect(text).toContain('p50 20ms · p95 48ms · max 90ms (100 req, 1% errors)');
    expect(text).toContain('<details><summary>ops &lt;admin&gt;: start of the last response body</summary>');
  });
  it('a pipe in a name cannot break the table', () => {
    expect(checksSummary([{ ...passed, name: 'a | b' }], 'Smoke test').toString()).toContain('| ✅ | a \\| b<br><sub>');
  });
  it('says all passed when they did', () => {
    expect(checksSummary([passed], 'Smoke test').toString()).toContain('## Smoke test: all 1 checks passed');
  });
  it('shows days left for a certificate-only check', () => {
    const cert = { daysLeft: 12 } as CertificateInfo;
    expect(describeLatency({ ...passed, latencyMs: undefined, certificate: cert })).toBe('certificate: 12 days left');
  });
});

describe('evaluateCertificate', () => {
  const info: CertificateInfo = {
    subject: 'api',
    issuer: 'CA',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2026-12-01T00:00:00.000Z',
    daysLeft: 3,
    trusted: true,
    hostnameValid: true,
  };
  it('passes enough days, a trusted chain and a matching host name', () => {
    expect(evaluateCertificate({ ...info, daysLeft: 30 }, { minDays: 14, hostname: true }, false)).toEqual([]);
  });
  it('fails too few days, expiry, an untrusted chain unless insecure, a wrong host unless hostname: false', () => {
    expect(evaluateCertificate(info, { minDays: 14, hostname: true }, false)).toEqual([
      'the certificate expires in 3 days (2026-12-01), fewer than the 14 required',
    ]);
    expect(evaluateCertificate({ ...info, daysLeft: -1 }, { hostname: true }, false)).toEqual(['the certificate expired on 2026-12-01']);
    const bad = {
      ...info,
      daysLeft: 100,
      trusted: false,
      trustError: 'SELF_SIGNED_CERT_IN_CHAIN',
      hostnameValid: false,
      hostnameError: "Host: x. is not in the cert's altnames",
    };
    expect(evaluateCertificate(bad, { hostname: true }, false)).toHaveLength(2);
    expect(evaluateCertificate(bad, { hostname: true }, true)).toEqual([
      "the certificate is not valid for this host name: Host: x. is not in the cert's altnames",
    ]);
    expect(evaluateCertificate(bad, { hostname: false }, true)).toEqual([]);
  });
});
