/**
 * Every message that leaves the runner passes through redaction (issue #12): a value masked in this
 * process (as the action runtime masks secret inputs) never reaches the body a real local webhook server
 * receives, nor the release record's file, even when a failure reason quotes it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubDeployments } from '../../../src/github/deployments.js';
import { sendNotification } from '../../../src/notify/webhook.js';
import { canaryEntry } from '../../../src/record/entries.js';
import { DeploymentHistory } from '../../../src/record/history.js';
import { createGitHubClient } from '../../../src/runtime/github.js';
import { processSecrets, REDACTED } from '../../../src/runtime/secrets.js';
import { startGitHubStandIn } from '../../support/github-standin.js';
import { startServer, sendJson, type TestServer } from '../../support/http-servers.js';
import { tempDir } from '../db/databases.js';

const password = `pw-${Math.random().toString(36).slice(2)}-Secret`;
const token = `tok_${Math.random().toString(36).slice(2)}_abcdef`;
const databaseUrl = `postgres://deploy:${password}@db.internal:5432/app`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ '/hook': (_req, res) => sendJson(res, 200, { ok: true }) });
  // As the runtime does for secret inputs (database-url is masked whole and by its password).
  processSecrets.add(databaseUrl);
  processSecrets.add(token);
});
afterAll(() => server.close());

const reason = `the canary did not start: pg_dump: connection to ${databaseUrl} failed (password ${password}); retried with Bearer ${token}`;

describe('messages that leave the runner are redacted', () => {
  it('a webhook payload: the body a real local webhook server receives holds no masked value', async () => {
    await sendNotification(`${server.url}/hook`, {
      title: `Canary failed: ${reason}`,
      outcome: 'failure',
      fields: [
        { title: 'reason', value: reason },
        { title: `token ${token}`, value: 'x' },
      ],
      link: `https://example.test/run?t=${token}`,
    });
    const [received] = server.requests;
    expect(received!.path).toBe('/hook');
    for (const secret of [password, token, databaseUrl]) expect(received!.body).not.toContain(secret);
    const payload = JSON.parse(received!.body) as { text: string; attachments: Array<{ fields: Array<{ title: string; value: string }> }> };
    expect(payload.attachments[0]!.fields[0]!.value).toBe(
      `the canary did not start: pg_dump: connection to ${REDACTED} failed (password ${REDACTED}); retried with Bearer ${REDACTED}`,
    );
    expect(payload.attachments[0]!.fields[1]!.title).toBe(`token ${REDACTED}`);
  });

  it('the release record: a failure reason quoting a masked value is stored without it', async () => {
    const path = join(tempDir(), 'deploy-history.json');
    const record = new DeploymentHistory(path);
    await record.append(canaryEntry({ result: 'aborted', service: 'app', image: 'app:2', previous: { service: 'app', image: 'app:1' }, reason }));
    await record.append({
      ...canaryEntry({ result: 'rolled-back', service: 'app', image: 'app:1', previous: { service: 'app', image: 'app:2' } }),
      action: 'rollback',
      database: `restored with ${databaseUrl}`,
    });
    const text = readFileSync(path, 'utf8');
    for (const secret of [password, token, databaseUrl]) expect(text).not.toContain(secret);
    const entries = (JSON.parse(text) as { entries: Array<{ reason?: string; database?: string; services: unknown }> }).entries;
    expect(entries[0]!.reason).toBe(
      `the canary did not start: pg_dump: connection to ${REDACTED} failed (password ${REDACTED}); retried with Bearer ${REDACTED}`,
    );
    expect(entries[1]!.database).toBe(`restored with ${REDACTED}`);
    // Only free text is touched: what rollback reads stays exact.
    expect(entries[0]!.services).toEqual([{ service: 'app', image: 'app:2' }]);
  });

  it('stand-in: a GitHub deployment status whose description quotes a failure reaches the GitHub API stand-in redacted', async () => {
    const gh = await startGitHubStandIn();
    try {
      const deployments = new GitHubDeployments(await createGitHubClient(gh.token, { baseUrl: gh.url }), { owner: gh.owner, repo: gh.repo });
      const id = await deployments.create({
        ref: '1'.repeat(40),
        environment: 'production',
        action: 'deploy-canary',
        images: [],
        description: `retry with ${token}`,
      });
      await deployments.setStatus(id, 'failure', { description: reason });
      const sent = JSON.stringify(gh.requests.map((r) => r.body));
      for (const secret of [password, token, databaseUrl]) expect(sent).not.toContain(secret);
      expect(gh.deployments[0]!.description).toBe(`retry with ${REDACTED}`);
      expect(gh.deployments[0]!.statuses.at(-1)!.description).toBe(
        `the canary did not start: pg_dump: connection to ${REDACTED} failed (password ${REDACTED}); retried with Bearer ${REDACTED}`,
      );
      expect(gh.violations).toEqual([]);
    } finally {
      await gh.stop();
    }
  });
});
