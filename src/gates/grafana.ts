/** Grafana's two endpoints the runbook looks at: /api/health, and a datasource query (/api/ds/query). */
import { httpRequest } from '../http/client.js';

/** The most read of one Grafana answer (16 MiB). */
export const MAX_GRAFANA_ANSWER_BYTES = 16 << 20;
import type { GrafanaFacts } from './judge.js';
import type { GrafanaCondition } from './types.js';

export async function probeGrafana(c: GrafanaCondition, options: { signal?: AbortSignal; timeoutMs?: number; now?: number } = {}): Promise<GrafanaFacts> {
  const headers: Record<string, string> = { accept: 'application/json', ...(c.token ? { authorization: `Bearer ${c.token}` } : {}) };
  const timeoutMs = options.timeoutMs ?? 10_000;
  let health: GrafanaFacts['health'];
  try {
    const res = await httpRequest({ url: `${c.url}/api/health`, headers, timeoutMs, signal: options.signal, maxBytes: MAX_GRAFANA_ANSWER_BYTES });
    const body = safeJson(res.body) as { database?: string; version?: string } | undefined;
    health =
      res.status === 200 && body?.database === 'ok'
        ? { ok: true, detail: `healthy${body.version ? ` (Grafana ${body.version})` : ''}` }
        : { ok: false, detail: `HTTP ${res.status}${body?.database ? `, database ${body.database}` : ''}` };
  } catch (err) {
    if (options.signal?.aborted) throw err;
    health = { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
  if (!health.ok || !c.query) return { health };
  const now = options.now ?? Date.now();
  try {
    const res = await httpRequest({
      url: `${c.url}/api/ds/query`,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        from: String(now - c.fromMs),
        to: String(now),
        queries: [{ refId: 'A', datasource: { uid: c.datasource }, expr: c.query, query: c.query, instant: false, range: true }],
      }),
      timeoutMs,
      signal: options.signal,
      maxBytes: MAX_GRAFANA_ANSWER_BYTES,
    });
    const body = safeJson(res.body) as
      { results?: Record<string, { error?: string; frames?: Array<{ data?: { values?: unknown[][] } }> }>; message?: string } | undefined;
    if (res.status !== 200) return { health, queryError: `HTTP ${res.status}${body?.message ? `: ${body.message}` : ''}` };
    const a = body?.results?.A;
    if (a?.error) return { health, queryError: a.error };
    const points = (a?.frames ?? []).reduce((n, f) => n + (f.data?.values?.[0]?.length ?? 0), 0);
    return { health, points };
  } catch (err) {
    if (options.signal?.aborted) throw err;
    return { health, queryError: `${c.url}/api/ds/query: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
