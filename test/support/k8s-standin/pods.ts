/**
 * Pods that serve real traffic: with `StandinOptions.pods`, every pod whose image the controller
 * would start runs the fixture app (test/fixtures/app/server.mjs) as a local node process on
 * 127.0.0.1 — the image tag chooses its behaviour — and becomes Ready only once that process
 * answers /health. Each Service gets a local endpoint (an HTTP proxy on 127.0.0.1) that spreads
 * requests round-robin over the Ready pods its selector matches at the moment of the request, so
 * a replica ratio or a selector switch is what the traffic sees. The serving pods are listed for
 * Prometheus (file_sd targets) with their labels; `deploy-kit.dev/track` and `deploy-kit.dev/color`
 * become `track` and `color`, as the relabelling in the deploy-canary README makes them.
 * A deleted pod leaves the endpoints at once and its process stops after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FixtureBehaviour } from '../fixture-app.js';
import { freePort } from '../ports.js';
import type { PrometheusTarget } from '../prometheus.js';
import type { ResourceType } from './resources.js';
import type { ChangeEvent, KObject, Store } from './store.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'app', 'server.mjs');

/** The fixture's behaviour for an image: the tag's `5xx` → 5 % answered 500, `slow` → +300 ms; the tag is the version. */
export function fixtureFromTag(image: string): FixtureBehaviour & { version: string } {
  const tag = /:([^/:@]+)(@.*)?$/.exec(image)?.[1] ?? 'latest';
  return { version: tag, ...(tag.includes('5xx') ? { errorRate: 0.05 } : {}), ...(tag.includes('slow') ? { latencyMs: 300 } : {}) };
}

export interface PodProcessOptions {
  /** What the fixture does for an image (default: fixtureFromTag). */
  fixture?: (image: string) => FixtureBehaviour & { version: string };
  /** Called with every serving pod as a Prometheus target each time the set or its labels change. */
  onTargets?: (targets: PrometheusTarget[]) => void | Promise<void>;
  /** How long a deleted pod's process keeps answering requests already sent to it. Default 1000 ms. */
  gracePeriodMs?: number;
}

interface Proxy {
  server: Server;
  url: Promise<string>;
  next: number;
}

async function closeProxy(p: Proxy): Promise<void> {
  if (!p.server.listening) await p.url.catch(() => undefined);
  p.server.closeAllConnections();
  await new Promise<void>((r) => (p.server.listening ? p.server.close(() => r()) : r()));
}

interface PodProcess {
  uid: string;
  child?: ChildProcess;
  port: number;
  serving: boolean;
  stopped: boolean;
}

/** Prometheus label name for a pod label (the Kubernetes SD `labelmap` form, deploy-kit's labels shortened). */
export function promLabel(label: string): string {
  const short = /^deploy-kit\.dev\/(track|color)$/.exec(label)?.[1];
  return short ?? label.replace(/[^a-zA-Z0-9_]/g, '_');
}

export class PodProcesses {
  private readonly procs = new Map<string, PodProcess>();
  private readonly proxies = new Map<string, Proxy>();
  private unsubscribe?: () => void;
  private targetsKey = '';
  private targetsChain: Promise<void> = Promise.resolve();
  private refresh?: NodeJS.Immediate;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly kinds: { pods: ResourceType; services: ResourceType },
    private readonly behaviour: (image: string) => string,
    private readonly options: PodProcessOptions = {},
  ) {}

  start(): void {
    this.unsubscribe = this.store.onChange((e) => this.changed(e));
    for (const p of this.store.list(this.kinds.pods)) this.changed({ rv: 0, type: 'ADDED', resource: this.kinds.pods, object: p });
    for (const s of this.store.list(this.kinds.services)) this.changed({ rv: 0, type: 'ADDED', resource: this.kinds.services, object: s });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    if (this.refresh) clearImmediate(this.refresh);
    for (const p of this.procs.values()) this.kill(p, 0);
    this.procs.clear();
    await Promise.all([...this.proxies.values()].map((p) => closeProxy(p)));
    this.proxies.clear();
    await this.targetsChain;
  }

  /** The controller's readiness gate: the pod's process answers. */
  serving(pod: KObject): boolean {
    return this.procs.get(pod.metadata.uid)?.serving === true;
  }

  /** The process's address of a pod (127.0.0.1:port), when it serves. */
  address(pod: KObject): string | undefined {
    const p = this.procs.get(pod.metadata.uid);
    return p?.serving ? `127.0.0.1:${p.port}` : undefined;
  }

  /** The local URL of a Service (http://127.0.0.1:port), waiting until its proxy listens. */
  async serviceUrl(name: string, namespace = 'default'): Promise<string> {
    const end = Date.now() + 10_000;
    for (;;) {
      const proxy = this.proxies.get(`${namespace}/${name}`);
      if (proxy) return proxy.url;
      if (Date.now() > end) throw new Error(`stand-in: service ${namespace}/${name} has no local endpoint`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The Ready, serving pods a Service selects now. */
  endpoints(service: KObject): Array<{ pod: string; address: string }> {
    const selector = (service.spec?.selector ?? {}) as Record<string, string>;
    if (Object.keys(selector).length === 0) return [];
    return this.store
      .list(this.kinds.pods, service.metadata.namespace)
      .filter((p) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v))
      .filter((p) => (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True'))
      .map((p) => ({ pod: p.metadata.name as string, address: this.address(p) }))
      .filter((e): e is { pod: string; address: string } => e.address !== undefined);
  }

  /** Every serving pod as a Prometheus target. */
  targets(): PrometheusTarget[] {
    const out: PrometheusTarget[] = [];
    for (const p of this.store.list(this.kinds.pods)) {
      const address = this.address(p);
      if (!address) continue;
      const labels: Record<string, string> = { namespace: p.metadata.namespace, pod: p.metadata.name };
      for (const [k, v] of Object.entries((p.metadata.labels ?? {}) as Record<string, string>)) labels[promLabel(k)] = v;
      out.push({ address, labels });
    }
    return out.sort((a, b) => a.address.localeCompare(b.address));
  }

  private changed(e: ChangeEvent): void {
    if (this.closed) return;
    if (e.resource === this.kinds.pods) {
      const uid = e.object.metadata.uid as string;
      if (e.type === 'DELETED') {
        const p = this.procs.get(uid);
        if (p) {
          // Out of the endpoints at once; in-flight requests finish within the grace period.
          p.serving = false;
          this.procs.delete(uid);
          this.kill(p, this.options.gracePeriodMs ?? 1000);
        }
      } else if (!this.procs.has(uid)) {
        const container = appContainerOf(e.object);
        if (container && this.behaviour(String(container.image)) === 'ready') this.spawn(uid, String(container.image));
      }
      this.scheduleTargets();
    }
    if (e.resource === this.kinds.services) {
      const key = `${e.object.metadata.namespace}/${e.object.metadata.name}`;
      if (e.type === 'DELETED') {
        const proxy = this.proxies.get(key);
        this.proxies.delete(key);
        if (proxy) void closeProxy(proxy);
      } else if (!this.proxies.has(key)) this.proxies.set(key, this.listen(e.object.metadata.namespace, e.object.metadata.name));
    }
  }

  private spawn(uid: string, image: string, attempt = 0): void {
    const proc: PodProcess = { uid, port: 0, serving: false, stopped: false };
    this.procs.set(uid, proc);
    void (async () => {
      proc.port = await freePort();
      if (proc.stopped) return;
      const f = (this.options.fixture ?? fixtureFromTag)(image);
      // The process ends itself when this test process is gone (a killed worker leaves no pods behind).
      const script = `setInterval(() => { try { process.kill(${process.pid}, 0); } catch { process.exit(0); } }, 1000).unref(); await import(${JSON.stringify(pathToFileURL(SERVER).href)});`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          PATH: process.env.PATH,
          PORT: String(proc.port),
          HOST: '127.0.0.1',
          VERSION: f.version,
          ERROR_RATE: String(f.errorRate ?? 0),
          LATENCY_MS: String(f.latencyMs ?? 0),
        },
        stdio: 'ignore',
      });
      proc.child = child;
      child.once('exit', () => {
        const wasServing = proc.serving;
        proc.serving = false;
        if (proc.stopped || this.closed || this.procs.get(uid) !== proc) return;
        // Lost the port to another process before binding it: try again with another one.
        if (!wasServing && attempt < 3) {
          this.procs.delete(uid);
          this.spawn(uid, image, attempt + 1);
        }
        this.scheduleTargets();
      });
      const end = Date.now() + 30_000;
      while (!proc.stopped && child.exitCode === null && Date.now() < end) {
        if (await answers(`http://127.0.0.1:${proc.port}/health`)) {
          proc.serving = true;
          this.scheduleTargets();
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
  }

  private kill(p: PodProcess, graceMs: number): void {
    p.stopped = true;
    p.serving = false;
    const child = p.child;
    if (!child || child.exitCode !== null) return;
    const stop = (): void => {
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 2000).unref();
    };
    if (graceMs > 0) setTimeout(stop, graceMs).unref();
    else stop();
  }

  private scheduleTargets(): void {
    if (!this.options.onTargets || this.refresh || this.closed) return;
    this.refresh = setImmediate(() => {
      this.refresh = undefined;
      const targets = this.targets();
      const key = JSON.stringify(targets);
      if (key === this.targetsKey) return;
      this.targetsKey = key;
      // In order: a later list never lands before an earlier one.
      this.targetsChain = this.targetsChain.then(() => this.options.onTargets!(targets)).catch(() => undefined);
    });
  }

  private listen(namespace: string, name: string): Proxy {
    const server = createServer((req, res) => this.forward(namespace, name, proxy, req, res));
    server.keepAliveTimeout = 65_000;
    const url = (async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const port = await freePort();
        const ok = await new Promise<boolean>((resolve) => {
          server.once('error', () => resolve(false));
          server.listen(port, '127.0.0.1', () => resolve(true));
        });
        if (ok) return `http://127.0.0.1:${port}`;
      }
      throw new Error(`stand-in: no port for service ${namespace}/${name}`);
    })();
    url.catch(() => undefined);
    const proxy: Proxy = { server, url, next: 0 };
    return proxy;
  }

  private forward(namespace: string, name: string, entry: Proxy, req: IncomingMessage, res: ServerResponse): void {
    const service = this.store.get(this.kinds.services, namespace, name);
    const endpoints = service ? this.endpoints(service) : [];
    if (endpoints.length === 0) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`stand-in: service ${namespace}/${name} has no ready endpoints\n`);
      return;
    }
    const target = endpoints[entry.next++ % endpoints.length]!;
    const [host, port] = target.address.split(':');
    const upstream = request({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-standin-pod': target.pod });
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`stand-in: pod ${target.pod} did not answer\n`);
      else res.destroy();
    });
    req.pipe(upstream);
  }
}

function appContainerOf(pod: KObject): KObject | undefined {
  const containers: KObject[] = pod.spec?.containers ?? [];
  return containers.find((c) => (c.ports ?? []).length > 0) ?? containers[0];
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
