import { realFunction, seluAlpha, seluGamma, TableFunction } from '../quant/tables';
import { product } from './onnxGraph';
import { badShape, KernelContext, need, needType, onlyAttributes } from './onnxKernel';
import { broadcastDims, broadcastIndex, Tensor, zeros } from './onnxTensor';

/**
 * Reference float32 activations (HardSwish, HardSigmoid, Sigmoid, Tanh, LeakyRelu, Elu, Selu,
 * Softplus, Softmax) and the
 * float Mul, Sub and Div that exporters build gates from (x·Clip(x+3, 0, 6)/6): what post-training
 * quantization needs to calibrate the ranges of the `act` and `softmax` layers. The functions are the
 * tables' own (tables.ts), so calibration sees what the int8 tables approximate.
 */

function mapped(ctx: KernelContext, attrs: string[], t: TableFunction): Tensor[] {
  onlyAttributes(ctx, attrs);
  const x = need(ctx, 0, 'X');
  needType(x, ['float32'], 'X');
  const f = realFunction(t);
  const y = zeros('float32', x.dims.slice());
  for (let i = 0; i < y.data.length; i++) y.data[i] = f(x.data[i]);
  return [y];
}

export const hardSwish = (ctx: KernelContext) => mapped(ctx, [], { fn: 'hardswish' });
export const hardSigmoid = (ctx: KernelContext) => mapped(ctx, ['alpha', 'beta'], { fn: 'hardsigmoid', alpha: ctx.attrs.float('alpha') ?? 0.2, beta: ctx.attrs.float('beta') ?? 0.5 });
export const sigmoid = (ctx: KernelContext) => mapped(ctx, [], { fn: 'sigmoid' });
export const tanh = (ctx: KernelContext) => mapped(ctx, [], { fn: 'tanh' });
export const leakyRelu = (ctx: KernelContext) => mapped(ctx, ['alpha'], { fn: 'leakyrelu', alpha: ctx.attrs.float('alpha') ?? 0.01 });
export const elu = (ctx: KernelContext) => mapped(ctx, ['alpha'], { fn: 'elu', alpha: ctx.attrs.float('alpha') ?? 1 });
export const selu = (ctx: KernelContext) => mapped(ctx, ['alpha', 'gamma'], { fn: 'selu', alpha: ctx.attrs.float('alpha') ?? seluAlpha, gamma: ctx.attrs.float('gamma') ?? seluGamma });
export const softplus = (ctx: KernelContext) => mapped(ctx, [], { fn: 'softplus' });
/** PRelu: x, or slope·x below 0 in float32, the slope broadcast against x. */
export const prelu = (ctx: KernelContext) => binary(ctx, (x, slope) => (x >= 0 ? x : Math.fround(Math.fround(slope) * x)));

/**
 * Softmax: before opset 13 over the dims from `axis` (default 1) on, flattened; from 13 on along the
 * one axis (default −1). exp(x − max) / Σ, in double, stored as float32.
 */
export function softmax(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['axis']);
  const x = need(ctx, 0, 'input');
  needType(x, ['float32'], 'input');
  const flattens = ctx.opset < 13;
  const a = ctx.attrs.int('axis', flattens ? 1 : -1);
  const axis = a < 0 ? a + x.dims.length : a;
  if (axis < 0 || axis >= x.dims.length) badShape(`axis ${a} of a ${x.dims.length}-D tensor`);
  // `count` values `stride` apart make one softmax; the rows start at every other offset.
  const stride = flattens ? 1 : product(x.dims.slice(axis + 1));
  const count = flattens ? product(x.dims.slice(axis)) : x.dims[axis];
  const y = zeros('float32', x.dims.slice());
  for (let block = 0; block < x.data.length; block += count * stride) {
    for (let at = block; at < block + stride; at++) {
      let max = -Infinity;
      for (let i = 0; i < count; i++) max = Math.max(max, x.data[at + i * stride]);
      let sum = 0;
      for (let i = 0; i < count; i++) sum += Math.exp(x.data[at + i * stride] - max);
      for (let i = 0; i < count; i++) y.data[at + i * stride] = Math.exp(x.data[at + i * stride] - max) / sum;
    }
  }
  return [y];
}

function binary(ctx: KernelContext, f: (a: number, b: number) => number): Tensor[] {
  onlyAttributes(ctx, []);
  const a = need(ctx, 0, 'A');
  const b = need(ctx, 1, 'B');
  needType(a, ['float32'], 'A');
  needType(b, ['float32'], 'B');
  const dims = broadcastDims(a.dims, b.dims);
  if (!dims) return badShape(`A [${a.dims.join(', ')}] and B [${b.dims.join(', ')}] do not broadcast`);
  const ai = broadcastIndex(a.dims, dims);
  const bi = broadcastIndex(b.dims, dims);
  const y = zeros('float32', dims);
  for (let i = 0; i < y.data.length; i++) y.data[i] = f(a.data[ai[i]], b.data[bi[i]]);
  return [y];
}

export const mul = (ctx: KernelContext) => binary(ctx, (a, b) => a * b);
/** Max and Min of two tensors (opset 8+ takes more; a clamp by a constant takes two). */
export const max = (ctx: KernelContext) => binary(ctx, (a, b) => (a >= b ? a : b));
export const min = (ctx: KernelContext) => binary(ctx, (a, b) => (a <= b ? a : b));
export const sub = (ctx: KernelContext) => binary(ctx, (a, b) => a - b);
export const div = (ctx: KernelContext) => binary(ctx, (a, b) => a / b);
