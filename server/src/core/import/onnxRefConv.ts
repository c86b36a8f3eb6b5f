import { product } from './onnxGraph';
import { badShape, KernelContext, need, needType, onlyAttributes, perAxis, quantRange, requantize, requantMultiplier, unsupported } from './onnxKernel';
import { Tensor, zeros } from './onnxTensor';
import { tapsOf, windowOf } from './onnxWindow';

/**
 * Reference Conv, ConvInteger and QLinearConv (ONNX semantics, any number of spatial dims, groups):
 * one loop over the window's tap table. The integer convs accumulate (x − x_zp)·(w − w_zp) exactly in
 * int32 range; padding contributes nothing (it holds the input zero point).
 */

const convAttributes = ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'];

interface ConvShape {
  batch: number;
  channels: number;
  outChannels: number;
  groups: number;
  /** Input elements per channel, output elements per channel, taps per window. */
  inSize: number;
  outSize: number;
  taps: Int32Array;
  kCount: number;
  outDims: number[];
}

function convShape(ctx: KernelContext, x: Tensor, w: Tensor): ConvShape {
  onlyAttributes(ctx, convAttributes);
  if (x.dims.length < 3) badShape(`X has dims [${x.dims.join(', ')}]; Conv needs [N, C, spatial…]`);
  if (w.dims.length !== x.dims.length) badShape(`W has dims [${w.dims.join(', ')}] for X [${x.dims.join(', ')}]`);
  const groups = ctx.attrs.int('group', 1);
  const [batch, channels] = x.dims;
  const [outChannels, groupChannels] = w.dims;
  const kernel = ctx.attrs.ints('kernel_shape') ?? w.dims.slice(2);
  if (kernel.some((k, i) => k !== w.dims[2 + i]) || kernel.length !== w.dims.length - 2) badShape(`kernel_shape [${kernel.join(', ')}] differs from W's [${w.dims.slice(2).join(', ')}]`);
  if (groups < 1 || channels !== groupChannels * groups || outChannels % groups !== 0) {
    badShape(`group ${groups} does not divide X's ${channels} channels into W's ${groupChannels} per group and ${outChannels} outputs`);
  }
  const win = windowOf(ctx, x.dims.slice(2), kernel);
  return {
    batch, channels, outChannels, groups,
    inSize: product(win.inDims), outSize: product(win.outDims),
    taps: tapsOf(win), kCount: product(kernel),
    outDims: [batch, outChannels, ...win.outDims],
  };
}

/**
 * Σ over the group's channels and taps of (x − xZero)·(w − wZero(m)), bias added, into `emit`.
 * Plain doubles: exact for the integer convs (|acc| < 2^53), one rounding at the end for float.
 */
function accumulate(s: ConvShape, x: Tensor, w: Tensor, xZero: number, wZero: (m: number) => number, bias: (m: number) => number, emit: (at: number, acc: number, m: number) => void): void {
  const cg = s.channels / s.groups;
  const mg = s.outChannels / s.groups;
  const xd = x.data;
  const wd = w.data;
  for (let n = 0; n < s.batch; n++) {
    for (let m = 0; m < s.outChannels; m++) {
      const g = Math.floor(m / mg);
      const wz = wZero(m);
      for (let o = 0; o < s.outSize; o++) {
        let acc = bias(m);
        for (let c = 0; c < cg; c++) {
          const xBase = (n * s.channels + g * cg + c) * s.inSize;
          const wBase = (m * cg + c) * s.kCount;
          for (let k = 0; k < s.kCount; k++) {
            const t = s.taps[o * s.kCount + k];
            if (t >= 0) acc += (xd[xBase + t] - xZero) * (wd[wBase + k] - wz);
          }
        }
        emit((n * s.outChannels + m) * s.outSize + o, acc, m);
      }
    }
  }
}

function biasOf(b: Tensor | undefined, outChannels: number, what: string): (m: number) => number {
  if (!b) return () => 0;
  if (b.data.length !== outChannels) badShape(`${what} has ${b.data.length} values for ${outChannels} output channels`);
  return (m) => b.data[m];
}

export function conv(ctx: KernelContext): Tensor[] {
  const x = need(ctx, 0, 'X');
  const w = need(ctx, 1, 'W');
  needType(x, ['float32'], 'X');
  needType(w, ['float32'], 'W');
  const b = ctx.inputs[2];
  if (b) needType(b, ['float32'], 'B');
  const s = convShape(ctx, x, w);
  const y = zeros('float32', s.outDims);
  accumulate(s, x, w, 0, () => 0, biasOf(b, s.outChannels, 'B'), (at, acc) => { y.data[at] = acc; });
  return [y];
}

export function convInteger(ctx: KernelContext): Tensor[] {
  const x = need(ctx, 0, 'x');
  const w = need(ctx, 1, 'w');
  needType(x, ['uint8', 'int8'], 'x');
  needType(w, ['uint8', 'int8'], 'w');
  const s = convShape(ctx, x, w);
  const xZero = perAxis(ctx.inputs[2], 1, 0, 'x_zero_point')(0);
  const wZero = perAxis(ctx.inputs[3], s.outChannels, 0, 'w_zero_point');
  const y = zeros('int32', s.outDims);
  accumulate(s, x, w, xZero, wZero, () => 0, (at, acc) => { y.data[at] = checkInt32(acc); });
  return [y];
}

/** QLinearConv: the int32 accumulator (bias included) requantized by ONNX's rule ({@link requantize}). */
export function qlinearConv(ctx: KernelContext): Tensor[] {
  const x = need(ctx, 0, 'x');
  const w = need(ctx, 3, 'w');
  needType(x, ['uint8', 'int8'], 'x');
  needType(w, ['uint8', 'int8'], 'w');
  const yZeroT = ctx.inputs[7];
  const outType = yZeroT?.dtype ?? 'uint8';
  const range = quantRange(outType);
  const s = convShape(ctx, x, w);
  const xScale = perAxis(need(ctx, 1, 'x_scale'), 1, 1, 'x_scale')(0);
  const xZero = perAxis(ctx.inputs[2], 1, 0, 'x_zero_point')(0);
  const wScale = perAxis(need(ctx, 4, 'w_scale'), s.outChannels, 1, 'w_scale');
  const wZero = perAxis(ctx.inputs[5], s.outChannels, 0, 'w_zero_point');
  const yScale = perAxis(need(ctx, 6, 'y_scale'), 1, 1, 'y_scale')(0);
  const yZero = perAxis(yZeroT, 1, 0, 'y_zero_point')(0);
  const b = ctx.inputs[8];
  if (b) needType(b, ['int32'], 'B');
  if (ctx.inputs[2] && ctx.inputs[2].dtype !== x.dtype) unsupported(`x_zero_point is ${ctx.inputs[2].dtype} but x is ${x.dtype}`);
  const multipliers = Array.from({ length: s.outChannels }, (_, m) => requantMultiplier(xScale, wScale(m), yScale));
  const y = zeros(outType, s.outDims);
  accumulate(s, x, w, xZero, wZero, biasOf(b, s.outChannels, 'B'), (at, acc, m) => {
    y.data[at] = requantize(checkInt32(acc), multipliers[m], yZero, range);
  });
  return [y];
}

/** The accumulator stays in int32 in every runtime; one that would not is a model problem worth naming. */
function checkInt32(acc: number): number {
  if (acc < -2147483648 || acc > 2147483647) badShape(`the int32 accumulator overflows (${acc})`);
  return acc;
}
