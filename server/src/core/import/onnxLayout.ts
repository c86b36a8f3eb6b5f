import { Layer } from '../model/ir';

/**
 * ONNX weight layouts → Patchwise's (see QLayer): conv OIHW → [cout][kh][kw][cin/groups] (OHWI), depthwise
 * [c][1][kh][kw] → [kh][kw][c], fully connected → [cout][h·w·cin] in HWC order. ONNX flattens an NCHW map
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
  // Kernels may be non-square (rows × cols) and convolutions grouped: OIHW [O][C/g][kh][kw] → [O][kh][kw][C/g].
  const kk = layer.rows.k * layer.cols.k;
  if (layer.kind === 'dwconv') {
    if (d.length !== o.c * kk) throw new Error(`dwconv '${layer.name}': ${d.length} weights for ${o.c}×${kk}`);
    for (let c = 0; c < o.c; c++) for (let t = 0; t < kk; t++) out[t * o.c + c] = d[c * kk + t];
    return out;
  }
  const cg = i.c / layer.groups;
  if (d.length !== o.c * cg * kk) throw new Error(`conv '${layer.name}': ${d.length} weights for ${o.c}×${cg}×${kk}`);
  for (let co = 0; co < o.c; co++) {
    for (let ci = 0; ci < cg; ci++) {
      for (let t = 0; t < kk; t++) out[(co * kk + t) * cg + ci] = d[(co * cg + ci) * kk + t];
    }
  }
  return out;
}
