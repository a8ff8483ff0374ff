import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendNotification } from '../../../src/notify/webhook.js';
import { OperationFailedError } from '../../../src/runtime/errors.js';
import { freePort } from '../../support/ports.js';

describe('webhook notifier against a real local HTTP server', () => {
  let server: Server;
  let base: string;
  const received: Array<{ path: string; type: string; body: unknown }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        if (req.url?.includes('fail')) {
          res.statusCode = 500;
          return res.end('invalid_token');
        }
        received.push({ path: req.url ?? '', type: String(req.headers['content-type']), body: JSON.parse(body) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(() => server?.close());

  it('POSTs the Slack-compatible JSON', async () => {
    await sendNotification(`${base}/hooks/ok-token`, {
      title: 'Rolled back app to app:1',
      outcome: 'warning',
      fields: [{ title: 'app', value: 'app:2 → app:1' }],
    });
    expect(received).toEqual([
      {
        path: '/hooks/ok-token',
        type: 'application/json',
        body: {
          text: 'Rolled back app to app:1',
          attachments: [{ color: '#ecb22e', fallback: 'Rolled back app to app:1', fields: [{ title: 'app', value: 'app:2 → app:1', short: true }] }],
        },
      },
    ]);
  });

  it('fails on a non-2xx answer and on no answer, without repeating the URL path (its secret part)', async () => {
    const err = await sendNotification(`${base}/hooks/fail-secret-token`, { title: 't', outcome: 'failure', fields: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationFailedError);
    expect((err as Error).message).toMatch(/answered 500 .*invalid_token/);
    expect((err as Error).message).not.toContain('secret-token');
    const closed = await freePort();
    const err2 = await sendNotification(
      `http://127.0.0.1:${closed}/hooks/secret-token`,
      { title: 't', outcome: 'failure', fields: [] },
      { timeoutMs: 2000 },
    ).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/did not answer/);
    expect((err2 as Error).message).not.toContain('secret-token');
  });
});
