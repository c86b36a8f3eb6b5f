import { product } from './onnxGraph';
import { badShape, KernelContext, need, onlyAttributes, unsupported } from './onnxKernel';
import { DType, Tensor, tensorOf } from './onnxTensor';

/**
 * Reference Shape, Cast, Slice and Concat: the shape arithmetic exporters write before a dynamic
 * Reshape (`Shape → Cast → Slice → Concat → Reshape`, PaddlePaddle's flatten), evaluated on real
 * tensors so that the float graph runs end to end for calibration.
 */

export function shape(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, []);
  const x = need(ctx, 0, 'data');
  return [tensorOf('int64', [x.dims.length], x.dims)];
}

/** ONNX type numbers of the casts the interpreter makes (numeric types it stores). */
const castTypes: Partial<Record<number, DType>> = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 11: 'float64' };

export function cast(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['to', 'saturate']);
  const x = need(ctx, 0, 'input');
  const to = castTypes[ctx.attrs.int('to', 0)];
  if (!to) return unsupported(`Cast to type ${ctx.attrs.int('to', 0)}`);
  // Float to integer truncates toward zero, as C's conversion does.
  return [tensorOf(to, x.dims.slice(), Array.from(x.data, (v) => (to === 'float32' || to === 'float64' ? v : Math.trunc(v))))];
}

/** Slice along the given axes (inputs from opset 10, attributes before), steps of 1. */
export function slice(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['starts', 'ends', 'axes']);
  const x = need(ctx, 0, 'data');
  const list = (i: number, attr: string) => (ctx.inputs[i] ? Array.from(ctx.inputs[i]!.data) : ctx.attrs.ints(attr));
  const starts = list(1, 'starts');
  const ends = list(2, 'ends');
  if (!starts || !ends || starts.length !== ends.length) return badShape('starts and ends are missing or differ in length');
  const axes = list(3, 'axes') ?? starts.map((_, i) => i);
  if (ctx.inputs[4] && Array.from(ctx.inputs[4].data).some((s) => s !== 1)) unsupported('steps other than 1');
  const from = x.dims.map(() => 0);
  const to = x.dims.slice();
  axes.forEach((a, i) => {
    const axis = a < 0 ? a + x.dims.length : a;
    const n = x.dims[axis];
    const clamp = (v: number) => Math.max(0, Math.min(n, v < 0 ? v + n : v));
    [from[axis], to[axis]] = [clamp(starts[i]), Math.max(clamp(starts[i]), clamp(ends[i]))];
  });
  const dims = to.map((t, i) => t - from[i]);
  const values: number[] = [];
  const strides = x.dims.map((_, i) => product(x.dims.slice(i + 1)));
  for (let k = 0; k < product(dims); k++) {
    let at = 0;
    let rest = k;
    for (let i = dims.length - 1; i >= 0; i--) {
      at += (from[i] + (rest % dims[i])) * strides[i];
      rest = Math.floor(rest / dims[i]);
    }
    values.push(x.data[at]);
  }
  return [tensorOf(x.dtype, dims, values)];
}

/** Concat of tensors along `axis`. */
export function concat(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['axis']);
  const xs = ctx.inputs.filter((t): t is Tensor => t !== undefined);
  if (xs.length === 0) return badShape('no inputs');
  const a = ctx.attrs.int('axis', 0);
  const axis = a < 0 ? a + xs[0].dims.length : a;
  const outer = product(xs[0].dims.slice(0, axis));
  if (xs.some((t) => t.dtype !== xs[0].dtype || t.dims.length !== xs[0].dims.length || product(t.dims.slice(0, axis)) !== outer)) badShape('the inputs do not line up');
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const t of xs) {
      const block = product(t.dims.slice(axis));
      for (let i = 0; i < block; i++) values.push(t.data[o * block + i]);
    }
  }
  const dims = xs[0].dims.slice();
  dims[axis] = xs.reduce((sum, t) => sum + t.dims[axis], 0);
  return [tensorOf(xs[0].dtype, dims, values)];
}
