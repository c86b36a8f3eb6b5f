import { TensorType, TfliteModel } from './schema';

/** Small helpers over a model's constants and TFLite's padding rule. */

/** The values of a constant int32/int64 tensor (axes, paddings, permutations, sizes); undefined when it is none. */
export function constInts(m: TfliteModel, index: number | undefined): number[] | undefined {
  const t = index === undefined ? undefined : m.tensors[index];
  const data = t && m.buffers[t.buffer];
  if (!t || !data || data.length === 0) return undefined;
  const width = t.type === TensorType.Int32 ? 4 : t.type === TensorType.Int64 ? 8 : 0;
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (width === 0 || data.length !== width * count || count > 64) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Array.from({ length: count }, (_, i) => (width === 4 ? view.getInt32(4 * i, true) : Number(view.getBigInt64(8 * i, true))));
}

/**
 * TFLite's SAME padding along one axis (ComputePaddingHeightWidth): the output is ⌈n/s⌉, the total
 * padding what that needs, its smaller half before and the rest after (stride 2 on an even size:
 * 0 before, 1 after).
 */
export function samePadding(n: number, k: number, s: number): [number, number] {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}
