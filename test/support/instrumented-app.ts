/**
 * A service as a given instrumentation library shows it to Prometheus: an HTTP server on
 * 127.0.0.1 whose /metrics is that library's exposition — metric names, label sets, status form,
 * histogram buckets, number format — written from each library's documented output. Traffic is
 * simulated at a steady rate (requests are counted as the library would count them), so a test
 * controls error rate and latency exactly without running Python, Java or a proxy here.
 */
import { createServer, type Server } from 'node:http';
import { freePort } from './ports.js';

export type InstrumentationStyle =
  'default' | 'prometheus-fastapi-instrumentator' | 'prometheus-flask-exporter' | 'express-prom-bundle' | 'ingress-nginx' | 'istio' | 'spring-boot' | 'traefik';

export const STYLES: readonly InstrumentationStyle[] = [
  'default',
  'prometheus-fastapi-instrumentator',
  'prometheus-flask-exporter',
  'express-prom-bundle',
  'ingress-nginx',
  'istio',
  'spring-boot',
  'traefik',
];

export interface InstrumentedAppOptions {
  /** Requests per second simulated (default 20). */
  rps?: number;
  /** Fraction of requests answered 500, spread evenly (first one included). */
  errorRate?: number;
  /** Latency of every request, ms (default 20). */
  latencyMs?: number;
  /** Latency varies by up to ± this fraction (deterministic sequence; default 0). */
  jitter?: number;
  /** For proxies (ingress-nginx, istio, traefik): the backend this app's series are labelled with. */
  backend?: string;
  /** FastAPI: should_group_status_codes (default true → 2xx/5xx). */
  groupStatusCodes?: boolean;
  /** Spring Boot: percentiles-histogram on (default true); off publishes no buckets. */
  histogram?: boolean;
}

export interface InstrumentedApp {
  style: InstrumentationStyle;
  /** 127.0.0.1:<port> for a Prometheus target. */
  address: string;
  url: string;
  /** Requests simulated so far, and the failed ones. */
  counts(): { requests: number; errors: number };
  /** Change error rate / latency from now on. */
  set(behaviour: { errorRate?: number; latencyMs?: number }): void;
  stop(): Promise<void>;
}

/** Default bucket lists of each library (seconds unless said otherwise). */
const PY_DEFAULT = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const PROM_CLIENT_GO = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FASTAPI_FEW = [0.1, 0.5, 1];
const FASTAPI_HIGHR = [0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7.5, 10, 30, 60];
const EXPRESS_PROM_BUNDLE = [0.003, 0.03, 0.1, 0.3, 1.5, 10];
const ISTIO_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
const TRAEFIK = [0.1, 0.3, 1.2, 5];
/** Micrometer's percentile-histogram boundaries for a timer (1 ms … 30 s; the first of them). */
const MICROMETER = [
  0.001, 0.001048576, 0.001398101, 0.001747626, 0.002097151, 0.002446676, 0.002796201, 0.003145726, 0.003495251, 0.003844776, 0.004194304, 0.005592405,
  0.006990506, 0.008388607, 0.009786708, 0.011184809, 0.01258291, 0.013981011, 0.015379112, 0.016777216, 0.022369621, 0.027962026, 0.033554431, 0.039146836,
  0.044739241, 0.050331646, 0.055924051, 0.061516456, 0.067108864, 0.089478485, 0.111848106, 0.134217727, 0.156587348, 0.178956969, 0.20132659, 0.223696211,
  0.246065832, 0.268435456, 0.357913941, 0.447392426, 0.536870911, 0.626349396, 0.715827881, 0.805306366, 0.894784851, 0.984263336, 1.073741824, 1.431655765,
  1.789569706, 2.147483647, 2.505397588, 2.863311529, 3.22122547, 3.579139411, 3.937053352, 4.294967296, 5.726623061, 7.158278826, 8.589934591, 10.021590356,
  11.453246121, 12.884901886, 14.316557651, 15.748213416, 17.179869184, 22.906492245, 28.633115306, 30,
];

type Labels = Record<string, string>;

/** A counter/histogram family keyed by label set, rendered in the text format. */
class Family {
  private readonly series = new Map<string, { labels: Labels; value: number; buckets?: number[]; sum?: number }>();
  constructor(
    readonly name: string,
    readonly type: 'counter' | 'histogram' | 'gauge' | 'summary',
    readonly help: string,
    readonly buckets: number[] = [],
  ) {}

  private get(labels: Labels) {
    const key = JSON.stringify(Object.entries(labels).sort());
    let s = this.series.get(key);
    if (!s) {
      s = {
        labels,
        value: 0,
        ...(this.type === 'histogram' ? { buckets: this.buckets.map(() => 0), sum: 0 } : {}),
        ...(this.type === 'summary' ? { sum: 0 } : {}),
      };
      this.series.set(key, s);
    }
    return s;
  }

  /** Makes the series exist at 0 (libraries that pre-create label sets). */
  touch(labels: Labels): void {
    this.get(labels);
  }

  inc(labels: Labels, by = 1): void {
    this.get(labels).value += by;
  }

  setGauge(labels: Labels, v: number): void {
    this.get(labels).value = v;
  }

  observe(labels: Labels, v: number): void {
    const s = this.get(labels);
    s.value++;
    s.sum! += v;
    if (s.buckets) this.buckets.forEach((le, i) => (v <= le ? s.buckets![i]!++ : undefined));
  }

  /** Labels in the order the library declares them, `le` last (as the client libraries write it). */
  render(fmt: NumberFormat): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    const lbl = (labels: Labels, extra?: [string, string]): string => {
      const entries = [...Object.entries(labels), ...(extra ? [extra] : [])];
      return entries.length ? `{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
    };
    for (const s of this.series.values()) {
      if (this.type === 'histogram') {
        this.buckets.forEach((le, i) => out.push(`${this.name}_bucket${lbl(s.labels, ['le', fmt(le)])} ${fmt(s.buckets![i]!)}`));
        out.push(`${this.name}_bucket${lbl(s.labels, ['le', '+Inf'])} ${fmt(s.value)}`);
        out.push(`${this.name}_count${lbl(s.labels)} ${fmt(s.value)}`);
        out.push(`${this.name}_sum${lbl(s.labels)} ${fmt(s.sum!)}`);
      } else if (this.type === 'summary') {
        out.push(`${this.name}_count${lbl(s.labels)} ${fmt(s.value)}`);
        out.push(`${this.name}_sum${lbl(s.labels)} ${fmt(s.sum!)}`);
      } else out.push(`${this.name}${lbl(s.labels)} ${fmt(s.value)}`);
    }
    return out;
  }
}

type NumberFormat = (v: number) => string;
/** Python's client writes floats: 1.0, 0.005, 10.0. */
const pyFloat: NumberFormat = (v) => (Number.isInteger(v) ? `${v}.0` : String(v));
const plain: NumberFormat = (v) => String(v);
/** Micrometer writes counts as floats too: 8.0. */
const javaFloat: NumberFormat = pyFloat;

interface Style {
  render(): string;
  record(status: number, seconds: number): void;
  /** Spring: a scrape of /actuator/prometheus is a request it counts. */
  scraped?(): void;
}

function makeStyle(style: InstrumentationStyle, o: Required<Pick<InstrumentedAppOptions, 'backend' | 'groupStatusCodes' | 'histogram'>>): Style {
  const path = '/api/items';
  switch (style) {
    case 'default': {
      const req = new Family('http_requests_total', 'counter', 'Requests by status code.');
      const dur = new Family('http_request_duration_seconds', 'histogram', 'Request duration.', PROM_CLIENT_GO);
      for (const code of ['200', '500']) req.touch({ code, method: 'GET' });
      dur.touch({});
      return {
        record: (status, s) => (req.inc({ code: String(status), method: 'GET' }), dur.observe({}, s)),
        render: () => [...req.render(plain), ...dur.render(plain)].join('\n'),
      };
    }
    case 'prometheus-fastapi-instrumentator': {
      const created = Date.now() / 1000;
      const req = new Family('http_requests_total', 'counter', 'Total number of requests by method, status and handler.');
      const reqCreated = new Family('http_requests_created', 'gauge', 'Total number of requests by method, status and handler.');
      const size = new Family(
        'http_request_size_bytes',
        'summary',
        'Content length of incoming requests by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ',
      );
      const rsize = new Family(
        'http_response_size_bytes',
        'summary',
        'Content length of outgoing responses by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ',
      );
      const few = new Family(
        'http_request_duration_seconds',
        'histogram',
        'Latency with only few buckets by handler. Made to be only used if aggregation by handler is important. ',
        FASTAPI_FEW,
      );
      const highr = new Family(
        'http_request_duration_highr_seconds',
        'histogram',
        'Latency with many buckets but no API specific labels. Made for more accurate percentile calculations. ',
        FASTAPI_HIGHR,
      );
      highr.touch({});
      return {
        record: (status, s) => {
          const value = o.groupStatusCodes ? `${String(status)[0]}xx` : String(status);
          req.inc({ handler: path, method: 'GET', status: value });
          reqCreated.setGauge({ handler: path, method: 'GET', status: value }, created);
          size.observe({ handler: path }, 0);
          rsize.observe({ handler: path }, 42);
          few.observe({ handler: path, method: 'GET' }, s);
          highr.observe({}, s);
        },
        render: () =>
          [
            ...req.render(pyFloat),
            ...reqCreated.render(pyFloat),
            ...size.render(pyFloat),
            ...rsize.render(pyFloat),
            ...few.render(pyFloat),
            ...highr.render(pyFloat),
          ].join('\n'),
      };
    }
    case 'prometheus-flask-exporter': {
      const info = new Family('flask_exporter_info', 'gauge', 'Information about the Prometheus Flask exporter');
      info.setGauge({ version: '0.23.0' }, 1);
      const dur = new Family('flask_http_request_duration_seconds', 'histogram', 'Flask HTTP request duration in seconds', PY_DEFAULT);
      const total = new Family('flask_http_request_total', 'counter', 'Total number of HTTP requests');
      const exc = new Family('flask_http_request_exceptions_total', 'counter', 'Total number of HTTP requests which resulted in an exception');
      return {
        record: (status, s) => {
          dur.observe({ method: 'GET', path, status: String(status) }, s);
          total.inc({ method: 'GET', status: String(status) });
          if (status >= 500) exc.inc({ method: 'GET', status: String(status) });
        },
        render: () => [...info.render(pyFloat), ...dur.render(pyFloat), ...total.render(pyFloat), ...exc.render(pyFloat)].join('\n'),
      };
    }
    case 'express-prom-bundle': {
      const up = new Family('up', 'gauge', '1 = up, 0 = not up');
      up.setGauge({}, 1);
      const dur = new Family(
        'http_request_duration_seconds',
        'histogram',
        'duration histogram of http responses labeled with: status_code',
        EXPRESS_PROM_BUNDLE,
      );
      return {
        record: (status, s) => dur.observe({ status_code: String(status) }, s),
        render: () => [...up.render(plain), ...dur.render(plain)].join('\n'),
      };
    }
    case 'ingress-nginx': {
      const base = (status: number): Labels => ({
        canary: o.backend.endsWith('-canary') ? o.backend : '',
        controller_class: 'k8s.io/ingress-nginx',
        controller_namespace: 'ingress-nginx',
        controller_pod: 'ingress-nginx-controller-7d4c6b9f6-x2v9q',
        host: 'api.example.com',
        ingress: o.backend,
        method: 'GET',
        namespace: 'default',
        path: '/',
        service: o.backend,
        status: String(status),
      });
      const req = new Family('nginx_ingress_controller_requests', 'counter', 'The total number of client requests');
      const dur = new Family('nginx_ingress_controller_request_duration_seconds', 'histogram', 'The request processing time in milliseconds', PROM_CLIENT_GO);
      return {
        record: (status, s) => (req.inc(base(status)), dur.observe(base(status), s)),
        render: () => [...req.render(plain), ...dur.render(plain)].join('\n'),
      };
    }
    case 'istio': {
      const workload = o.backend;
      const labels = (reporter: string, status: number): Labels => ({
        connection_security_policy: reporter === 'destination' ? 'mutual_tls' : 'unknown',
        destination_app: workload.replace(/-canary$/, ''),
        destination_canonical_revision: workload.endsWith('-canary') ? 'v2' : 'v1',
        destination_canonical_service: workload.replace(/-canary$/, ''),
        destination_cluster: 'Kubernetes',
        destination_principal: `spiffe://cluster.local/ns/default/sa/${workload.replace(/-canary$/, '')}`,
        destination_service: `${workload.replace(/-canary$/, '')}.default.svc.cluster.local`,
        destination_service_name: workload.replace(/-canary$/, ''),
        destination_service_namespace: 'default',
        destination_version: workload.endsWith('-canary') ? 'v2' : 'v1',
        destination_workload: workload,
        destination_workload_namespace: 'default',
        grpc_response_status: '',
        reporter,
        request_protocol: 'http',
        response_code: String(status),
        response_flags: '-',
        source_app: 'frontend',
        source_canonical_revision: 'latest',
        source_canonical_service: 'frontend',
        source_cluster: 'Kubernetes',
        source_principal: 'spiffe://cluster.local/ns/default/sa/frontend',
        source_version: 'unknown',
        source_workload: 'frontend',
        source_workload_namespace: 'default',
      });
      const req = new Family('istio_requests_total', 'counter', '');
      const dur = new Family('istio_request_duration_milliseconds', 'histogram', '', ISTIO_MS);
      return {
        record: (status, s) => {
          // Each request is reported by the client's sidecar and by the server's.
          for (const reporter of ['source', 'destination']) {
            req.inc(labels(reporter, status));
            dur.observe(labels(reporter, status), s * 1000);
          }
        },
        render: () => [...req.render(plain), ...dur.render(plain)].join('\n'),
      };
    }
    case 'spring-boot': {
      const outcome = (status: number): string => (status >= 500 ? 'SERVER_ERROR' : status >= 400 ? 'CLIENT_ERROR' : 'SUCCESS');
      const labels = (status: number, uri: string): Labels => ({
        error: 'none',
        exception: 'none',
        method: 'GET',
        outcome: outcome(status),
        status: String(status),
        uri,
      });
      const timer = o.histogram
        ? new Family('http_server_requests_seconds', 'histogram', '', MICROMETER)
        : new Family('http_server_requests_seconds', 'summary', '');
      const max = new Family('http_server_requests_seconds_max', 'gauge', '');
      return {
        record: (status, s) => {
          timer.observe(labels(status, path), s);
          max.setGauge(labels(status, path), s);
        },
        scraped: () => timer.observe(labels(200, '/actuator/prometheus'), 0.002),
        render: () => [...timer.render(javaFloat), ...max.render(javaFloat)].join('\n'),
      };
    }
    case 'traefik': {
      const labels = (status: number): Labels => ({ code: String(status), method: 'GET', protocol: 'http', service: `${o.backend}@docker` });
      const req = new Family(
        'traefik_service_requests_total',
        'counter',
        'How many HTTP requests processed on a service, partitioned by status code, protocol, and method.',
      );
      const dur = new Family(
        'traefik_service_request_duration_seconds',
        'histogram',
        'How long it took to process the request on a service, partitioned by status code, protocol, and method.',
        TRAEFIK,
      );
      return {
        record: (status, s) => (req.inc(labels(status)), dur.observe(labels(status), s)),
        render: () => [...req.render(plain), ...dur.render(plain)].join('\n'),
      };
    }
  }
}

/** Starts an app of `style` on 127.0.0.1 simulating `rps` requests per second. */
export async function startInstrumentedApp(style: InstrumentationStyle, options: InstrumentedAppOptions = {}): Promise<InstrumentedApp> {
  const rps = options.rps ?? 20;
  let errorRate = options.errorRate ?? 0;
  let latencyMs = options.latencyMs ?? 20;
  const impl = makeStyle(style, {
    backend: options.backend ?? 'app',
    groupStatusCodes: options.groupStatusCodes ?? true,
    histogram: options.histogram ?? true,
  });
  let requests = 0;
  let errors = 0;
  let failedSoFar = 0;
  const tick = 100;
  let carry = 0;
  let seed = 12345;
  const timer = setInterval(() => {
    carry += (rps * tick) / 1000;
    while (carry >= 1) {
      carry -= 1;
      requests++;
      // Deterministic spread, the first request included (as the fixture app does).
      const fail = Math.ceil(requests * errorRate) > failedSoFar;
      if (fail) {
        failedSoFar++;
        errors++;
      }
      seed = (seed * 16807) % 2147483647;
      const spread = 1 + (options.jitter ?? 0) * (2 * (seed / 2147483647) - 1);
      impl.record(fail ? 500 : 200, (latencyMs * spread) / 1000);
    }
  }, tick);
  const server: Server = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/metrics') {
      const body = `${impl.render()}\n`;
      impl.scraped?.();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(body);
      return;
    }
    res.writeHead(404).end();
  });
  let port = 0;
  for (let attempt = 0; attempt < 3 && !port; attempt++) {
    const candidate = await freePort();
    port = await new Promise<number>((resolve) => {
      server.once('error', () => resolve(0));
      server.listen(candidate, '127.0.0.1', () => resolve(candidate));
    });
  }
  if (!port) {
    clearInterval(timer);
    throw new Error('instrumented app: no free port');
  }
  return {
    style,
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ requests, errors }),
    set(b) {
      if (b.errorRate !== undefined) {
        errorRate = b.errorRate;
        failedSoFar = Math.ceil(requests * errorRate);
      }
      if (b.latencyMs !== undefined) latencyMs = b.latencyMs;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
