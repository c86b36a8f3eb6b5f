import { Layer } from '../model/ir';

/**
 * ONNX weight layouts → Patchwise's (see QLayer): conv OIHW → [cout][k][k][cin] (OHWI), depthwise
 * [c][1][k][k] → [k][k][c], fully connected → [cout][h·w·cin] in HWC order. ONNX flattens an NCHW map
 * as c·H·W + y·W + x; Patchwise's maps are HWC, so the inputs of a fully connected layer are permuted.
 */

/** MatMul and Gemm weights: [K, N] (the default) or [N, K] (Gemm with transB = 1). */
export type FcLayout = 'KN' | 'NK';

/**
 * The ONNX weights `d` of `layer` written into `out` (int8 or float, as long) in Patchwise's layout.
 * Throws on a size mismatch (an import bug: the importer checked the shapes).
 */
export function toHwcWeights<T extends Int8Array | Float32Array>(layer: Layer, d: ArrayLike<number>, fc: FcLayout, out: T): T {
  const { input: i, output: o } = layer;
  if (layer.kind === 'fc') {
    const n = i.h * i.w * i.c;
    if (d.length !== n * o.c) throw new Error(`fc '${layer.name}': ${d.length} weights for ${n}×${o.c}`);
    for (let co = 0; co < o.c; co++) {
      for (let c = 0; c < i.c; c++) {
        for (let p = 0; p < i.h * i.w; p++) {
          const k = c * i.h * i.w + p;
          out[co * n + p * i.c + c] = d[fc === 'KN' ? k * o.c + co : co * n + k];
        }
      }
    }
    return out;
  }
  const k = layer.rows.k;
  const kk = k * k;
  if (layer.kind === 'dwconv') {
    if (d.length !== o.c * kk) throw new Error(`dwconv '${layer.name}': ${d.length} weights for ${o.c}×${kk}`);
    for (let c = 0; c < o.c; c++) for (let t = 0; t < kk; t++) out[t * o.c + c] = d[c * kk + t];
    return out;
  }
  if (d.length !== o.c * i.c * kk) throw new Error(`conv '${layer.name}': ${d.length} weights for ${o.c}×${i.c}×${kk}`);
  for (let co = 0; co < o.c; co++) {
    for (let ci = 0; ci < i.c; ci++) {
      for (let t = 0; t < kk; t++) out[(co * kk + t) * i.c + ci] = d[(co * i.c + ci) * kk + t];
    }
  }
  return out;
}
