import { onnx } from 'onnx-proto';
import { Random } from '../../server/src/core/quant/random';
import { OnnxBuilder } from './onnxModels';

// Quantized ONNX models for the firmware tests, built with onnx-proto: a QOperator chain of s8×s8
// QLinearConv layers (dense 3x3 stride 2, depthwise 3x3, 1x1), an int8 MaxPool and a QLinearMatMul
// classifier; and the same architecture in QDQ form (float graph with Q/DQ pairs).

const T = onnx.TensorProto.DataType;

export interface ConvSpec {
  cin: number;
  cout: number;
  k: number;
  s: number;
  /** Depthwise when set (groups = channels). */
  depthwise?: boolean;
  /** ReLU through the output range: zero point −128. */
  relu: boolean;
}

/** The chain both models share: 3×16×16 → conv 3x3 s2 → dw 3x3 → 1x1 → maxpool 2 → fc 10. */
export const chain: ConvSpec[] = [
  { cin: 3, cout: 8, k: 3, s: 2, relu: true },
  { cin: 8, cout: 8, k: 3, s: 1, depthwise: true, relu: true },
  { cin: 8, cout: 16, k: 1, s: 1, relu: false },
];
export const inputDims = [1, 3, 16, 16];
export const classes = 10;
/** Flattened classifier inputs: 16 channels × 4 × 4 after the pool. */
const fcInputs = 16 * 4 * 4;

interface QuantParams {
  w: Int8Array;
  ws: number[];
  bias: Int32Array;
  yScale: number;
  yZp: number;
}

/** Random int8 weights, per-channel scales, int32 bias, and an output scale that spreads the outputs over tens of steps. */
function convParams(rng: Random, spec: ConvSpec, xScale: number, perChannel: boolean): QuantParams {
  const taps = spec.k * spec.k * (spec.depthwise ? 1 : spec.cin);
  const w = Int8Array.from({ length: spec.cout * taps }, () => rng.int(-127, 127));
  const ws = Array.from({ length: perChannel ? spec.cout : 1 }, () => Math.fround(0.002 + 0.01 * rng.next()));
  const mean = ws.reduce((a, b) => a + b, 0) / ws.length;
  const yScale = Math.fround((xScale * mean * Math.sqrt(taps) * 70 * 70) / 60);
  const bias = Int32Array.from({ length: spec.cout }, () => Math.round(rng.normal() * 2000));
  return { w, ws, bias, yScale, yZp: spec.relu ? -128 : rng.int(-10, 10) };
}

export interface QuantModel {
  bytes: Uint8Array;
  /** The graph output's name. */
  output: string;
}

/** A broken quantization parameter of the second QLinearConv ('qconv1'), for the diagnostics tests. */
export type Flaw = 'weightZeroPoint' | 'missingScale' | 'zeroScale' | 'nanScale';

/** The QOperator model: int8 input and output, QLinearConv ×3, MaxPool, Flatten, QLinearMatMul. */
export function qoperatorModel(seed: number, flaw?: Flaw): QuantModel {
  const rng = new Random(seed);
  const m = new OnnxBuilder();
  let x = m.input('x', inputDims, T.INT8);
  let xs = m.floats('x_scale', [0.02]);
  let xz = m.ints('x_zp', 'int8', [], [0]);
  let xScale = 0.02;
  chain.forEach((spec, i) => {
    const p = convParams(rng, spec, xScale, true);
    const w = m.ints(`w${i}`, 'int8', [spec.cout, spec.depthwise ? 1 : spec.cin, spec.k, spec.k], p.w);
    const ys = m.floats(`y${i}_scale`, [p.yScale]);
    const yz = m.ints(`y${i}_zp`, 'int8', [], [p.yZp]);
    const pad = spec.k >> 1;
    const flawed = i === 1 ? flaw : undefined;
    const wScales = flawed === 'zeroScale' ? p.ws.map((v, c) => (c === 2 ? 0 : v)) : flawed === 'nanScale' ? p.ws.map((v, c) => (c === 2 ? NaN : v)) : p.ws;
    const wZeroPoints = Int8Array.from({ length: spec.cout }, (_, c) => (flawed === 'weightZeroPoint' && c === 3 ? 5 : 0));
    const inputs = [x, xs, xz, w, m.floats(`w${i}_scale`, wScales), m.ints(`w${i}_zp`, 'int8', [spec.cout], wZeroPoints), flawed === 'missingScale' ? '' : ys, yz, m.ints(`b${i}`, 'int32', [spec.cout], p.bias)];
    x = m.node('QLinearConv', inputs, { kernel_shape: [spec.k, spec.k], strides: [spec.s, spec.s], pads: [pad, pad, pad, pad], group: spec.depthwise ? spec.cin : 1 }, undefined, `qconv${i}`);
    [xs, xz, xScale] = [ys, yz, p.yScale];
  });
  x = m.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, undefined, 'pool');
  x = m.node('Flatten', [x], { axis: 1 }, undefined, 'flatten');
  const b = Int8Array.from({ length: fcInputs * classes }, () => rng.int(-127, 127));
  const bScale = Math.fround(0.004);
  const yScale = Math.fround((xScale * bScale * Math.sqrt(fcInputs) * 60 * 70) / 50);
  const inputs = [x, xs, xz, m.ints('fc_w', 'int8', [fcInputs, classes], b), m.floats('fc_w_scale', [bScale]), m.ints('fc_w_zp', 'int8', [], [0]), m.floats('logits_scale', [yScale]), m.ints('logits_zp', 'int8', [], [3])];
  m.node('QLinearMatMul', inputs, {}, ['logits'], 'classifier');
  m.output('logits', [1, classes], T.INT8);
  return { bytes: m.bytes(), output: 'logits' };
}

/**
 * The same chain as QDQ: float input → QuantizeLinear → (DequantizeLinear → Conv with
 * DequantizeLinear'd int8 weights (per channel, axis 0) and int32 bias → Relu → QuantizeLinear)×3 →
 * DequantizeLinear → MaxPool → QuantizeLinear → DequantizeLinear → Flatten → Gemm (transB) →
 * QuantizeLinear: an int8 output.
 */
export function qdqModel(seed: number): QuantModel & { inputScale: number; inputZp: number } {
  const rng = new Random(seed);
  const m = new OnnxBuilder();
  const inputScale = Math.fround(0.02);
  const inputZp = 3;
  let xs = m.floats('x_scale', [inputScale]);
  let xz = m.ints('x_zp', 'int8', [], [inputZp]);
  let q = m.node('QuantizeLinear', [m.input('x', inputDims), xs, xz], {}, undefined, 'quantize_input');
  let xScale = inputScale;
  const dq = (v: string, s: string, z: string, name: string, axis = 1) => m.node('DequantizeLinear', [v, s, z], { axis }, undefined, name);
  chain.forEach((spec, i) => {
    const p = convParams(rng, spec, xScale, true);
    const w = dq(m.ints(`w${i}`, 'int8', [spec.cout, spec.depthwise ? 1 : spec.cin, spec.k, spec.k], p.w), m.floats(`w${i}_scale`, p.ws), m.ints(`w${i}_zp`, 'int8', [spec.cout], new Int8Array(spec.cout)), `w${i}_dq`, 0);
    const bs = m.floats(`b${i}_scale`, p.ws.map((ws) => Math.fround(xScale * ws)));
    const b = m.node('DequantizeLinear', [m.ints(`b${i}`, 'int32', [spec.cout], p.bias), bs, m.ints(`b${i}_zp`, 'int32', [spec.cout], new Int32Array(spec.cout))], { axis: 0 }, undefined, `b${i}_dq`);
    const pad = spec.k >> 1;
    let y = m.node('Conv', [dq(q, xs, xz, `x${i}_dq`), w, b], { kernel_shape: [spec.k, spec.k], strides: [spec.s, spec.s], pads: [pad, pad, pad, pad], group: spec.depthwise ? spec.cin : 1 }, undefined, `conv${i}`);
    if (spec.relu) y = m.node('Relu', [y], {}, undefined, `relu${i}`);
    xs = m.floats(`y${i}_scale`, [p.yScale]);
    xz = m.ints(`y${i}_zp`, 'int8', [], [p.yZp]);
    q = m.node('QuantizeLinear', [y, xs, xz], {}, undefined, `quantize${i}`);
    xScale = p.yScale;
  });
  q = m.node('QuantizeLinear', [m.node('MaxPool', [dq(q, xs, xz, 'pool_dq')], { kernel_shape: [2, 2], strides: [2, 2] }, undefined, 'pool'), xs, xz], {}, undefined, 'pool_quantize');
  const flat = m.node('Flatten', [dq(q, xs, xz, 'fc_dq')], { axis: 1 }, undefined, 'flatten');
  const wq = Int8Array.from({ length: fcInputs * classes }, () => rng.int(-127, 127));
  const ws = Array.from({ length: classes }, () => Math.fround(0.003 + 0.002 * rng.next()));
  const w = m.node('DequantizeLinear', [m.ints('fc_w', 'int8', [classes, fcInputs], wq), m.floats('fc_w_scale', ws), m.ints('fc_w_zp', 'int8', [classes], new Int8Array(classes))], { axis: 0 }, undefined, 'fc_w_dq');
  const bias = m.node('DequantizeLinear', [m.ints('fc_b', 'int32', [classes], Int32Array.from({ length: classes }, () => Math.round(rng.normal() * 3000))), m.floats('fc_b_scale', ws.map((v) => Math.fround(xScale * v))), m.ints('fc_b_zp', 'int32', [classes], new Int32Array(classes))], { axis: 0 }, undefined, 'fc_b_dq');
  const yScale = Math.fround((xScale * 0.004 * Math.sqrt(fcInputs) * 60 * 70) / 50);
  const logits = m.node('Gemm', [flat, w, bias], { transB: 1 }, undefined, 'classifier');
  m.node('QuantizeLinear', [logits, m.floats('logits_scale', [yScale]), m.ints('logits_zp', 'int8', [], [3])], {}, ['logits'], 'quantize_logits');
  m.output('logits', [1, classes], T.INT8);
  return { bytes: m.bytes(), output: 'logits', inputScale, inputZp };
}

/**
 * A float model for post-training quantization: conv 3x3 s2 + BatchNormalization + Clip(0, 6), an
 * inverted residual (expand 1x1, depthwise 3x3, project 1x1, Add), MaxPool, Flatten, Gemm.
 */
export function floatModel(seed: number): Uint8Array {
  const rng = new Random(seed);
  const m = new OnnxBuilder();
  const values = (n: number, scale: number) => Array.from({ length: n }, () => scale * rng.normal());
  let id = 0;
  const conv = (x: string, cin: number, cout: number, k: number, s: number, group: number, act: boolean): string => {
    const i = id++;
    const w = m.initRaw(`w${i}`, [cout, cin / group, k, k], values((cout * cin * k * k) / group, Math.sqrt(2 / ((cin / group) * k * k))));
    const p = k >> 1;
    let y = m.node('Conv', [x, w, m.initRaw(`b${i}`, [cout], values(cout, 0.1))], { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], group }, undefined, `conv${i}`);
    const bn = (name: string, v: number[]) => m.initRaw(`${name}${i}`, [cout], v);
    y = m.node('BatchNormalization', [y, bn('gamma', values(cout, 0.2).map((v) => 1 + v)), bn('beta', values(cout, 0.1)), bn('mean', values(cout, 0.1)), bn('var', values(cout, 0.2).map((v) => 1 + Math.abs(v)))], { epsilon: { float: 1e-5 } }, undefined, `bn${i}`);
    return act ? m.node('Clip', [y, m.init(`min${i}`, [], [0]), m.init(`max${i}`, [], [6])], {}, undefined, `clip${i}`) : y;
  };
  let x = conv(m.input('x', inputDims), 3, 8, 3, 2, 1, true);
  const y = conv(conv(conv(x, 8, 16, 1, 1, 1, true), 16, 16, 3, 1, 16, true), 16, 8, 1, 1, 1, false);
  x = m.node('Add', [x, y], {}, undefined, 'residual');
  x = m.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, undefined, 'pool');
  x = m.node('Flatten', [x], { axis: 1 }, undefined, 'flatten');
  m.node('Gemm', [x, m.initRaw('fc_w', [classes, 8 * 4 * 4], values(classes * 128, 0.1)), m.initRaw('fc_b', [classes], values(classes, 0.1))], { transB: 1 }, ['logits'], 'classifier');
  m.output('logits', [1, classes]);
  return m.bytes();
}
