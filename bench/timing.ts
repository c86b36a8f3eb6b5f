export interface Timing {
  median: number;
  p95: number;
  runs: number;
}

/** Median and p95 of repeated runs after a warm-up: at least `minRuns` runs and `minMs` milliseconds. */
export function time(fn: () => unknown, minRuns: number, minMs: number): Timing {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], p95: samples[Math.floor(samples.length * 0.95)], runs: samples.length };
}
