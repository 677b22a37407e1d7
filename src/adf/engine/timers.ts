/**
 * Waiting, behind an interface so tests and benchmarks never wait for real: retry intervals, Wait activities,
 * policy timeouts and Until timeouts all go through `Timers.sleep`. Tests pass a virtual-time implementation.
 */
export interface Timers {
  /** Resolves after `ms`; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` after `ms` unless the returned function is called first: a policy timeout that is almost always
   * stopped, without the AbortController, listener and rejected promise `sleep` needs to be stopped (~7 µs per
   * asynchronous activity). Optional: the engine falls back to `sleep` when an implementation lacks it.
   */
  schedule?(ms: number, fn: () => void): () => void;
}

// setTimeout holds at most 2^31-1 ms (~24.8 days); Until allows 90 days, so long waits are chained.
const MAX_TIMEOUT = 2_147_483_647;

export const realTimers: Timers = {
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let remaining = Math.max(0, ms);
      let handle: NodeJS.Timeout;
      const onAbort = () => {
        clearTimeout(handle);
        reject(signal?.reason);
      };
      const arm = () => {
        const step = Math.min(remaining, MAX_TIMEOUT);
        remaining -= step;
        handle = setTimeout(() => {
          if (remaining > 0) return arm();
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, step);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
    });
  },
  schedule(ms, fn) {
    let remaining = Math.max(0, ms);
    let handle: NodeJS.Timeout | undefined;
    const arm = () => {
      const step = Math.min(remaining, MAX_TIMEOUT);
      remaining -= step;
      handle = setTimeout(() => (remaining > 0 ? arm() : fn()), step);
    };
    arm();
    return () => clearTimeout(handle);
  },
};
