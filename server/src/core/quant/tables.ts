import { TableActivation } from '../model/ir';
import { clamp, multiplyByQuantizedMultiplier, quantizeMultiplier } from './fixedPoint';
import { logistic, roundingDivideByPOT, tanh } from './fixedMath';
import { roundHalfEven } from './onnxRule';
import { RequantRule, TensorQuant } from './qmodel';

// The 256-entry tables of `act` layers. An int8 elementwise op is a function of one int8 value, so
// evaluating the op's own integer rule on all 256 inputs at generation time gives a table the
// firmware looks up with the same bytes. Rules: TensorFlow Lite Micro's integer kernels where TFLite
// has the op with the output quantization it requires (LOGISTIC: 1/256, −128; TANH: 1/128, 0;
// HARD_SWISH and LEAKY_RELU: any), otherwise the float function re-quantized — TFLite's LUT rule
// (float32, round half away from zero) or onnxruntime's QuantizeLinear (round half to even).

export interface TableFunction {
  fn: TableActivation;
  /** LeakyRelu's slope; HardSigmoid's slope (default 1/6); Elu's and Selu's negative scale. */
  alpha?: number;
  /** HardSigmoid's offset (default 1/2). */
  beta?: number;
  /** Selu's overall scale. */
  gamma?: number;
  /** PRelu's slope of each channel (float32 values): one table a channel. */
  slopes?: readonly number[];
  /** The output clamped below and above (float32 constants of a Max/Min after the activation). */
  min?: number;
  max?: number;
}

const f32 = Math.fround;

/** ONNX's Selu defaults (float32 values). */
export const seluAlpha = 1.67326319217681884765625;
export const seluGamma = 1.05070102214813232421875;

/**
 * The real function of each table activation (float32 at each step, like TFLite's float kernels),
 * clamped as it says; a PRelu's of one channel (without one: its steepest slope, for ranges).
 */
export function realFunction(t: TableFunction, channel?: number): (x: number) => number {
  const f = unclamped(t, channel);
  if (t.min === undefined && t.max === undefined) return f;
  const [lo, hi] = [f32(t.min ?? -Infinity), f32(t.max ?? Infinity)];
  return (x) => Math.min(hi, Math.max(lo, f(x)));
}

function unclamped(t: TableFunction, channel?: number): (x: number) => number {
  const hardSigmoid = (x: number) => Math.max(0, Math.min(1, f32(f32(t.alpha ?? 1 / 6) * x + f32(t.beta ?? 0.5))));
  const sigmoid = (x: number) => f32(1 / (1 + Math.exp(-x)));
  switch (t.fn) {
    case 'hardswish': return (x) => f32(x * f32(Math.max(0, Math.min(6, x + 3)) / 6));
    case 'hardsigmoid': return hardSigmoid;
    case 'sigmoid': return sigmoid;
    case 'tanh': return (x) => f32(Math.tanh(x));
    case 'leakyrelu': return (x) => (x >= 0 ? x : f32(f32(t.alpha ?? 0.01) * x));
    case 'swish': return (x) => f32(x * sigmoid(x));
    // As onnxruntime computes them in float32: α·(eˣ − 1) below 0; γ·(x, or α·eˣ − α); log(eˣ + 1).
    case 'elu': return (x) => (x >= 0 ? x : f32(f32(t.alpha ?? 1) * f32(f32(Math.exp(x)) - 1)));
    case 'selu': {
      const [alpha, gamma] = [f32(t.alpha ?? seluAlpha), f32(t.gamma ?? seluGamma)];
      return (x) => (x > 0 ? f32(gamma * x) : f32(gamma * f32(f32(alpha * f32(Math.exp(x))) - alpha)));
    }
    case 'softplus': return (x) => f32(Math.log(f32(f32(Math.exp(x)) + 1)));
    case 'clip': return (x) => x;
    case 'prelu': {
      const slopes = t.slopes ?? [0];
      const slope = f32(channel !== undefined ? slopes[channel] : slopes.reduce((a, s) => (Math.abs(s) > Math.abs(a) ? s : a), 0));
      return (x) => (x >= 0 ? x : f32(slope * x));
    }
  }
}

/** Table index of an int8 value. */
export const tableIndex = (x: number) => x + 128;

/** The float function re-quantized on all 256 inputs, rounding as the rule says (a PRelu: of one channel). */
export function floatTable(t: TableFunction, input: TensorQuant, output: TensorQuant, rule: RequantRule, channel?: number): Int8Array {
  const f = realFunction(t, channel);
  const inScale = f32(input.scale);
  const inverse = f32(1 / f32(output.scale));
  const table = new Int8Array(256);
  for (let x = -128; x <= 127; x++) {
    const y = f(f32(inScale * (x - input.zeroPoint)));
    // TFLite: round(y·(1/scale)) in float32; onnxruntime's QuantizeLinear: y/scale rounded half to even.
    const v = f32(y * inverse);
    const q = rule === 'onnx' ? roundHalfEven(f32(y / f32(output.scale))) : Math.sign(v) * Math.round(Math.abs(v));
    table[tableIndex(x)] = clamp(q + output.zeroPoint, -128, 127);
  }
  return table;
}

/**
 * TFLM's input scaling of LOGISTIC and TANH: the input times inputScale·2^27 as a Q4.27 value
 * (frexp: a Q31 multiplier and a left shift), and the radius beyond which the output saturates.
 */
function q4Scaling(inputScale: number): { multiplier: number; shift: number; radius: number } {
  const real = f32(inputScale) * 2 ** 27;
  let shift = Math.floor(Math.log2(real)) + 1;
  while (real / 2 ** shift >= 1) shift++;
  while (real / 2 ** shift < 0.5) shift--;
  const multiplier = Math.round((real / 2 ** shift) * 2 ** 31);
  const radius = Math.floor((15 * 2 ** 27) / 2 ** shift);
  return { multiplier, shift, radius };
}

/**
 * TFLM's int8 LOGISTIC or TANH of every input: saturated beyond the radius, otherwise gemmlowp's
 * function of the Q4.27 input, a Q0.31 result brought down to the output's 8 bits (`downShift`)
 * and offset by its zero point.
 */
function q4Table(input: TensorQuant, f: (a: number, bits: number) => number, downShift: number, zeroPoint: number): Int8Array {
  const { multiplier, shift, radius } = q4Scaling(input.scale);
  return Int8Array.from({ length: 256 }, (_, i) => {
    const x = i - 128 - input.zeroPoint;
    if (x <= -radius) return -128;
    if (x >= radius) return 127;
    const q0 = f(multiplyByQuantizedMultiplier(x, multiplier, shift), 4);
    return clamp(roundingDivideByPOT(q0, downShift) + zeroPoint, -128, 127);
  });
}

/** TFLM's int8 LEAKY_RELU: the identity and alpha rescalings of x − zpIn. */
function leakyReluTable(alpha: number, input: TensorQuant, output: TensorQuant): Int8Array {
  // TFLite forms both factors in float32 (its scales are floats).
  const identity = quantizeMultiplier(f32(f32(input.scale) / f32(output.scale)));
  const sloped = quantizeMultiplier(f32(f32(f32(input.scale) * f32(alpha)) / f32(output.scale)));
  return Int8Array.from({ length: 256 }, (_, i) => {
    const x = i - 128 - input.zeroPoint;
    const m = x >= 0 ? identity : sloped;
    return clamp(output.zeroPoint + multiplyByQuantizedMultiplier(x, m.multiplier, m.shift), -128, 127);
  });
}

/**
 * The table of an `act` layer: TFLM's integer kernel when the rule is TFLite's and TFLite has the
 * op with these quantizations, the float function re-quantized otherwise.
 */
export function activationTable(t: TableFunction, input: TensorQuant, output: TensorQuant, rule: RequantRule = 'tflite'): Int8Array {
  if (t.fn === 'prelu') {
    // A table a channel, one after the other (pw_lut_channels_s8).
    const slopes = t.slopes ?? [];
    const tables = new Int8Array(256 * slopes.length);
    slopes.forEach((_, c) => tables.set(floatTable(t, input, output, rule, c), 256 * c));
    return tables;
  }
  if (rule === 'tflite' && t.min === undefined && t.max === undefined) {
    const is = (scale: number, zp: number) => f32(output.scale) === f32(scale) && output.zeroPoint === zp;
    if (t.fn === 'sigmoid' && is(1 / 256, -128)) return q4Table(input, logistic, 23, -128);
    if (t.fn === 'tanh' && is(1 / 128, 0)) return q4Table(input, tanh, 24, 0);
    if (t.fn === 'hardswish') {
      const table = hardSwishTable(input, output);
      if (table) return table;
    }
    if (t.fn === 'leakyrelu' && (t.alpha ?? 0.01) >= 0) return leakyReluTable(t.alpha ?? 0.01, input, output);
  }
  return floatTable(t, input, output, rule);
}

// TFLite's int16 helpers of HARD_SWISH.
const int16 = (x: number) => clamp(x, -32768, 32767);
const srdhm16 = (a: number, b: number) => (a === -32768 && b === -32768 ? 32767 : Math.trunc((a * b + (a * b >= 0 ? 1 << 14 : 1 - (1 << 14))) / (1 << 15)));
const sdhm16 = (a: number, b: number) => (a === -32768 && b === -32768 ? 32767 : Math.trunc((a * b) / (1 << 15)));
const toInt16Multiplier = (m: number) => (m >= 2147483647 - (1 << 15) ? 32767 : (m + (1 << 15)) >> 16);

/** TFLM's int8 HARD_SWISH of every input (its 16-bit fixed point, float32 parameter math). */
function hardSwishTable(input: TensorQuant, output: TensorQuant): Int8Array | undefined {
  const hiresScale = f32(f32(1 / 128) * f32(input.scale));
  const out = quantizeMultiplier(f32(hiresScale / f32(output.scale)));
  // TFLite refuses an output scale below input/128 (the output multiplier would shift left).
  if (out.shift > 0) return undefined;
  const reluish = quantizeMultiplier(f32(hiresScale / f32(3 / 32768)));
  const outM = toInt16Multiplier(out.multiplier);
  const reluM = toInt16Multiplier(reluish.multiplier);
  return Int8Array.from({ length: 256 }, (_, i) => {
    const x = i - 128 - input.zeroPoint;
    const hires = x * 128;
    const preshiftOut = srdhm16(hires, outM);
    let r = hires;
    if (reluish.shift > 0) r = int16(r * 2 ** (reluish.shift - 1));
    r = srdhm16(r, reluM);
    if (reluish.shift > 0) r = int16(r * 2);
    if (reluish.shift < 0) r = roundingDivideByPOT(r, -reluish.shift);
    r = (r + (1 << 15)) >> 1;
    const y = roundingDivideByPOT(sdhm16(r, preshiftOut), -out.shift) + output.zeroPoint;
    return clamp(y, -128, 127);
  });
}
