/**
 * What a failed push means: transient failures (5xx, 429 / TOOMANYREQUESTS, connection resets,
 * timeouts) are worth another attempt; authentication and name errors are not.
 */

export type PushFailureKind = 'transient' | 'auth' | 'name' | 'other';

const AUTH = [
  /unauthorized/i,
  /authentication required/i,
  /\bdenied\b/i,
  /no basic auth credentials/i,
  /\b401\b/,
  /\b403\b/,
  /incorrect username or password/i,
];
const NAME = [
  /name unknown/i,
  /NAME_INVALID/,
  /invalid reference format/i,
  /repository name must be lowercase/i,
  /tag does not exist/i,
  /An image does not exist locally/i,
  /manifest invalid/i,
];
const TRANSIENT = [
  /\b5\d\d\b/,
  /\b429\b/,
  /toomanyrequests/i,
  /too many requests/i,
  /connection reset/i,
  /connection refused/i,
  /broken pipe/i,
  /i\/o timeout/i,
  /TLS handshake timeout/i,
  /timed out/i,
  /timeout exceeded/i,
  /unexpected EOF/i,
  /\bEOF\b/,
  /service unavailable/i,
  /bad gateway/i,
  /gateway time-?out/i,
  /ECONNRESET|ETIMEDOUT|EPIPE|ECONNREFUSED|UND_ERR_SOCKET/,
];

export function classifyPushFailure(output: string): PushFailureKind {
  if (AUTH.some((r) => r.test(output))) return 'auth';
  if (NAME.some((r) => r.test(output))) return 'name';
  if (TRANSIENT.some((r) => r.test(output))) return 'transient';
  return 'other';
}
