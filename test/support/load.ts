/**
 * A steady HTTP load for tests: `rps` GET requests per second to one URL, each with a 5 s
 * deadline, every answer recorded with its time. Status 0 means no HTTP answer (refused, reset,
 * timeout). Requests are paced from the start time, so a slow answer does not slow the rate.
 */
export interface LoadResult {
  sent: number;
  byStatus: Record<number, number>;
  /** t: Date.now() when the answer (or the failure) arrived. */
  timeline: Array<{ t: number; status: number }>;
}

export interface Load {
  stop(): Promise<LoadResult>;
}

export function startLoad(url: string, options: { rps: number; signal?: AbortSignal; timeoutMs?: number }): Load {
  if (!(options.rps > 0)) throw new Error(`rps must be positive, got ${options.rps}`);
  const intervalMs = 1000 / options.rps;
  const timeoutMs = options.timeoutMs ?? 5000;
  const stopper = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopper.signal]) : stopper.signal;
  const inFlight = new Set<Promise<void>>();
  const result: LoadResult = { sent: 0, byStatus: {}, timeline: [] };
  const record = (status: number): void => {
    result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
    result.timeline.push({ t: Date.now(), status });
  };
  const fire = (): void => {
    result.sent++;
    const p = (async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        record(res.status);
      } catch {
        record(0);
      }
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    if (signal.aborted) return;
    const due = Math.floor((performance.now() - started) / intervalMs) + 1;
    while (result.sent < due) fire();
    timer = setTimeout(tick, Math.max(1, started + result.sent * intervalMs - performance.now()));
  };
  tick();
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return {
    async stop() {
      stopper.abort();
      clearTimeout(timer);
      await Promise.all([...inFlight]);
      result.timeline.sort((a, b) => a.t - b.t);
      return result;
    },
  };
}
