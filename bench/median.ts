// The middle run of several: the figure the benches print when they repeat a measurement.

/** The run in the middle when sorted by `key` (the upper one of the two middles for an even count). */
export function medianBy<T>(runs: readonly T[], key: (run: T) => number): T {
  if (runs.length === 0) throw new Error("a median of no runs");
  return [...runs].sort((a, b) => key(a) - key(b))[Math.floor(runs.length / 2)]!;
}

export const median = (values: readonly number[]): number => medianBy(values, (v) => v);
