/**
 * Metric presets: where common instrumentation puts the request count, the status and the latency
 * histogram, and in what form the status is written. `metrics-preset` picks one; the built-in
 * templates (success-rate, latency) and the pre-flight read them.
 */
import { ConfigurationError } from '../runtime/errors.js';
import { closest } from '../runtime/parse.js';
import type { MetricNames, StatusForm } from './config.js';

export type { StatusForm };

export interface MetricPreset {
  name: string;
  /** Who writes these series, for messages and the README. */
  source: string;
  names: MetricNames;
  /** How canary and stable series are told apart with this instrumentation (README, pre-flight fixes). */
  trackHint: string;
  /** Something the user must switch on for the latency histogram to exist (pre-flight fix). */
  histogramHint?: string;
}

/** Status values the pre-flight accepts for each form: `500` (codes) or `5xx` (classes). */
export const STATUS_PATTERNS: Record<StatusForm, RegExp> = { code: /^[1-5]\d\d$/, class: /^[1-5]xx$/ };
export const ERROR_PATTERNS: Record<StatusForm, string> = { code: '5..', class: '5xx' };

const APP_TRACK = 'the scrape config adds the track label (e.g. track="canary" / track="stable") to each target';

export const PRESETS: readonly MetricPreset[] = [
  {
    name: 'default',
    source: 'Prometheus naming conventions (http_requests_total{code})',
    names: { requests: 'http_requests_total', duration: 'http_request_duration_seconds', codeLabel: 'code', errorCodes: '5..', statusForm: 'code' },
    trackHint: APP_TRACK,
  },
  {
    name: 'prometheus-fastapi-instrumentator',
    source: 'prometheus-fastapi-instrumentator defaults (status grouped as 2xx/5xx)',
    // http_request_duration_seconds has only a few buckets (0.1, 0.5, 1) by default; the unlabelled
    // _highr_ histogram has 20+ and is what a quantile should be read from.
    names: {
      requests: 'http_requests_total',
      duration: 'http_request_duration_highr_seconds',
      codeLabel: 'status',
      errorCodes: '5xx',
      statusForm: 'class',
    },
    trackHint: APP_TRACK,
  },
  {
    name: 'prometheus-flask-exporter',
    source: 'prometheus-flask-exporter defaults (flask_http_request_total{status})',
    names: {
      requests: 'flask_http_request_total',
      duration: 'flask_http_request_duration_seconds',
      codeLabel: 'status',
      errorCodes: '5..',
      statusForm: 'code',
    },
    trackHint: APP_TRACK,
  },
  {
    name: 'express-prom-bundle',
    source: 'express-prom-bundle on prom-client (http_request_duration_seconds histogram with status_code; its _count is the request count)',
    names: {
      requests: 'http_request_duration_seconds_count',
      duration: 'http_request_duration_seconds',
      codeLabel: 'status_code',
      errorCodes: '5..',
      statusForm: 'code',
    },
    trackHint: APP_TRACK,
    histogramHint: 'keep metricType: histogram (the default); a summary has no buckets to take a quantile across replicas from',
  },
  {
    name: 'ingress-nginx',
    source: 'the ingress-nginx controller (nginx_ingress_controller_requests{status})',
    names: {
      requests: 'nginx_ingress_controller_requests',
      duration: 'nginx_ingress_controller_request_duration_seconds',
      codeLabel: 'status',
      errorCodes: '5..',
      statusForm: 'code',
    },
    trackHint: 'the controller labels series with the backend Service: service="<app>-canary" / service="<app>" (track-label: service)',
  },
  {
    name: 'istio',
    source: 'Istio / Envoy standard metrics (istio_requests_total{response_code}), as reported by the destination',
    names: {
      requests: 'istio_requests_total',
      duration: 'istio_request_duration_milliseconds',
      codeLabel: 'response_code',
      // 0: Envoy answered nothing (reset, timeout before headers) — a failure for the caller.
      errorCodes: '5..|0',
      statusForm: 'code',
      durationUnit: 'milliseconds',
      // Both proxies report each request; one reporter counts it once.
      matchers: 'reporter="destination"',
      extraStatusValues: ['0'],
    },
    trackHint: 'series carry the workload: destination_workload="<app>-canary" / "<app>" (track-label: destination_workload), or destination_version',
  },
  {
    name: 'spring-boot',
    source: 'Spring Boot Actuator with Micrometer (http_server_requests_seconds{status})',
    names: {
      requests: 'http_server_requests_seconds_count',
      duration: 'http_server_requests_seconds',
      codeLabel: 'status',
      errorCodes: '5..',
      statusForm: 'code',
      // Prometheus's own scrapes of /actuator/prometheus are requests too; they would dilute the error rate.
      matchers: 'uri!~"/actuator.*"',
    },
    trackHint: APP_TRACK,
    histogramHint: 'set management.metrics.distribution.percentiles-histogram.http.server.requests=true (Micrometer publishes no buckets by default)',
  },
  {
    name: 'traefik',
    source: 'Traefik service metrics (traefik_service_requests_total{code})',
    names: {
      requests: 'traefik_service_requests_total',
      duration: 'traefik_service_request_duration_seconds',
      codeLabel: 'code',
      errorCodes: '5..',
      statusForm: 'code',
    },
    trackHint: 'series carry the Traefik service: service="<app>-canary@<provider>" / "<app>@<provider>" (track-label: service)',
    histogramHint: 'enable metrics.prometheus.addServicesLabels: true',
  },
];

export const PRESET_NAMES: readonly string[] = PRESETS.map((p) => p.name);

/** The preset called `name`; an unknown one is a ConfigurationError with the list and the nearest name. */
export function presetByName(name: string, input = 'metrics-preset'): MetricPreset {
  const wanted = name.trim().toLowerCase();
  const found = PRESETS.find((p) => p.name === wanted);
  if (found) return found;
  const near = closest(wanted, PRESET_NAMES);
  throw new ConfigurationError(
    `${input} is "${name}": give one of ${PRESET_NAMES.join(', ')}${near ? ` (did you mean ${near}?)` : ''}, or set the metric names yourself.`,
    { input },
  );
}

/** The presets whose request metric is among `metricNames` (what Prometheus has), for a "did you mean" fix. */
export function presetsMatching(metricNames: readonly string[]): MetricPreset[] {
  const have = new Set(metricNames);
  return PRESETS.filter((p) => have.has(p.names.requests) || have.has(p.names.requests.replace(/_count$/, '_bucket')));
}

export interface MetricNameOverrides {
  requests?: string;
  duration?: string;
  codeLabel?: string;
  statusForm?: StatusForm;
}

/** A preset's names with the user's overrides, each checked (metric and label name syntax). */
export function resolveMetricNames(
  preset: MetricPreset,
  overrides: MetricNameOverrides = {},
  inputs: Partial<Record<keyof MetricNameOverrides, string>> = {},
): MetricNames {
  const names: MetricNames = { ...preset.names };
  const check = (value: string, key: keyof MetricNameOverrides, pattern: RegExp, what: string): string => {
    const v = value.trim();
    if (!pattern.test(v)) {
      const input = inputs[key] ?? key;
      throw new ConfigurationError(`${input} is "${value}", which is not a Prometheus ${what} name (letters, digits and _${what === 'metric' ? ', :' : ''}).`, {
        input,
      });
    }
    return v;
  };
  if (overrides.requests) names.requests = check(overrides.requests, 'requests', /^[A-Za-z_:][A-Za-z0-9_:]*$/, 'metric');
  if (overrides.duration) names.duration = check(overrides.duration, 'duration', /^[A-Za-z_:][A-Za-z0-9_:]*$/, 'metric').replace(/_bucket$/, '');
  if (overrides.codeLabel) names.codeLabel = check(overrides.codeLabel, 'codeLabel', /^[A-Za-z_][A-Za-z0-9_]*$/, 'label');
  if (overrides.statusForm && overrides.statusForm !== (names.statusForm ?? 'code')) {
    names.statusForm = overrides.statusForm;
    names.errorCodes = ERROR_PATTERNS[overrides.statusForm];
  }
  return names;
}
