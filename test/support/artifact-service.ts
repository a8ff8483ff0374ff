/**
 * A stand-in for the runner's artifact service (no real one can run here): the Twirp JSON API (proto field names) that
 * `@actions/artifact` calls at ACTIONS_RESULTS_URL (CreateArtifact, FinalizeArtifact, ListArtifacts,
 * GetSignedArtifactURL) and the blob store behind the signed URLs (Azure block upload: `comp=block`
 * then `comp=blocklist`; a plain GET to download). Artifacts live in memory, per server.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredArtifact {
  id: number;
  name: string;
  content: Buffer;
  expiresAt?: string;
  finalized: boolean;
}

export interface ArtifactStandIn {
  url: string;
  /** ACTIONS_RUNTIME_TOKEN / ACTIONS_RESULTS_URL for the client. */
  env: Record<string, string>;
  artifacts: StoredArtifact[];
  close(): Promise<void>;
}

const body = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const b64url = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

export async function startArtifactStandIn(): Promise<ArtifactStandIn> {
  const artifacts: StoredArtifact[] = [];
  const blocks = new Map<string, Map<string, Buffer>>();
  let base = '';
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const data = await body(req);
    const json = (status: number, value: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    const twirp = /^\/twirp\/github\.actions\.results\.api\.v1\.ArtifactService\/(\w+)$/.exec(url.pathname);
    if (twirp && req.method === 'POST') {
      const msg = JSON.parse(data.toString() || '{}') as Record<string, unknown>;
      switch (twirp[1]) {
        case 'CreateArtifact': {
          const a: StoredArtifact = {
            id: artifacts.length + 1,
            name: String(msg.name),
            content: Buffer.alloc(0),
            expiresAt: msg.expires_at as string | undefined,
            finalized: false,
          };
          artifacts.push(a);
          return json(200, { ok: true, signedUploadUrl: `${base}/blob/${a.id}?sig=upload-secret` });
        }
        case 'FinalizeArtifact': {
          const a = artifacts.find((x) => x.name === msg.name && !x.finalized);
          if (!a) return json(404, { code: 'not_found', msg: 'no such artifact' });
          a.finalized = true;
          return json(200, { ok: true, artifactId: String(a.id) });
        }
        case 'ListArtifacts': {
          const name = (msg.name_filter as string | undefined) ?? undefined;
          const id = (msg.id_filter as string | undefined) ?? undefined;
          const list = artifacts.filter((a) => a.finalized && (name === undefined || a.name === name) && (id === undefined || String(a.id) === String(id)));
          return json(200, {
            artifacts: list.map((a) => ({
              workflowRunBackendId: 'run-1',
              workflowJobRunBackendId: 'job-1',
              databaseId: String(a.id),
              name: a.name,
              size: String(a.content.length),
              createdAt: new Date().toISOString(),
            })),
          });
        }
        case 'GetSignedArtifactURL': {
          const a = artifacts.find((x) => x.name === msg.name && x.finalized);
          if (!a) return json(404, { code: 'not_found', msg: 'no such artifact' });
          return json(200, { signedUrl: `${base}/blob/${a.id}/${encodeURIComponent(a.name)}?sig=download-secret` });
        }
      }
      return json(404, { code: 'bad_route', msg: `no method ${twirp[1]}` });
    }
    const blob = /^\/blob\/(\d+)/.exec(url.pathname);
    const a = blob ? artifacts.find((x) => x.id === Number(blob[1])) : undefined;
    if (!a) return json(404, { msg: 'no such blob' });
    const headers = { 'x-ms-request-id': 'stand-in', 'x-ms-version': '2025-01-05', etag: '"0x1"', 'last-modified': new Date().toUTCString() };
    if (req.method === 'PUT' && url.searchParams.get('comp') === 'block') {
      const list = blocks.get(String(a.id)) ?? new Map<string, Buffer>();
      list.set(url.searchParams.get('blockid')!, data);
      blocks.set(String(a.id), list);
      return res.writeHead(201, headers).end();
    }
    if (req.method === 'PUT' && url.searchParams.get('comp') === 'blocklist') {
      const ids = [...data.toString().matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)<\//g)].map((m) => m[1]!);
      const list = blocks.get(String(a.id)) ?? new Map<string, Buffer>();
      a.content = Buffer.concat(ids.map((id) => list.get(id) ?? Buffer.alloc(0)));
      return res.writeHead(201, headers).end();
    }
    if (req.method === 'PUT') {
      a.content = data;
      return res.writeHead(201, headers).end();
    }
    if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': a.content.length }).end(a.content);
    return json(405, { msg: 'method not allowed' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ scp: 'Actions.ExampleScope Actions.Results:run-1:job-1' })}.stand-in`;
  return {
    url: base,
    env: { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: `${base}/` },
    artifacts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
