import { product } from './onnxGraph';
import { badShape, KernelContext, need, needType, onlyAttributes } from './onnxKernel';
import { Tensor, zeros } from './onnxTensor';

/**
 * Reference Relu, Clip, BatchNormalization, Flatten and Reshape on float32 tensors: what a float
 * CNN needs besides Conv, Gemm, Add and pooling, so that post-training quantization can calibrate
 * its activation ranges on the float graph.
 */

function map(x: Tensor, f: (v: number) => number): Tensor {
  const y = zeros('float32', x.dims.slice());
  for (let i = 0; i < y.data.length; i++) y.data[i] = f(x.data[i]);
  return y;
}

export function relu(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, []);
  const x = need(ctx, 0, 'X');
  needType(x, ['float32'], 'X');
  return [map(x, (v) => (v > 0 ? v : 0))];
}

/** Clip with bounds as inputs (opset ≥ 11) or attributes (older opsets). */
export function clip(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['min', 'max']);
  const x = need(ctx, 0, 'input');
  needType(x, ['float32'], 'input');
  const lo = ctx.inputs[1]?.data[0] ?? ctx.attrs.float('min') ?? -Infinity;
  const hi = ctx.inputs[2]?.data[0] ?? ctx.attrs.float('max') ?? Infinity;
  return [map(x, (v) => (v < lo ? lo : v > hi ? hi : v))];
}

/** Inference-mode batch normalization over axis 1. */
export function batchNormalization(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['epsilon', 'momentum', 'training_mode']);
  const x = need(ctx, 0, 'X');
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => need(ctx, i, ['scale', 'B', 'input_mean', 'input_var'][i - 1]));
  const eps = ctx.attrs.float('epsilon') ?? 1e-5;
  const channels = x.dims[1] ?? 1;
  if ([scale, bias, mean, variance].some((t) => t.data.length !== channels)) badShape(`the parameters do not have ${channels} values`);
  const inner = product(x.dims.slice(2));
  const y = zeros('float32', x.dims.slice());
  for (let i = 0; i < y.data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    y.data[i] = ((x.data[i] - mean.data[c]) / Math.sqrt(variance.data[c] + eps)) * scale.data[c] + bias.data[c];
  }
  return [y];
}

function view(x: Tensor, dims: number[]): Tensor {
  return { dtype: x.dtype, dims, data: x.data };
}

export function flatten(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['axis']);
  const x = need(ctx, 0, 'input');
  const a = ctx.attrs.int('axis', 1);
  const axis = a < 0 ? a + x.dims.length : a;
  return [view(x, [product(x.dims.slice(0, axis)), product(x.dims.slice(axis))])];
}

export function reshape(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['allowzero']);
  const x = need(ctx, 0, 'data');
  const shape = Array.from(need(ctx, 1, 'shape').data);
  const dims = shape.map((d, i) => (d === 0 ? x.dims[i] : d));
  const known = product(dims.filter((d) => d !== -1));
  const filled = dims.map((d) => (d === -1 ? x.data.length / known : d));
  if (product(filled) !== x.data.length || !filled.every(Number.isInteger)) badShape(`cannot reshape [${x.dims.join(', ')}] to [${shape.join(', ')}]`);
  return [view(x, filled)];
}
