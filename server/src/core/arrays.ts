// Reductions over data-sized arrays. `Math.max(...values)` passes every element as an argument and
// throws RangeError past ~100k of them (a 64x64x32 fc has 131k weights a channel): loop instead.

/** The largest value, or `empty` for none. */
export function maxOf(values: ArrayLike<number>, empty = -Infinity): number {
  let max = empty;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return values.length === 0 ? empty : max;
}

/** The smallest value, or `empty` for none. */
export function minOf(values: ArrayLike<number>, empty = Infinity): number {
  let min = empty;
  for (let i = 0; i < values.length; i++) if (values[i] < min) min = values[i];
  return values.length === 0 ? empty : min;
}
