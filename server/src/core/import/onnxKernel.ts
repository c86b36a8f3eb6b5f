import { Attributes, GraphNode } from './onnxGraph';
import { onnxMultiplier, requantizeOnnx } from '../quant/onnxRule';
import { DType, Tensor } from './onnxTensor';

export { roundHalfEven } from '../quant/onnxRule';

/**
 * What every reference kernel gets and the two ways it refuses a node. Kernels are pure functions of
 * their input tensors and attributes; a refusal is thrown as {@link NodeError} and turned into a
 * diagnostic naming the node by the interpreter's loop — it never leaves {@link ./onnxReference}.
 */

export interface KernelContext {
  node: GraphNode;
  /** The node's inputs in order; undefined for an omitted optional input. */
  inputs: (Tensor | undefined)[];
  attrs: Attributes;
  /** The model's default-domain opset (Softmax's axis means something else from 13 on). */
  opset: number;
}

export type Kernel = (ctx: KernelContext) => (Tensor | undefined)[];

/** A node the interpreter cannot evaluate: an unsupported attribute or type ('unsupported') or inputs that do not fit ('shape'). */
export class NodeError extends Error {
  constructor(readonly kind: 'unsupported' | 'shape', readonly reason: string) {
    super(reason);
  }
}

export function unsupported(reason: string): never {
  throw new NodeError('unsupported', reason);
}

export function badShape(reason: string): never {
  throw new NodeError('shape', reason);
}

/** Input i, which the op requires. */
export function need(ctx: KernelContext, i: number, name: string): Tensor {
  const t = ctx.inputs[i];
  if (!t) badShape(`input ${i} (${name}) is missing`);
  return t;
}

/** Refuses attributes the kernel does not evaluate, so that none is silently ignored. */
export function onlyAttributes(ctx: KernelContext, known: readonly string[]): void {
  for (const name of ctx.node.attrs.keys()) {
    if (!known.includes(name)) unsupported(`attribute '${name}' is not evaluated by the reference interpreter`);
  }
}

export function needType(t: Tensor, types: readonly DType[], what: string): void {
  if (!types.includes(t.dtype)) unsupported(`${what} is ${t.dtype}; the reference interpreter evaluates ${types.join(' or ')}`);
}

/**
 * A scale or zero point that is per tensor (a scalar or one element) or per axis (1-D of `count`):
 * returns the value for each index along the axis.
 */
export function perAxis(t: Tensor | undefined, count: number, fallback: number, what: string): (i: number) => number {
  if (!t) return () => fallback;
  const n = t.data.length;
  if (n === 1) {
    const v = t.data[0];
    return () => v;
  }
  if (t.dims.length !== 1 || n !== count) badShape(`${what} has dims [${t.dims.join(', ')}]; expected a scalar or ${count} values`);
  return (i) => t.data[i];
}

/** The range of a quantized type. */
export function quantRange(dtype: DType): [number, number] {
  switch (dtype) {
    case 'uint8': return [0, 255];
    case 'int8': return [-128, 127];
    case 'int32': return [-2147483648, 2147483647];
    default: return unsupported(`quantized type ${dtype} (the reference interpreter quantizes to uint8 or int8)`);
  }
}

export function saturate(v: number, range: [number, number]): number {
  return v < range[0] ? range[0] : v > range[1] ? range[1] : v;
}

/**
 * ONNX's requantization of an int32 accumulator (QLinearConv, QLinearMatMul; onnxruntime's
 * MlasRequantizeOutput): in float32, acc × (xScale·wScale / yScale), rounded half to even, plus the
 * output zero point, saturated. The multiplier is formed in float32 too, so every step is one IEEE
 * single rounding — the same bytes a C runtime gets with `float` arithmetic.
 */
export const requantMultiplier = onnxMultiplier;

export function requantize(acc: number, multiplier: number, zeroPoint: number, range: [number, number]): number {
  return saturate(requantizeOnnx(acc, multiplier) + zeroPoint, range);
}
