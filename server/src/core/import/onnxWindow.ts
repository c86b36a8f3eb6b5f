import { product } from './onnxGraph';
import { badShape, KernelContext, unsupported } from './onnxKernel';

/**
 * The sliding-window geometry shared by Conv, ConvInteger, QLinearConv and the pools, in any number
 * of spatial dimensions: ONNX's pads / auto_pad / strides / dilations / ceil_mode rules, and a table of
 * the input position under every kernel tap of every output position.
 */

export interface Window {
  /** Spatial dims of the input and the output. */
  inDims: number[];
  outDims: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Padding before each spatial axis (elements). */
  padBegin: number[];
  /** Padding after each spatial axis as given (or computed for auto_pad). */
  padEnd: number[];
}

/** A tap in the explicit (or auto) padding. */
export const inPadding = -1;
/** A tap past the padded input (a ceil_mode window hanging over the end). */
export const pastEnd = -2;

/** The window of a Conv/pool node over spatial input dims `inDims`; `kernel` from kernel_shape or the weights. */
export function windowOf(ctx: KernelContext, inDims: number[], kernel: number[], options: { ceil?: boolean } = {}): Window {
  const n = inDims.length;
  const ones = new Array<number>(n).fill(1);
  const strides = ctx.attrs.ints('strides') ?? ones;
  const dilations = ctx.attrs.ints('dilations') ?? ones;
  const pads = ctx.attrs.ints('pads') ?? new Array<number>(2 * n).fill(0);
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  if (kernel.length !== n || strides.length !== n || dilations.length !== n || pads.length !== 2 * n) {
    badShape(`kernel [${kernel.join(', ')}], strides [${strides.join(', ')}], dilations [${dilations.join(', ')}] and pads [${pads.join(', ')}] do not fit ${n} spatial dimensions`);
  }
  if ([...kernel, ...strides, ...dilations].some((v) => !(v >= 1)) || pads.some((p) => p < 0)) {
    badShape('kernel sizes, strides and dilations must be ≥ 1 and pads ≥ 0');
  }
  const span = kernel.map((k, i) => (k - 1) * dilations[i] + 1);
  const padBegin = pads.slice(0, n);
  const padEnd = pads.slice(n);
  let outDims: number[];
  if (autoPad === 'NOTSET') {
    outDims = inDims.map((d, i) => {
      const room = d + padBegin[i] + padEnd[i] - span[i];
      let out = (options.ceil ? Math.ceil(room / strides[i]) : Math.floor(room / strides[i])) + 1;
      // A ceil_mode window must start inside the input or its leading padding (onnxruntime, PyTorch).
      if (options.ceil && (out - 1) * strides[i] >= d + padBegin[i]) out--;
      return out;
    });
  } else if (autoPad === 'VALID') {
    outDims = inDims.map((d, i) => Math.floor((d - span[i]) / strides[i]) + 1);
    padBegin.fill(0);
    padEnd.fill(0);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    outDims = inDims.map((d, i) => Math.ceil(d / strides[i]));
    outDims.forEach((o, i) => {
      const total = Math.max(0, (o - 1) * strides[i] + span[i] - inDims[i]);
      // SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the beginning.
      padBegin[i] = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      padEnd[i] = total - padBegin[i];
    });
  } else {
    return unsupported(`auto_pad '${autoPad}'`);
  }
  if (outDims.some((o) => !(o >= 1))) badShape(`the window gives output dims [${outDims.join(', ')}] for input [${inDims.join(', ')}]`);
  return { inDims, outDims, kernel, strides, dilations, padBegin, padEnd };
}

/**
 * For output position o (row-major over outDims) and kernel tap k (row-major over the kernel, the
 * weights' layout): `taps[o * K + k]` is the flat spatial input index, {@link inPadding} or {@link pastEnd}.
 */
export function tapsOf(w: Window): Int32Array {
  const n = w.inDims.length;
  const outCount = product(w.outDims);
  const kCount = product(w.kernel);
  const taps = new Int32Array(outCount * kCount);
  const o = new Array<number>(n).fill(0);
  const k = new Array<number>(n).fill(0);
  for (let oi = 0; oi < outCount; oi++) {
    k.fill(0);
    for (let ki = 0; ki < kCount; ki++) {
      let flat = 0;
      let where = 0;
      for (let d = 0; d < n; d++) {
        const at = o[d] * w.strides[d] - w.padBegin[d] + k[d] * w.dilations[d];
        if (at < 0 || at >= w.inDims[d]) where = Math.min(where, at < w.inDims[d] + w.padEnd[d] ? inPadding : pastEnd);
        flat = flat * w.inDims[d] + at;
      }
      taps[oi * kCount + ki] = where < 0 ? where : flat;
      increment(k, w.kernel);
    }
    increment(o, w.outDims);
  }
  return taps;
}

/** Advances a row-major multi-index. */
function increment(index: number[], dims: readonly number[]): void {
  for (let d = index.length - 1; d >= 0; d--) {
    if (++index[d] < dims[d]) return;
    index[d] = 0;
  }
}
