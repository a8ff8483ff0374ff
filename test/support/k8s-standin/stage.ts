/**
 * A stage for release tests on the stand-in with pods that serve: the stand-in (pods as fixture
 * processes), a real Prometheus scraping them through file_sd, the real kubectl, and helpers to
 * create an app (Deployment + Service) and to see which versions a Service answers with.
 */
import { Kubectl } from '../../../src/kubernetes/kubectl.js';
import { startPrometheus, type TestPrometheus } from '../prometheus.js';
import { kubectlSession, type KubectlSession } from './kubectl.js';
import { startStandin, type KubernetesStandin, type StandinOptions } from './server.js';
import type { KObject } from './store.js';

export interface ServingStage {
  standin: KubernetesStandin;
  prometheus: TestPrometheus;
  session: KubectlSession;
  kubectl: Kubectl;
  /** Creates Deployment + Service `name` (labels app=<name>, plus `podLabels`) and waits for the rollout. */
  createApp(name: string, image: string, o?: { replicas?: number; podLabels?: Record<string, string> }): Promise<void>;
  /** The local URL of a Service. */
  url(service: string): Promise<string>;
  /** `n` GET /version through a Service: how many answers per version (`error <status>` for failures). */
  versions(service: string, n: number): Promise<Record<string, number>>;
  /** Resolves once Prometheus has scraped a target whose labels include `labels`. */
  scraped(labels: Record<string, string>, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startServingStage(options: Omit<StandinOptions, 'pods'> = {}): Promise<ServingStage> {
  const prometheus = await startPrometheus({});
  let standin: KubernetesStandin;
  try {
    standin = await startStandin({ readyAfterMs: 100, ...options, pods: { onTargets: (t) => prometheus.setTargets(t, { wait: 'none' }) } });
  } catch (err) {
    await prometheus.stop();
    throw err;
  }
  const session = kubectlSession(standin);
  const kubectl = new Kubectl({ kubeconfig: session.kubeconfig, env: session.env, namespace: 'default' });
  const url = (service: string): Promise<string> => standin.pods!.serviceUrl(service);
  return {
    standin,
    prometheus,
    session,
    kubectl,
    url,
    async createApp(name, image, o = {}) {
      const labels = { app: name, ...(o.podLabels ?? {}) };
      standin.create(appDeployment(name, image, o.replicas ?? 3, labels));
      standin.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, labels: { app: name } },
        spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
      });
      await kubectl.rolloutStatus('deployment', name, { timeoutMs: 60_000 });
    },
    async versions(service, n) {
      const base = await url(service);
      const out: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${base}/version`, { signal: AbortSignal.timeout(5000) });
        const text = await res.text();
        const key = res.status === 200 ? text : `error ${res.status}`;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    },
    async scraped(labels, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      const matcher = Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',');
      for (;;) {
        try {
          const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(`up{${matcher}} == 1`)}`, { signal: AbortSignal.timeout(2000) });
          const body = (await res.json()) as { data?: { result?: unknown[] } };
          if ((body.data?.result ?? []).length > 0) return;
        } catch {
          // Prometheus busy for a moment: poll again until the deadline
        }
        if (Date.now() > end) throw new Error(`prometheus scraped no target with ${matcher} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      session.dispose();
      await standin.close();
      await prometheus.stop();
    },
  };
}

/** A Deployment of the fixture app: container `app` on port 8080. */
export function appDeployment(name: string, image: string, replicas: number, labels: Record<string, string>): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      progressDeadlineSeconds: 30,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}
