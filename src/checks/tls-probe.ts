/**
 * Reads a server's certificate with a TLS handshake (node:tls): expiry, chain trust and host name,
 * each reported on its own rather than as one failed connection.
 */
import { isIP } from 'node:net';
import { checkServerIdentity, connect, rootCertificates, type PeerCertificate } from 'node:tls';
import { HttpTransportError, describeTransportError } from '../http/client.js';
import type { CertificateInfo, TlsExpectation } from './types.js';

const DAY_MS = 86_400_000;

export interface ProbeOptions {
  ca?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** For tests of expiry arithmetic; defaults to now. */
  now?: number;
}

export function inspectCertificate(url: string, options: ProbeOptions): Promise<CertificateInfo> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 443);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ca: options.ca ? [...rootCertificates, options.ca] : undefined,
      // Verification is judged below, part by part, so that an expired or misnamed certificate
      // is reported as such instead of as a refused connection.
      rejectUnauthorized: false,
      // Host name judged on its own below, so that `authorized` speaks of the chain only.
      checkServerIdentity: () => undefined,
    });
    const onAbort = (): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(options.signal!.reason);
    };
    const timer = setTimeout(() => {
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(new HttpTransportError(`no TLS handshake within ${options.timeoutMs}ms`, 'TIMEOUT', performance.now() - started));
    }, options.timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const cert = socket.getPeerCertificate();
      const identity = checkServerIdentity(host, cert);
      socket.end();
      resolve(certificateInfo(cert, socket.authorized, socket.authorizationError, identity, options.now ?? Date.now()));
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) return reject(options.signal.reason);
      reject(describeTransportError(err, performance.now() - started));
    });
  });
}

function certificateInfo(
  cert: PeerCertificate,
  authorized: boolean,
  authError: Error | null | undefined,
  identity: Error | undefined,
  now: number,
): CertificateInfo {
  const validTo = new Date(cert.valid_to);
  return {
    subject: commonName(cert.subject),
    issuer: commonName(cert.issuer),
    validFrom: new Date(cert.valid_from).toISOString(),
    validTo: validTo.toISOString(),
    daysLeft: Math.floor((validTo.getTime() - now) / DAY_MS),
    trusted: authorized,
    trustError: authorized ? undefined : String(authError ?? 'not trusted'),
    hostnameValid: identity === undefined,
    hostnameError: identity?.message,
  };
}

/** Reasons the certificate fails the check's expectation (pure). */
export function evaluateCertificate(info: CertificateInfo, expect: TlsExpectation, insecure: boolean): string[] {
  const reasons: string[] = [];
  if (!insecure && !info.trusted)
    reasons.push(`the certificate is not trusted (${info.trustError}); pass its CA with ca-file, or set insecure: true to skip verification`);
  if (expect.hostname && !info.hostnameValid) reasons.push(`the certificate is not valid for this host name: ${info.hostnameError}`);
  if (info.daysLeft < 0) reasons.push(`the certificate expired on ${info.validTo.slice(0, 10)}`);
  else if (expect.minDays !== undefined && info.daysLeft < expect.minDays) {
    reasons.push(
      `the certificate expires in ${info.daysLeft} day${info.daysLeft === 1 ? '' : 's'} (${info.validTo.slice(0, 10)}), fewer than the ${expect.minDays} required`,
    );
  }
  return reasons;
}

function commonName(name: PeerCertificate['subject'] | undefined): string {
  const cn = name?.CN;
  return Array.isArray(cn) ? cn.join(', ') : (cn ?? JSON.stringify(name ?? {}));
}
