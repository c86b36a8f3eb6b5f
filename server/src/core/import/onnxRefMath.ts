import { product } from './onnxGraph';
import { badShape, KernelContext, need, needType, onlyAttributes, perAxis, quantRange, requantize, requantMultiplier, roundHalfEven, saturate, unsupported } from './onnxKernel';
import { broadcastDims, broadcastIndex, Tensor, zeros } from './onnxTensor';

/**
 * Reference Add, MatMul, Gemm, MatMulInteger, QLinearMatMul, QuantizeLinear and DequantizeLinear.
 * Element types follow numpy as ONNX's reference does: an integer Add wraps around (the typed array
 * stores modulo 2^bits), float32 results are rounded once when stored.
 */

export function add(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, []);
  const a = need(ctx, 0, 'A');
  const b = need(ctx, 1, 'B');
  if (a.dtype !== b.dtype) badShape(`A is ${a.dtype} but B is ${b.dtype}`);
  const dims = broadcastDims(a.dims, b.dims);
  if (!dims) return badShape(`A [${a.dims.join(', ')}] and B [${b.dims.join(', ')}] do not broadcast`);
  const ai = broadcastIndex(a.dims, dims);
  const bi = broadcastIndex(b.dims, dims);
  const y = zeros(a.dtype, dims);
  for (let i = 0; i < y.data.length; i++) y.data[i] = a.data[ai[i]] + b.data[bi[i]];
  return [y];
}

/** numpy matmul's shapes: 1-D operands promoted and dropped again, batch dims broadcast. */
interface MatMulPlan {
  m: number;
  k: number;
  n: number;
  /** Per output batch: the matrix offsets (elements) into A and B. */
  aOffsets: number[];
  bOffsets: number[];
  outDims: number[];
}

function matMulPlan(a: readonly number[], b: readonly number[]): MatMulPlan {
  if (a.length === 0 || b.length === 0) badShape('MatMul operands must have at least one dimension');
  const a2 = a.length === 1 ? [1, a[0]] : a.slice();
  const b2 = b.length === 1 ? [b[0], 1] : b.slice();
  const [m, k] = a2.slice(-2);
  const [k2, n] = b2.slice(-2);
  if (k !== k2) badShape(`A [${a.join(', ')}] and B [${b.join(', ')}] disagree on the inner dimension`);
  const batch = broadcastDims(a2.slice(0, -2), b2.slice(0, -2));
  if (!batch) return badShape(`the batch dims of A [${a.join(', ')}] and B [${b.join(', ')}] do not broadcast`);
  const ai = broadcastIndex(a2.slice(0, -2), batch);
  const bi = broadcastIndex(b2.slice(0, -2), batch);
  const outDims = [...batch, ...(a.length === 1 ? [] : [m]), ...(b.length === 1 ? [] : [n])];
  return { m, k, n, aOffsets: Array.from(ai, (i) => i * m * k), bOffsets: Array.from(bi, (i) => i * k * n), outDims };
}

/** Σ_k (a − aZero(row))·(b − bZero(col)) for every output element, into `emit(at, acc, row, col)`. */
function matMulEach(p: MatMulPlan, a: Tensor, b: Tensor, aZero: (r: number) => number, bZero: (c: number) => number, emit: (at: number, acc: number, row: number, col: number) => void): void {
  for (let batch = 0; batch < p.aOffsets.length; batch++) {
    for (let r = 0; r < p.m; r++) {
      const az = aZero(r);
      for (let c = 0; c < p.n; c++) {
        let acc = 0;
        for (let i = 0; i < p.k; i++) acc += (a.data[p.aOffsets[batch] + r * p.k + i] - az) * (b.data[p.bOffsets[batch] + i * p.n + c] - bZero(c));
        emit((batch * p.m + r) * p.n + c, acc, r, c);
      }
    }
  }
}

export function matMul(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, []);
  const a = need(ctx, 0, 'A');
  const b = need(ctx, 1, 'B');
  needType(a, ['float32'], 'A');
  needType(b, ['float32'], 'B');
  const p = matMulPlan(a.dims, b.dims);
  const y = zeros('float32', p.outDims);
  matMulEach(p, a, b, () => 0, () => 0, (at, acc) => { y.data[at] = acc; });
  return [y];
}

export function gemm(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['alpha', 'beta', 'transA', 'transB']);
  const a = need(ctx, 0, 'A');
  const b = need(ctx, 1, 'B');
  const c = ctx.inputs[2];
  for (const [t, what] of [[a, 'A'], [b, 'B'], [c, 'C']] as const) if (t) needType(t, ['float32'], what);
  if (a.dims.length !== 2 || b.dims.length !== 2) badShape(`Gemm needs 2-D A and B, not [${a.dims.join(', ')}] and [${b.dims.join(', ')}]`);
  const alpha = ctx.attrs.float('alpha') ?? 1;
  const beta = ctx.attrs.float('beta') ?? 1;
  const ta = ctx.attrs.int('transA', 0) !== 0;
  const tb = ctx.attrs.int('transB', 0) !== 0;
  const [m, k] = ta ? [a.dims[1], a.dims[0]] : a.dims;
  const [k2, n] = tb ? [b.dims[1], b.dims[0]] : b.dims;
  if (k !== k2) badShape(`A' is ${m}×${k} but B' is ${k2}×${n}`);
  const ci = c && broadcastDims(c.dims, [m, n])?.join() === [m, n].join() ? broadcastIndex(c.dims, [m, n]) : undefined;
  if (c && !ci) badShape(`C [${c.dims.join(', ')}] does not broadcast to [${m}, ${n}]`);
  const y = zeros('float32', [m, n]);
  for (let r = 0; r < m; r++) {
    for (let col = 0; col < n; col++) {
      let acc = 0;
      for (let i = 0; i < k; i++) acc += a.data[ta ? i * m + r : r * k + i] * b.data[tb ? col * k + i : i * n + col];
      y.data[r * n + col] = alpha * acc + (c && ci ? beta * c.data[ci[r * n + col]] : 0);
    }
  }
  return [y];
}

export function matMulInteger(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, []);
  const a = need(ctx, 0, 'A');
  const b = need(ctx, 1, 'B');
  needType(a, ['uint8', 'int8'], 'A');
  needType(b, ['uint8', 'int8'], 'B');
  const p = matMulPlan(a.dims, b.dims);
  const aZero = perAxis(ctx.inputs[2], p.m, 0, 'a_zero_point');
  const bZero = perAxis(ctx.inputs[3], p.n, 0, 'b_zero_point');
  const y = zeros('int32', p.outDims);
  matMulEach(p, a, b, aZero, bZero, (at, acc) => { y.data[at] = acc; });
  return [y];
}

/** QLinearMatMul: the same requantization as QLinearConv (per-row a scales are not evaluated). */
export function qlinearMatMul(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, []);
  const a = need(ctx, 0, 'a');
  const b = need(ctx, 3, 'b');
  needType(a, ['uint8', 'int8'], 'a');
  needType(b, ['uint8', 'int8'], 'b');
  const p = matMulPlan(a.dims, b.dims);
  const aScale = perAxis(need(ctx, 1, 'a_scale'), 1, 1, 'a_scale')(0);
  const aZero = perAxis(ctx.inputs[2], 1, 0, 'a_zero_point')(0);
  const bScale = perAxis(need(ctx, 4, 'b_scale'), p.n, 1, 'b_scale');
  const bZero = perAxis(ctx.inputs[5], p.n, 0, 'b_zero_point');
  const yScale = perAxis(need(ctx, 6, 'y_scale'), 1, 1, 'y_scale')(0);
  const yZeroT = ctx.inputs[7];
  const yZero = perAxis(yZeroT, 1, 0, 'y_zero_point')(0);
  const range = quantRange(yZeroT?.dtype ?? 'uint8');
  const multipliers = Array.from({ length: p.n }, (_, c) => requantMultiplier(aScale, bScale(c), yScale));
  const y = zeros(yZeroT?.dtype ?? 'uint8', p.outDims);
  matMulEach(p, a, b, () => aZero, bZero, (at, acc, _r, c) => { y.data[at] = requantize(acc, multipliers[c], yZero, range); });
  return [y];
}

/** For each element, its index along `axis` (per-axis scales and zero points). */
function axisIndexOf(ctx: KernelContext, dims: readonly number[], scale: Tensor): { count: number; at: (i: number) => number } {
  if (scale.data.length === 1) return { count: 1, at: () => 0 };
  let axis = ctx.attrs.int('axis', 1);
  if (axis < 0) axis += dims.length;
  if (axis < 0 || axis >= dims.length) badShape(`axis ${ctx.attrs.int('axis', 1)} for dims [${dims.join(', ')}]`);
  const inner = product(dims.slice(axis + 1));
  const count = dims[axis];
  return { count, at: (i) => Math.floor(i / inner) % count };
}

/** QuantizeLinear: saturate(round_half_even(x / scale) + zero_point), the division in float32. */
export function quantizeLinear(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['axis']);
  const x = need(ctx, 0, 'x');
  needType(x, ['float32'], 'x');
  const scaleT = need(ctx, 1, 'y_scale');
  const zeroT = ctx.inputs[2];
  const outType = zeroT?.dtype ?? 'uint8';
  if (outType !== 'uint8' && outType !== 'int8') unsupported(`y_zero_point of type ${outType}`);
  const range = quantRange(outType);
  const axis = axisIndexOf(ctx, x.dims, scaleT);
  const scale = perAxis(scaleT, axis.count, 1, 'y_scale');
  const zero = perAxis(zeroT, axis.count, 0, 'y_zero_point');
  const y = zeros(outType, x.dims);
  for (let i = 0; i < x.data.length; i++) {
    const j = axis.at(i);
    y.data[i] = saturate(roundHalfEven(Math.fround(x.data[i] / scale(j))) + zero(j), range);
  }
  return [y];
}

/** DequantizeLinear: (x − zero_point) · scale in float32. */
export function dequantizeLinear(ctx: KernelContext): Tensor[] {
  onlyAttributes(ctx, ['axis']);
  const x = need(ctx, 0, 'x');
  needType(x, ['uint8', 'int8', 'int32'], 'x');
  const scaleT = need(ctx, 1, 'x_scale');
  const axis = axisIndexOf(ctx, x.dims, scaleT);
  const scale = perAxis(scaleT, axis.count, 1, 'x_scale');
  const zero = perAxis(ctx.inputs[2], axis.count, 0, 'x_zero_point');
  const y = zeros('float32', x.dims);
  for (let i = 0; i < x.data.length; i++) {
    const j = axis.at(i);
    y.data[i] = (x.data[i] - zero(j)) * scale(j);
  }
  return [y];
}
