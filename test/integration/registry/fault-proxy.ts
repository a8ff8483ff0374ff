/**
 * A small HTTP proxy in front of the real registry for tests: it forwards every request (keeping
 * the Host header, so the registry's upload URLs point back at the proxy) but answers chosen
 * requests with an error the first N times — to make `docker push` fail transiently. With
 * `tokenAuth` it also plays a token server (a stand-in: the real registry here has only htpasswd)
 * and demands Bearer tokens on /v2/.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRule {
  method?: string;
  path: RegExp;
  status: number;
  /** How many matching requests get the fault; later ones pass through. */
  times: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
  faulted: boolean;
  authorization?: string;
}

export interface FaultProxyOptions {
  /** host:port of the real registry. */
  target: string;
  rules?: FaultRule[];
  /** Demand Bearer tokens issued by /token for these Basic credentials. */
  tokenAuth?: { username: string; password: string };
}

export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  readonly tokenRequests: Array<{ authorization?: string; scope?: string; service?: string }> = [];
  private readonly remaining: number[];
  private readonly tokens = new Set<string>();

  private constructor(
    private readonly server: Server,
    private readonly options: FaultProxyOptions,
  ) {
    this.remaining = (options.rules ?? []).map((r) => r.times);
  }

  static start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, options);
    server.on('request', (req, res) => proxy.handle(req, res));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(proxy));
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `127.0.0.1:<port>`: the registry host to give docker and the client. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  faults(): ProxiedRequest[] {
    return this.requests.filter((r) => r.faulted);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record = (status: number, faulted: boolean): void => {
      this.requests.push({ method, path, status, faulted, authorization: req.headers.authorization });
    };
    if (this.options.tokenAuth) {
      if (path.startsWith('/token')) return this.issueToken(req, res, record);
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!this.tokens.has(token)) {
        const repo = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(path)?.[1];
        const scope = repo ? `,scope="repository:${repo}:pull"` : '';
        return drain(req, () => {
          record(401, false);
          res.writeHead(401, {
            'content-type': 'application/json',
            'www-authenticate': `Bearer realm="http://${this.host}/token",service="dk-stand-in"${scope}`,
            'docker-distribution-api-version': 'registry/2.0',
          });
          res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        });
      }
    }
    const index = (this.options.rules ?? []).findIndex((r, i) => this.remaining[i]! > 0 && (!r.method || r.method === method) && r.path.test(path));
    if (index >= 0) {
      this.remaining[index]!--;
      const rule = this.options.rules![index]!;
      return drain(req, () => {
        record(rule.status, true);
        res.writeHead(rule.status, { connection: 'close', ...(rule.headers ?? {}) });
        res.end(rule.body ?? '');
      });
    }
    const headers = { ...req.headers };
    if (this.options.tokenAuth) delete headers.authorization;
    const [hostname, port] = this.options.target.split(':');
    const upstream = request({ hostname, port: Number(port), method, path, headers }, (up) => {
      record(up.statusCode ?? 0, false);
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      record(502, false);
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  }

  private issueToken(req: IncomingMessage, res: ServerResponse, record: (s: number, f: boolean) => void): void {
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    const authorization = req.headers.authorization;
    this.tokenRequests.push({ authorization, scope: url.searchParams.get('scope') ?? undefined, service: url.searchParams.get('service') ?? undefined });
    const { username, password } = this.options.tokenAuth!;
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    drain(req, () => {
      if (authorization !== expected) {
        record(401, false);
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      const token = randomBytes(16).toString('hex');
      this.tokens.add(token);
      record(200, false);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
    });
  }
}

function drain(req: IncomingMessage, then: () => void): void {
  req.on('data', () => undefined);
  req.on('end', then);
  req.on('error', then);
}
