/**
 * A small client for the OCI distribution API: read a manifest (any image or index media type),
 * its digest, and put the exact bytes under another tag. Authenticates as registries ask: the
 * Bearer token flow from `WWW-Authenticate` (Basic credentials on the token request), else Basic.
 */
import { createHash } from 'node:crypto';
import { request as plainRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '../runtime/logger.js';
import { parseAuthChallenge } from './auth-challenge.js';
import { describeTransportError, httpRequest, isTransientError, isTransientStatus, retry, type HttpResponse } from '../http/index.js';
import { OperationFailedError, errorMessage } from '../runtime/errors.js';
import { DOCKER_HUB } from './reference.js';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** Every manifest and index type we can copy byte for byte; schema 1 is signed per tag and cannot be. */
/** Manifests above this are refused (the distribution spec's recommended limit); other registry answers are small too. */
export const MAX_MANIFEST_BYTES = 4 << 20;
const MAX_TOKEN_BYTES = 1 << 20;

export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest];

export interface Manifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface RegistryClientOptions {
  /** Registry host, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  registry: string;
  username?: string;
  password?: string;
  /** Asked once, on the first challenge, when no username/password is given (a docker login's config, a credential helper). */
  credentials?: () => Promise<{ username: string; password: string } | undefined>;
  /** Per request. */
  timeoutMs?: number;
  /** Retries of a request that failed transiently (5xx, 429, network). */
  retries?: number;
  baseDelayMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

export class RegistryHttpError extends Error {
  override name = 'RegistryHttpError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Plain HTTP for loopback registries (as Docker allows), HTTPS for everything else. */
export function registryBaseUrl(registry: string): string {
  if (registry === DOCKER_HUB) return 'https://registry-1.docker.io';
  const host = registry.replace(/:\d+$/, '');
  const loopback = host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
  return `${loopback ? 'http' : 'https'}://${registry}`;
}

export class RegistryClient {
  private readonly base: string;
  private readonly tokens = new Map<string, string>();
  private basic = false;
  /** HTTP requests made, retries included (for reports and tests). */
  requests = 0;
  retries = 0;

  private readonly options: RegistryClientOptions;

  constructor(options: RegistryClientOptions) {
    this.options = { ...options };
    this.base = registryBaseUrl(options.registry);
  }

  async getManifest(repository: string, reference: string): Promise<Manifest> {
    const res = await this.request('GET', repository, `manifests/${reference}`, { accept: MANIFEST_ACCEPT.join(', ') });
    if (res.status === 404) throw notFound(this.options.registry, repository, reference);
    expectOk(res, `GET manifest ${repository}:${reference}`);
    const bytes = Buffer.from(res.bytes ?? new Uint8Array());
    const mediaType = mediaTypeOf(res.headers.get('content-type'), bytes);
    const digest = sha256Digest(bytes);
    const claimed = res.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) {
      throw new OperationFailedError(`The registry says ${repository}:${reference} is ${claimed}, but its bytes hash to ${digest}; refusing to copy it.`);
    }
    // Fetched by digest: the bytes must be that digest, whatever the headers say.
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new OperationFailedError(`${repository}@${reference} answered bytes that hash to ${digest}; refusing to use them.`);
    }
    return { bytes, mediaType, digest };
  }

  /** The digest a tag points at, or undefined when the tag does not exist. */
  async headManifest(repository: string, reference: string): Promise<{ digest: string; mediaType: string } | undefined> {
    const res = await this.request('HEAD', repository, `manifests/${reference}`, { accept: MANIFEST_ACCEPT.join(', ') });
    if (res.status === 404) return undefined;
    expectOk(res, `HEAD manifest ${repository}:${reference}`);
    const digest = res.headers.get('docker-content-digest');
    if (digest) return { digest, mediaType: res.headers.get('content-type') ?? '' };
    // Some registries leave the digest off HEAD; the bytes tell it.
    const m = await this.getManifest(repository, reference);
    return { digest: m.digest, mediaType: m.mediaType };
  }

  /** PUTs the exact bytes under `tag` with the same Content-Type; returns the registry's digest. */
  async putManifest(repository: string, tag: string, manifest: Manifest): Promise<string> {
    const res = await this.request('PUT', repository, `manifests/${tag}`, { 'content-type': manifest.mediaType }, manifest.bytes);
    expectOk(res, `PUT manifest ${repository}:${tag}`);
    return res.headers.get('docker-content-digest') ?? manifest.digest;
  }

  /** True when the repository already holds the blob. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.request('HEAD', repository, `blobs/${digest}`, {});
    if (res.status === 404) return false;
    expectOk(res, `HEAD blob ${repository}@${digest}`);
    return true;
  }

  /** Cross-repository mount (same registry): true when the registry mounted it, false when it wants an upload instead. */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const res = await this.request(
      'POST',
      repository,
      `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      { 'content-length': '0' },
      undefined,
      `repository:${from}:pull`,
    );
    if (res.status === 201) return true;
    if (res.status === 202) {
      // The registry opened an upload instead; close it, streamBlob opens its own.
      const location = res.headers.get('location');
      if (location) await this.send('DELETE', new URL(location, this.base).toString(), this.authorization(pushScope(repository))).catch(() => undefined);
      return false;
    }
    expectOk(res, `mount blob ${digest} into ${repository}`);
    return false;
  }

  /**
   * Streams a blob from `source` (another client, any registry) into this repository: one GET piped
   * into one monolithic PUT, never held whole in memory. The registry checks the digest on PUT.
   */
  async copyBlobFrom(source: RegistryClient, sourceRepository: string, repository: string, digest: string, size: number): Promise<void> {
    const outcome = await retry(
      async () => {
        const download = await source.openBlob(sourceRepository, digest);
        let start: HttpResponse;
        try {
          start = await this.request('POST', repository, 'blobs/uploads/', { 'content-length': '0' });
          if (start.status !== 202) expectOk(start, `start upload of ${digest} to ${repository}`);
        } catch (err) {
          download.destroy();
          throw err;
        }
        const location = start.headers.get('location');
        if (!location) {
          download.destroy();
          throw new OperationFailedError(`${this.options.registry} opened an upload to ${repository} without a Location header.`);
        }
        const url = new URL(location, this.base);
        url.searchParams.set('digest', digest);
        this.requests++;
        // node:http piping: about three times the throughput of fetch with a streamed body (measured here).
        const res = await new Promise<IncomingMessage>((resolve, reject) => {
          const req = (url.protocol === 'https:' ? httpsRequest : plainRequest)(
            url,
            {
              method: 'PUT',
              headers: { ...this.authorization(pushScope(repository)), 'content-type': 'application/octet-stream', 'content-length': String(size) },
              signal: this.options.signal,
            },
            resolve,
          );
          req.on('error', (err) => reject(describeTransportError(err)));
          download.on('error', (err) => req.destroy(err));
          download.pipe(req);
        });
        const text = await readSmall(res);
        if (res.statusCode !== 201) {
          if (isTransientStatus(res.statusCode ?? 0)) throw new RegistryHttpError(`PUT blob ${digest} answered ${res.statusCode}`, res.statusCode ?? 0);
          throw new OperationFailedError(`Uploading ${digest} to ${repository} failed: ${res.statusCode} ${res.statusMessage} — ${registryErrorText(text)}`);
        }
      },
      {
        maxAttempts: (this.options.retries ?? 3) + 1,
        policy: { initialMs: this.options.baseDelayMs ?? 500, maxMs: 10_000, factor: 2, jitter: 0.5 },
        signal: this.options.signal,
        retryable: (err) => err instanceof RegistryHttpError || isTransientError(err),
      },
    );
    if (!outcome.ok) {
      throw outcome.error instanceof OperationFailedError
        ? outcome.error
        : new OperationFailedError(`Copying ${digest} to ${repository} failed: ${errorMessage(outcome.error)}`);
    }
  }

  /** A blob's body as a stream; redirects to storage are followed, without our Authorization on another origin. */
  async openBlob(repository: string, digest: string): Promise<IncomingMessage> {
    const url = new URL(`${this.base}/v2/${repository}/blobs/${digest}`);
    const scope = `repository:${repository}:pull`;
    const get = (): Promise<IncomingMessage> => {
      this.requests++;
      return openStream(url, this.authorization(scope), this.options.signal, 5);
    };
    let res = await get();
    if (res.statusCode === 401) {
      res.resume();
      await this.authenticate(res.headers['www-authenticate'] ?? null, scope);
      res = await get();
    }
    if (res.statusCode !== 200) {
      const text = await readSmall(res);
      if (isTransientStatus(res.statusCode ?? 0)) throw new RegistryHttpError(`GET blob ${digest} answered ${res.statusCode}`, res.statusCode ?? 0);
      throw new OperationFailedError(`GET blob ${repository}@${digest} failed: ${res.statusCode} ${res.statusMessage} — ${registryErrorText(text)}`);
    }
    return res;
  }

  private async request(
    method: string,
    repository: string,
    path: string,
    headers: Record<string, string>,
    body?: Buffer,
    extraScope?: string,
  ): Promise<HttpResponse> {
    const url = `${this.base}/v2/${repository}/${path}`;
    const own = method === 'PUT' || method === 'POST' || method === 'PATCH' ? pushScope(repository) : `repository:${repository}:pull`;
    const scope = extraScope ? `${own} ${extraScope}` : own;
    const send = async (): Promise<HttpResponse> => {
      let res = await this.send(method, url, { ...headers, ...this.authorization(scope) }, body);
      if (res.status === 401) {
        await this.authenticate(res.headers.get('www-authenticate'), scope);
        res = await this.send(method, url, { ...headers, ...this.authorization(scope) }, body);
        if (res.status === 401) {
          throw new OperationFailedError(
            `${this.options.registry} refused the credentials for ${repository} (401 Unauthorized)${this.options.username ? ` as ${this.options.username}` : ' without credentials'}; check username and password.`,
          );
        }
      }
      if (isTransientStatus(res.status)) throw new RegistryHttpError(`${method} ${url} answered ${res.status} ${res.statusText}`, res.status);
      return res;
    };
    const outcome = await retry(send, {
      maxAttempts: (this.options.retries ?? 3) + 1,
      policy: { initialMs: this.options.baseDelayMs ?? 500, maxMs: 10_000, factor: 2, jitter: 0.5 },
      signal: this.options.signal,
      retryable: (err) => err instanceof RegistryHttpError || isTransientError(err),
      onRetry: ({ attempt, error, delayMs }) => {
        this.retries++;
        this.options.log?.info(`${errorMessage(error)}; retrying in ${delayMs}ms (attempt ${attempt + 1})`);
      },
    });
    if (outcome.ok) return outcome.value!;
    if (outcome.error instanceof OperationFailedError) throw outcome.error;
    throw new OperationFailedError(`${method} ${url} failed after ${outcome.attempts} attempt(s): ${errorMessage(outcome.error)}`);
  }

  /** The registry host (for messages and same-registry checks). */
  get registry(): string {
    return this.options.registry;
  }

  private send(method: string, url: string, headers: Record<string, string>, body?: Buffer): Promise<HttpResponse> {
    this.requests++;
    return httpRequest({
      url,
      method,
      headers,
      body,
      binary: true,
      maxBytes: MAX_MANIFEST_BYTES,
      timeoutMs: this.options.timeoutMs ?? 30_000,
      signal: this.options.signal,
    });
  }

  private authorization(scope: string): Record<string, string> {
    const token = this.tokens.get(scope);
    if (token) return { authorization: `Bearer ${token}` };
    if (this.basic && this.options.username !== undefined) return { authorization: `Basic ${basicCredentials(this.options)}` };
    return {};
  }

  private async authenticate(header: string | null, scope: string): Promise<void> {
    const challenge = parseAuthChallenge(header);
    if (this.options.username === undefined && this.options.credentials) {
      const found = await this.options.credentials();
      this.options.credentials = undefined;
      if (found) {
        this.options.username = found.username;
        this.options.password = found.password;
      }
    }
    if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      const realm = new URL(challenge.params.realm);
      if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
      for (const part of scope.split(' ')) realm.searchParams.append('scope', part);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.options.username) {
        if (!mayReceiveCredentials(realm, this.base)) {
          throw new OperationFailedError(
            `${this.options.registry} sends the token request to ${realm.origin}, which is neither https nor the registry itself: refusing to send the credentials of ${this.options.username} there.`,
          );
        }
        headers.authorization = `Basic ${basicCredentials(this.options)}`;
      }
      this.requests++;
      const res = await httpRequest({
        url: realm,
        headers,
        maxBytes: MAX_TOKEN_BYTES,
        followRedirects: false,
        timeoutMs: this.options.timeoutMs ?? 30_000,
        signal: this.options.signal,
      });
      if (res.status !== 200) {
        throw new OperationFailedError(
          `The token service ${realm.origin}${realm.pathname} refused ${this.options.username ? `the credentials of ${this.options.username}` : 'an anonymous token'} for ${scope} (${res.status}); check username and password.`,
        );
      }
      let token: string | undefined;
      try {
        const json = JSON.parse(res.body) as { token?: string; access_token?: string };
        token = json.token ?? json.access_token;
      } catch {
        // handled below
      }
      if (!token) throw new OperationFailedError(`The token service ${realm.origin} answered without a token.`);
      this.options.log?.debug(`registry token obtained for ${scope}`);
      this.tokens.set(scope, token);
      return;
    }
    if (this.options.username === undefined) {
      throw new OperationFailedError(`${this.options.registry} requires authentication (${challenge?.scheme ?? 'no challenge'}); give username and password.`);
    }
    // Basic, or a challenge we do not understand: plain Basic is what every registry accepts then.
    this.basic = true;
  }
}

function openStream(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined, redirects: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : plainRequest)(url, { headers, signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
        res.resume();
        const next = new URL(res.headers.location, url);
        resolve(openStream(next, next.origin === url.origin ? headers : {}, signal, redirects - 1));
        return;
      }
      resolve(res);
    });
    req.on('error', (err) => reject(describeTransportError(err)));
    req.end();
  });
}

/** An error body, at most 64 KiB of it. */
async function readSmall(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res) {
    total += (chunk as Buffer).length;
    if (total > 64 << 10) {
      res.destroy();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Basic credentials go to an https token realm, or to the registry's own origin (a loopback registry's plain http). */
export function mayReceiveCredentials(realm: URL, registryBase: string): boolean {
  return realm.protocol === 'https:' || realm.origin === new URL(registryBase).origin;
}

function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

function basicCredentials(o: { username?: string; password?: string }): string {
  return Buffer.from(`${o.username ?? ''}:${o.password ?? ''}`).toString('base64');
}

function notFound(registry: string, repository: string, reference: string): OperationFailedError {
  return new OperationFailedError(`${registry}/${repository}:${reference} does not exist in the registry (404); check the tag and the image name.`);
}

function expectOk(res: HttpResponse, what: string): void {
  if (res.status >= 200 && res.status < 300) return;
  const detail = registryErrorText(res.bytes ? Buffer.from(res.bytes).toString('utf8') : res.body);
  throw new OperationFailedError(`${what} failed: ${res.status} ${res.statusText}${detail ? ` — ${detail}` : ''}`);
}

/** The `errors[].code: message` of a distribution error body, or its first 200 characters. */
export function registryErrorText(body: string): string {
  try {
    const json = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }> };
    if (Array.isArray(json.errors)) return json.errors.map((e) => `${e.code ?? ''}: ${e.message ?? ''}`).join('; ');
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 200);
}

/** The media type from Content-Type, else from the manifest's own mediaType field. */
function mediaTypeOf(contentType: string | null, bytes: Buffer): string {
  const header = contentType?.split(';')[0]?.trim();
  if (header && header !== 'application/json' && header !== 'text/plain') return header;
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown };
    if (doc.mediaType) return doc.mediaType;
    return doc.manifests ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
  } catch {
    return header ?? MEDIA_TYPES.ociManifest;
  }
}
