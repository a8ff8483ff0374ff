/** The typed form of a checks document, and what running a check yields. */
import type { TextPattern } from '../util/user-pattern.js';
import type { PathSegment } from './json-path.js';

/** One way a value (a JSON field, a response header) is asserted. */
export type ValueAssertion =
  | { op: 'equals'; value: unknown }
  | { op: 'not-equals'; value: unknown }
  | { op: 'matches'; pattern: TextPattern; source: string }
  | { op: 'exists'; value: boolean }
  | { op: 'one-of'; values: unknown[] }
  | { op: 'contains'; value: unknown }
  | { op: '<' | '<=' | '>' | '>='; value: number };

/** A JSON field (by path) or a header (by name) and the assertions on it. */
export interface TargetedAssertion {
  /** The path (`data.items[0].id`) or header name as written. */
  target: string;
  /** For a JSON field: the parsed path. */
  path?: PathSegment[];
  assertions: ValueAssertion[];
}

/** A status code or a class such as 2xx. */
export type StatusMatcher = { code: number } | { class: number };

export interface BodyExpectation {
  contains: string[];
  notContains: string[];
  matches: Array<{ pattern: TextPattern; source: string }>;
}

export interface TlsExpectation {
  /** Fewer days than this before the certificate expires fails the check. */
  minDays?: number;
  /** The certificate must be valid for the URL's host name (default true). */
  hostname: boolean;
}

export interface Expectations {
  /** Undefined means 2xx (or, for a CORS preflight, whatever the preflight rule says). */
  status?: StatusMatcher[];
  json: TargetedAssertion[];
  headers: TargetedAssertion[];
  body?: BodyExpectation;
  maxLatencyMs?: number;
  p50LatencyMs?: number;
  p95LatencyMs?: number;
  p99LatencyMs?: number;
  /** Percent, 0..100, over the requests of `repeat` or `load`. */
  errorRatePercent?: number;
  tls?: TlsExpectation;
}

export interface CorsSpec {
  origin: string;
  /** The method the real request would use (Access-Control-Request-Method). */
  method: string;
  /** Non-simple request headers the real request would send (Access-Control-Request-Headers). */
  requestHeaders: string[];
  credentials: boolean;
  /** true: the preflight must allow the request; false: it must refuse it. */
  allowed: boolean;
}

export interface LoadSpec {
  requests: number;
  concurrency: number;
}

export interface Check {
  /** 0-based position in the document. */
  index: number;
  name: string;
  /** `checks[2] ("backend health")`, for messages. */
  label: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Wait until ready: retry a failing check until this much time has passed (0 = one attempt). */
  timeoutMs: number;
  /** Deadline of one request. */
  requestTimeoutMs: number;
  followRedirects: boolean;
  ca?: string;
  insecure: boolean;
  /** Sequential repetitions measured together (latency percentiles, error rate). */
  repeat?: number;
  load?: LoadSpec;
  cors?: CorsSpec;
  expect: Expectations;
  /** Only TLS expectations: the check makes a TLS handshake and no HTTP request. */
  tlsOnly: boolean;
}

export interface LatencyStats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  daysLeft: number;
  /** The chain verified against the trusted CAs. */
  trusted: boolean;
  trustError?: string;
  hostnameValid: boolean;
  hostnameError?: string;
}

export interface CheckResult {
  name: string;
  url: string;
  method: string;
  passed: boolean;
  /** HTTP status of the last response, when there was one. */
  status?: number;
  /** Latency of the last response (single request) or the p50 of repeat/load, ms. */
  latencyMs?: number;
  /** Attempts made to get a passing result (wait until ready). */
  attempts: number;
  /** Why it failed (the reasons joined), when it failed. */
  error?: string;
  reasons: string[];
  /** Over repeat/load requests. */
  samples?: { requests: number; failed: number; errorRatePercent: number; latency?: LatencyStats };
  certificate?: CertificateInfo;
  /** The start of the last response body, for a failure's details. */
  bodyExcerpt?: string;
  durationMs: number;
}
