/**
 * Benchmark contract: each `bench/*.bench.ts` default-exports an async function returning BenchResult[].
 * Every result compares our figure against a baseline measured in the same run, so the ratio means something on
 * any machine; absolute figures are printed too.
 */
export interface BenchResult {
  /** What was measured, e.g. `expressions: parse+evaluate`. */
  name: string;
  /** Our figure. */
  value: number;
  unit: string;
  /** The baseline measured in the same run, in the same unit, when there is one. */
  baseline?: { name: string; value: number };
  /** The goal, e.g. `ratio >= 0.6` or `<= 2.5 µs`, and whether it was met. */
  goal?: { text: string; met: boolean };
  /** Any other figures worth printing (p99, RSS …). */
  extra?: Record<string, number | string>;
}

/** Runs `fn` repeatedly for about `ms` milliseconds after a warm-up; returns operations per second. */
export function opsPerSecond(fn: () => void, ms = 1000, batch = 1000): number {
  for (let i = 0; i < batch; i++) fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    elapsed = process.hrtime.bigint() - start;
  }
  return ops / (Number(elapsed) / 1e9);
}
