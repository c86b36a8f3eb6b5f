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

/**
 * Softmax over the dims from `axis` on (opset < 13's rule; on a [N, C] tensor, and on the 1×1 maps
 * the importer accepts, it is opset 13's too): exp(x − max) / Σ, in double, stored as float32.
 */
export function softmax(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['axis']);
  const x = need(ctx, 0, 'input');
  needType(x, ['float32'], 'input');
  const a = ctx.attrs.int('axis', 1);
  const axis = a < 0 ? a + x.dims.length : a;
  if (axis < 0 || axis >= x.dims.length) badShape(`axis ${a} of a ${x.dims.length}-D tensor`);
  const inner = product(x.dims.slice(axis));
  const y = zeros('float32', x.dims.slice());
  for (let at = 0; at < x.data.length; at += inner) {
    let max = -Infinity;
    for (let i = 0; i < inner; i++) max = Math.max(max, x.data[at + i]);
    let sum = 0;
    for (let i = 0; i < inner; i++) sum += Math.exp(x.data[at + i] - max);
    for (let i = 0; i < inner; i++) y.data[at + i] = Math.exp(x.data[at + i] - max) / sum;
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
