export interface SleepOptions {
  /** Resolve (instead of reject) when the signal aborts, for loops that check the signal themselves. */
  resolveOnAbort?: boolean;
}

/** Sleeps `ms`; when the signal aborts, rejects at once with its reason (or resolves, with `resolveOnAbort`). */
export function sleep(ms: number, signal?: AbortSignal, options: SleepOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = (): void => (options.resolveOnAbort ? resolve() : reject(signal?.reason));
    if (signal?.aborted) return stop();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
