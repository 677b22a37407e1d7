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
   * asynchronous activity).
   */
  schedule(ms: number, fn: () => void): () => void;
}

// setTimeout holds at most 2^31-1 ms (~24.8 days); Until allows 90 days, so long waits are chained.
const MAX_TIMEOUT = 2_147_483_647;

function schedule(ms: number, fn: () => void): () => void {
  let remaining = Math.max(0, ms);
  let handle: NodeJS.Timeout | undefined;
  const arm = () => {
    const step = Math.min(remaining, MAX_TIMEOUT);
    remaining -= step;
    handle = setTimeout(() => (remaining > 0 ? arm() : fn()), step);
  };
  arm();
  return () => clearTimeout(handle);
}

export const realTimers: Timers = {
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        stop();
        reject(signal?.reason);
      };
      const stop = schedule(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
  schedule,
};
