/**
 * Response bodies are capped everywhere (issue #12, secure defaults): real local HTTP servers that answer
 * with an endless body (chunked, no length) or a declared huge one, against the Prometheus client, the
 * notification webhook, the check engine, Grafana probes and the GitHub API client (the GitHub and Grafana
 * servers here are stand-ins: neither can run on this machine). Each is refused with an error that names
 * what was too large and where from, after reading no more than the cap.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChecksDocument } from '../../../src/checks/document.js';
import { runChecks } from '../../../src/checks/run.js';
import { probeGrafana } from '../../../src/gates/grafana.js';
import { closeIdleConnections } from '../../../src/http/node-client.js';
import { MAX_PROMETHEUS_ANSWER_BYTES, PrometheusClient } from '../../../src/metrics/prometheus.js';
import { sendNotification } from '../../../src/notify/webhook.js';
import { createGitHubClient, MAX_GITHUB_ANSWER_BYTES } from '../../../src/runtime/github.js';
import { parseYaml } from '../../../src/runtime/yaml.js';
import { startServer, type TestServer } from '../../support/http-servers.js';

/** Writes `chunk` until the client goes away (or `limit` bytes, as a safety net for the test itself). */
function endless(res: http.ServerResponse, contentType: string, prefix = '', limit = 256 << 20): void {
  res.writeHead(200, { 'content-type': contentType });
  const chunk = Buffer.alloc(64 << 10, 'a');
  let sent = 0;
  let clientGone = false;
  res.on('close', () => {
    clientGone = true;
    sent_[res.req.url ?? ''] = sent;
  });
  if (prefix) res.write(prefix);
  const pump = (): void => {
    while (!clientGone && sent < limit) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}
const sent_: Record<string, number> = {};

/** The error `p` rejects with (a fulfilled promise fails the test). */
async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    (v) => {
      throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e as Error,
  );
}

/** What the server wrote on `path` before the client hung up (the close may land just after the error). */
async function sentOn(path: string): Promise<number> {
  for (let i = 0; i < 100 && sent_[path] === undefined; i++) await new Promise((r) => setTimeout(r, 50));
  return sent_[path] ?? Infinity;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    '/api/v1/query': (_req, res) => endless(res, 'application/json', '{"status":"success","data":{"resultType":"vector","result":['),
    '/hook': (_req, res) => endless(res, 'text/plain'),
    '/declared': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 30) });
      res.write('{');
      // Never finishes: the length alone must be enough to refuse it.
    },
    '/big-page': (_req, res) => endless(res, 'text/html', '<html>'),
    '/grafana/api/health': (_req, res) => endless(res, 'application/json', '{"database":"ok","version":"'),
    '/github/repos/o/r': (_req, res) => endless(res, 'application/json', '{"name":"'),
  });
});
afterAll(async () => {
  closeIdleConnections();
  await server.close();
});

describe('response bodies are capped', () => {
  it('Prometheus: an endless answer to a query is refused at 16 MiB, naming Prometheus and the endpoint', async () => {
    const client = new PrometheusClient(server.url, { attempts: 3, timeoutMs: 60_000 });
    const err = await failure(client.query('up'));
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe(
      `Prometheus at ${server.url}: the answer to /api/v1/query is larger than 16 MiB, the most read from it: narrow the query (fewer series, a shorter range)`,
    );
    // Not retried (a cap is not transient), and the server was cut off near the cap, not read to its end.
    expect(server.requests.filter((r) => r.path === '/api/v1/query')).toHaveLength(1);
    expect(await sentOn('/api/v1/query')).toBeLessThan(MAX_PROMETHEUS_ANSWER_BYTES * 4);
  }, 60_000);

  it('the notification webhook: an endless answer is refused at 64 KiB, naming the webhook host only', async () => {
    const err = await failure(sendNotification(`${server.url}/hook`, { title: 't', outcome: 'success', fields: [] }));
    expect(err.message).toBe(
      `The notification webhook at 127.0.0.1:${server.port} answered with a body larger than 64 KiB, the most read from it; is notify-webhook the chat webhook's URL?`,
    );
    expect(err.message).not.toContain('/hook');
  });

  it('a declared Content-Length over the cap is refused before reading the body', async () => {
    const err = await failure(sendNotification(`${server.url}/declared`, { title: 't', outcome: 'success', fields: [] }));
    expect(err.message).toMatch(/answered with a body larger than 64 KiB/);
  });

  it('checks: a body past 5 MiB is cut there, and JSON / not-contains / matches expectations fail saying so', async () => {
    const checks = parseChecksDocument(
      parseYaml(
        `
- name: page
  url: /big-page
  expect: { body: { not-contains: error } }
- name: status only
  url: /big-page
`,
        'checks',
      ),
      { source: 'checks', baseUrl: server.url, env: {}, workspace: process.cwd(), defaults: { timeoutMs: 0, requestTimeoutMs: 60_000 } },
    ).checks;
    const [page, statusOnly] = await runChecks(checks, { concurrency: 1 });
    expect(page).toMatchObject({ passed: false, status: 200 });
    expect(page!.reasons).toEqual([
      'the body is larger than 5 MiB, the most a check reads: only its start was read, so its JSON, not-contains and matches expectations cannot be judged',
    ]);
    expect(statusOnly).toMatchObject({ passed: true, status: 200 });
  }, 60_000);

  it('Grafana (stand-in server): an endless health answer is an unhealthy verdict naming the cap', async () => {
    const facts = await probeGrafana({ name: 'g', url: `${server.url}/grafana`, datasource: 'p', fromMs: 60_000 } as Parameters<typeof probeGrafana>[0], {
      timeoutMs: 60_000,
    });
    expect(facts.health).toEqual({ ok: false, detail: 'the response is larger than 16 MiB, the most read from it' });
  }, 60_000);

  it('GitHub API (stand-in server): an endless answer is refused at 32 MiB, naming the API', async () => {
    const client = await createGitHubClient('ghs_test', { baseUrl: `${server.url}/github`, timeoutMs: 60_000 });
    const err = await failure(client.rest.repos.get({ owner: 'o', repo: 'r' }));
    expect(err.message).toContain(`the answer from the GitHub API at ${server.url}/github is larger than 32 MiB, the most read from it`);
    expect(await sentOn('/github/repos/o/r')).toBeLessThan(MAX_GITHUB_ANSWER_BYTES * 4);
  }, 60_000);
});
