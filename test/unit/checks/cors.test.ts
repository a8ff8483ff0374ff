import { describe, expect, it } from 'vitest';
import { evaluatePreflight, preflightHeaders, preflightRefusals } from '../../../src/checks/cors.js';
import type { CorsSpec } from '../../../src/checks/types.js';

const spec: CorsSpec = {
  origin: 'https://app.example.com',
  method: 'PUT',
  requestHeaders: ['Content-Type', 'Authorization'],
  credentials: false,
  allowed: true,
};
const allowAll = new Headers({
  'access-control-allow-origin': 'https://app.example.com',
  'access-control-allow-methods': 'GET, POST, PUT',
  'access-control-allow-headers': 'content-type, authorization',
});

describe('CORS preflight rules', () => {
  it('allows a matching origin, method and headers', () => {
    expect(preflightRefusals(spec, 204, allowAll)).toEqual([]);
  });
  it('refuses a missing or different origin, a bad status, a missing method or header', () => {
    expect(preflightRefusals(spec, 204, new Headers())).toEqual([
      'no Access-Control-Allow-Origin header',
      'method PUT is not in Access-Control-Allow-Methods (none)',
      'header content-type is not in Access-Control-Allow-Headers (none)',
      'header authorization is not in Access-Control-Allow-Headers (none)',
    ]);
    const other = new Headers(allowAll);
    other.set('access-control-allow-origin', 'https://evil.example.com');
    expect(preflightRefusals(spec, 204, other)).toEqual(['Access-Control-Allow-Origin is "https://evil.example.com", not https://app.example.com']);
    expect(preflightRefusals(spec, 403, allowAll)).toEqual(['the preflight answered status 403']);
  });
  it('needs no listing for GET/HEAD/POST or safelisted headers', () => {
    const h = new Headers({ 'access-control-allow-origin': '*' });
    expect(preflightRefusals({ ...spec, method: 'POST', requestHeaders: ['Accept'] }, 200, h)).toEqual([]);
  });
  it('treats * as any, except with credentials and for Authorization', () => {
    const star = new Headers({ 'access-control-allow-origin': '*', 'access-control-allow-methods': '*', 'access-control-allow-headers': '*' });
    expect(preflightRefusals({ ...spec, requestHeaders: ['X-Trace'] }, 204, star)).toEqual([]);
    expect(preflightRefusals(spec, 204, star)).toEqual(['header authorization is not in Access-Control-Allow-Headers (*)']);
    expect(preflightRefusals({ ...spec, requestHeaders: [], credentials: true }, 204, star)).toEqual([
      'Access-Control-Allow-Origin is *, which does not allow credentials',
      'Access-Control-Allow-Credentials is not true',
      'method PUT is not in Access-Control-Allow-Methods (*)',
    ]);
  });
  it('judges against the expectation: allowed or refused', () => {
    expect(evaluatePreflight(spec, 204, allowAll)).toEqual([]);
    expect(evaluatePreflight({ ...spec, allowed: false }, 204, allowAll)).toEqual([
      'CORS preflight from https://app.example.com allowed PUT, expected it to be refused',
    ]);
    expect(evaluatePreflight({ ...spec, allowed: false }, 204, new Headers())).toEqual([]);
    expect(evaluatePreflight(spec, 204, new Headers())).toEqual([
      'CORS preflight from https://app.example.com refused PUT: no Access-Control-Allow-Origin header; method PUT is not in Access-Control-Allow-Methods (none); ' +
        'header content-type is not in Access-Control-Allow-Headers (none); header authorization is not in Access-Control-Allow-Headers (none)',
    ]);
  });
  it('sends Origin and the Access-Control-Request-* headers', () => {
    expect(preflightHeaders(spec)).toEqual({
      origin: 'https://app.example.com',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type,authorization',
    });
  });
});
