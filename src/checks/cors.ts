/**
 * The browser's CORS check of a preflight answer (Fetch standard, "CORS-preflight fetch"), as a
 * pure function: given the preflight's status and headers, would a browser send the real request?
 */
import type { CorsSpec } from './types.js';

const SAFELISTED_METHODS = ['GET', 'HEAD', 'POST'];
// content-type is left out on purpose: a request that names it sends a non-simple type (JSON).
const SAFELISTED_HEADERS = ['accept', 'accept-language', 'content-language'];

function list(value: string | null): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The reasons a browser would refuse the request after this preflight; empty means allowed. */
export function preflightRefusals(spec: CorsSpec, status: number, headers: Headers): string[] {
  const reasons: string[] = [];
  if (status < 200 || status > 299) reasons.push(`the preflight answered status ${status}`);
  const allowOrigin = headers.get('access-control-allow-origin');
  if (allowOrigin === null) reasons.push('no Access-Control-Allow-Origin header');
  else if (allowOrigin.trim() === '*') {
    if (spec.credentials) reasons.push('Access-Control-Allow-Origin is *, which does not allow credentials');
  } else if (allowOrigin.trim() !== spec.origin) {
    reasons.push(`Access-Control-Allow-Origin is "${allowOrigin}", not ${spec.origin}`);
  }
  if (spec.credentials && headers.get('access-control-allow-credentials')?.trim() !== 'true') {
    reasons.push('Access-Control-Allow-Credentials is not true');
  }
  const methods = list(headers.get('access-control-allow-methods'));
  const method = spec.method.toUpperCase();
  const anyMethod = methods.includes('*') && !spec.credentials;
  if (!SAFELISTED_METHODS.includes(method) && !anyMethod && !methods.some((m) => m.toUpperCase() === method)) {
    reasons.push(`method ${method} is not in Access-Control-Allow-Methods (${methods.join(', ') || 'none'})`);
  }
  const allowedHeaders = list(headers.get('access-control-allow-headers')).map((h) => h.toLowerCase());
  const anyHeader = allowedHeaders.includes('*') && !spec.credentials;
  for (const name of spec.requestHeaders.map((h) => h.toLowerCase())) {
    if (SAFELISTED_HEADERS.includes(name) || allowedHeaders.includes(name)) continue;
    // `*` never covers Authorization.
    if (anyHeader && name !== 'authorization') continue;
    reasons.push(`header ${name} is not in Access-Control-Allow-Headers (${allowedHeaders.join(', ') || 'none'})`);
  }
  return reasons;
}

/** The headers of the preflight request itself. */
export function preflightHeaders(spec: CorsSpec): Record<string, string> {
  const headers: Record<string, string> = {
    origin: spec.origin,
    'access-control-request-method': spec.method.toUpperCase(),
  };
  if (spec.requestHeaders.length > 0) headers['access-control-request-headers'] = spec.requestHeaders.map((h) => h.toLowerCase()).join(',');
  return headers;
}

/** The check's verdict on a preflight: reasons it failed the expectation (allowed or refused). */
export function evaluatePreflight(spec: CorsSpec, status: number, headers: Headers): string[] {
  const refusals = preflightRefusals(spec, status, headers);
  if (spec.allowed) return refusals.length > 0 ? [`CORS preflight from ${spec.origin} refused ${spec.method.toUpperCase()}: ${refusals.join('; ')}`] : [];
  return refusals.length > 0 ? [] : [`CORS preflight from ${spec.origin} allowed ${spec.method.toUpperCase()}, expected it to be refused`];
}
