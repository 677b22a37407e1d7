/** Time comes through a clock so tests and `--now` can fix it; nothing else in the product calls Date.now(). */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock fixed at an instant that can be moved by hand (tests, `pipevault run --now`). */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: number | string | Date) {
    this.t = typeof start === 'number' ? start : new Date(start).getTime();
    if (Number.isNaN(this.t)) throw new RangeError(`Invalid clock start: ${String(start)}`);
  }
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/**
 * A clock that starts at a fixed instant and then runs with real time, so durations stay meaningful while
 * `utcNow()` at the start of a run is deterministic.
 */
export function offsetClock(start: number | string | Date): Clock {
  const s = typeof start === 'number' ? start : new Date(start).getTime();
  if (Number.isNaN(s)) throw new RangeError(`Invalid clock start: ${String(start)}`);
  const origin = Date.now();
  return { now: () => s + (Date.now() - origin) };
}
