import { Layer } from '../model/ir';
import { clamp, multiplyByQuantizedMultiplier, saturatingRoundingDoublingHighMul } from './fixedPoint';
import { requantizeOnnx, roundHalfEven } from './onnxRule';
import { accumulateDepthwise } from './depthwise';
import { QLayer, TensorQuant } from './qmodel';

// The reference kernels on whole tensors (HWC, int8), TFLite's integer rules. Accumulation and
// requantization are separate so that calibration can look at the accumulators.

/**
 * Σ (x − zpIn)·w over the window, per output element, without bias. Padding contributes 0. Rows and
 * columns have their own kernel, stride and padding; a grouped conv's output channel co reads input
 * channels of group ⌊co·groups/cout⌋; a depthwise conv with multiplier m reads channel ⌊co/m⌋.
 */
export function accumulate(layer: Layer, x: Int8Array, zpIn: number, w: Int8Array): Int32Array {
  const { output: o } = layer;
  const acc = new Int32Array(o.h * o.w * o.c);
  // The zero point is taken off once per input element, not once per MAC, into a buffer kept
  // between calls (a deep chain of small layers would otherwise allocate one per layer).
  if (centred.length < x.length) centred = new Int32Array(Math.max(x.length, 2 * centred.length));
  const xz = centred.length === x.length ? centred : centred.subarray(0, x.length);
  for (let j = 0; j < x.length; j++) xz[j] = x[j] - zpIn;
  if (layer.kind === 'fc') {
    const n = xz.length;
    for (let co = 0; co < o.c; co++) acc[co] = dot(xz, 0, w, co * n, n);
  } else if (layer.kind === 'dwconv') {
    accumulateDepthwise(layer, xz, w, acc);
  } else if (layer.groups > 1) {
    accumulateGrouped(layer, xz, w, acc);
  } else {
    accumulateConv(layer, xz, w, acc);
  }
  return acc;
}

let centred = new Int32Array(0);

/**
 * Convolution as one dot product per output element: the window is gathered once per output pixel
 * in the weights' own (ky, kx, ci) order, zeros where it leaves the tensor, so each output channel
 * reads two contiguous arrays.
 */
function accumulateConv(layer: Layer, xz: Int32Array, w: Int8Array, acc: Int32Array): void {
  const { input: i, output: o } = layer;
  const { k: kh, s: sh, p: ph } = layer.rows;
  const { k: kw, s: sw, p: pw } = layer.cols;
  const span = kh * kw * i.c;
  if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0 && o.h === i.h && o.w === i.w) {
    // Pointwise (and no end padding): the window of a pixel is its own channels, already contiguous.
    const pixels = o.h * o.w;
    let px = 0;
    for (; px + 1 < pixels; px += 2) dotPixelPair(xz, px * i.c, w, span, acc, px * o.c, o.c);
    if (px < pixels) dotChannels(xz, px * i.c, w, span, acc, px * o.c, o.c);
    return;
  }
  const window = new Int32Array(span);
  for (let oy = 0; oy < o.h; oy++) {
    for (let ox = 0; ox < o.w; ox++) {
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - ph + ky;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw - pw + kx;
          const wb = (ky * kw + kx) * i.c;
          if (iy < 0 || iy >= i.h || ix < 0 || ix >= i.w) window.fill(0, wb, wb + i.c);
          else window.set(xz.subarray((iy * i.w + ix) * i.c, (iy * i.w + ix + 1) * i.c), wb);
        }
      }
      dotChannels(window, 0, w, span, acc, (oy * o.w + ox) * o.c, o.c);
    }
  }
}

/** A grouped convolution (groups > 1, not depthwise): weights [co][ky][kx][ci of the group]. */
function accumulateGrouped(layer: Layer, xz: Int32Array, w: Int8Array, acc: Int32Array): void {
  const { input: i, output: o } = layer;
  const { k: kh, s: sh, p: ph } = layer.rows;
  const { k: kw, s: sw, p: pw } = layer.cols;
  const groupIn = i.c / layer.groups;
  const groupOut = o.c / layer.groups;
  for (let oy = 0; oy < o.h; oy++) {
    for (let ox = 0; ox < o.w; ox++) {
      const base = (oy * o.w + ox) * o.c;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - ph + ky;
        if (iy < 0 || iy >= i.h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw - pw + kx;
          if (ix < 0 || ix >= i.w) continue;
          const xb = (iy * i.w + ix) * i.c;
          for (let co = 0; co < o.c; co++) {
            const wb = ((co * kh + ky) * kw + kx) * groupIn;
            acc[base + co] += dot(xz, xb + Math.floor(co / groupOut) * groupIn, w, wb, groupIn);
          }
        }
      }
    }
  }
}

/**
 * acc[out + co] = Σ_j a[ai + j]·w[co·n + j] for every output channel co, four channels a pass so that
 * each window element is read once for the four (int32 sums stay exact: |term| < 2^16, n < 2^15).
 */
function dotChannels(a: Int32Array, ai: number, w: Int8Array, n: number, acc: Int32Array, out: number, channels: number): void {
  let co = 0;
  for (; co + 3 < channels; co += 4) {
    const w0 = co * n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < n; j++) {
      const v = a[ai + j];
      s0 += v * w[w0 + j];
      s1 += v * w[w0 + n + j];
      s2 += v * w[w0 + 2 * n + j];
      s3 += v * w[w0 + 3 * n + j];
    }
    acc[out + co] = s0;
    acc[out + co + 1] = s1;
    acc[out + co + 2] = s2;
    acc[out + co + 3] = s3;
  }
  for (; co < channels; co++) acc[out + co] = dot(a, ai, w, co * n, n);
}

/**
 * {@link dotChannels} for two neighbouring windows at once (a[ai…] and a[ai + n…], written to
 * acc[out…] and acc[out + channels…]): each weight read serves both, eight sums a pass.
 */
function dotPixelPair(a: Int32Array, ai: number, w: Int8Array, n: number, acc: Int32Array, out: number, channels: number): void {
  const ai1 = ai + n;
  const out1 = out + channels;
  let co = 0;
  for (; co + 3 < channels; co += 4) {
    const w0 = co * n;
    const w1 = w0 + n;
    const w2 = w1 + n;
    const w3 = w2 + n;
    let s00 = 0;
    let s01 = 0;
    let s02 = 0;
    let s03 = 0;
    let s10 = 0;
    let s11 = 0;
    let s12 = 0;
    let s13 = 0;
    for (let j = 0; j < n; j++) {
      const u = a[ai + j];
      const v = a[ai1 + j];
      const k0 = w[w0 + j];
      const k1 = w[w1 + j];
      const k2 = w[w2 + j];
      const k3 = w[w3 + j];
      s00 += u * k0;
      s01 += u * k1;
      s02 += u * k2;
      s03 += u * k3;
      s10 += v * k0;
      s11 += v * k1;
      s12 += v * k2;
      s13 += v * k3;
    }
    acc[out + co] = s00;
    acc[out + co + 1] = s01;
    acc[out + co + 2] = s02;
    acc[out + co + 3] = s03;
    acc[out1 + co] = s10;
    acc[out1 + co + 1] = s11;
    acc[out1 + co + 2] = s12;
    acc[out1 + co + 3] = s13;
  }
  for (; co < channels; co++) {
    acc[out + co] = dot(a, ai, w, co * n, n);
    acc[out1 + co] = dot(a, ai1, w, co * n, n);
  }
}

/** Σ a[ai + j]·b[bi + j] for j < n, four terms a step (int32 sums stay exact: |term| < 2^16). */
function dot(a: Int32Array, ai: number, b: Int8Array, bi: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += a[ai + j] * b[bi + j];
    s1 += a[ai + j + 1] * b[bi + j + 1];
    s2 += a[ai + j + 2] * b[bi + j + 2];
    s3 += a[ai + j + 3] * b[bi + j + 3];
  }
  for (; j < n; j++) s0 += a[ai + j] * b[bi + j];
  return (s0 + s1 + s2 + s3) | 0;
}

/**
 * Bias, per-channel requantization (the layer's rule: TFLite's fixed point or ONNX's float32),
 * zero point, activation clamp; then the fused shortcut add.
 */
export function requantize(q: QLayer, acc: Int32Array, residual?: Int8Array): Int8Array {
  const channels = q.layer.output.c;
  const out = new Int8Array(acc.length);
  const add = q.add;
  const float = q.rule === 'onnx' ? q.floatMultiplier! : undefined;
  const zpOut = q.output.zeroPoint;
  const { bias, multiplier, shift, actMin, actMax } = q;
  if (!add && !float) {
    for (let c = 0; c < channels; c++) requantizeChannel(acc, out, c, channels, bias[c], multiplier[c], shift[c], zpOut, actMin, actMax);
    return out;
  }
  for (let base = 0; base < acc.length; base += channels) {
    for (let c = 0; c < channels; c++) {
      const j = base + c;
      const scaled = float ? requantizeOnnx(acc[j] + bias[c], float[c]) : multiplyByQuantizedMultiplier(acc[j] + bias[c], multiplier[c], shift[c]);
      if (!add) {
        out[j] = clamp(scaled + zpOut, actMin, actMax);
        continue;
      }
      const conv = clamp(scaled + add.conv.zeroPoint, -128, 127);
      out[j] = addElement(add, conv, residual![j], zpOut, actMin, actMax);
    }
  }
  return out;
}

/**
 * The common case, channel c of a tensor with `channels` channels: MultiplyByQuantizedMultiplier
 * inlined, its loads hoisted out of the loop, which runs once per output element of every layer.
 * With y = acc + bias and P = y·m exact in a double (|y| ≤ 2^21, m < 2^31),
 * SaturatingRoundingDoublingHighMul(y·2^left, m) = ⌊(P + 2^(30 − left)) / 2^(31 − left)⌋: for P ≥ 0
 * that is its truncation, and for P < 0 its truncation of (P + 1 − 2^(30 − left)) / 2^(31 − left)
 * equals the same floor (a ceiling of a negative integer quotient is the floor of it plus
 * divisor − 1). The left shift moves into the divisor, every term stays exact, and no branch depends
 * on the data's sign. Sums that are larger, or that wrap when shifted, take the general function.
 */
function requantizeChannel(acc: Int32Array, out: Int8Array, c: number, channels: number, bias: number, multiplier: number, shift: number, zpOut: number, actMin: number, actMax: number): void {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const mask = right > 0 ? (1 << right) - 1 : 0;
  const half = mask >> 1;
  // y·2^left stays an int32 (no wrap) for y in [−2^(31 − left), 2^(31 − left)).
  const fast = left <= 30 ? Math.min(2097152, 2 ** (31 - left)) : 0;
  const nudge = 2 ** (30 - left);
  const scale = 2 ** (left - 31);
  for (let j = c; j < acc.length; j += channels) {
    const y = (acc[j] + bias) | 0;
    const high = y < fast && y >= -fast ? Math.floor((y * multiplier + nudge) * scale) | 0 : saturatingRoundingDoublingHighMul((y << left) | 0, multiplier);
    // RoundingDivideByPOT (half away from zero; with right = 0 the mask and the half are 0), then
    // the clamp, in integer operations whose sign bits stand for the comparisons: the outputs'
    // signs and ties are data, and a branch on them mispredicts.
    const v = (high >> right) + ((half + (high >>> 31) - (high & mask)) >>> 31) + zpOut;
    const low = v - actMin;
    const floored = v - (low & (low >> 31));
    const over = floored - actMax;
    out[j] = actMax + (over & (over >> 31));
  }
}

/** TFLite's int8 ADD of one element. */
export function addElement(add: QLayer['add'] & object, a: number, b: number, zpOut: number, min: number, max: number): number {
  const shiftedA = (a - add.conv.zeroPoint) * (1 << add.leftShift);
  const shiftedB = (b - add.residual.zeroPoint) * (1 << add.leftShift);
  const scaledA = multiplyByQuantizedMultiplier(shiftedA, add.convMultiplier, add.convShift);
  const scaledB = multiplyByQuantizedMultiplier(shiftedB, add.residualMultiplier, add.residualShift);
  const raw = multiplyByQuantizedMultiplier(scaledA + scaledB, add.outputMultiplier, add.outputShift) + zpOut;
  return clamp(raw, min, max);
}

/** Average (padding not counted, rounded half away from zero) or max pooling; global = whole map. */
/**
 * Max or average pooling; an average rounds half away from zero (TFLite), or with `onnx` (the
 * input's quantization, which is the output's) as onnxruntime's QDQ path computes it (see
 * {@link onnxAverage}).
 */
export function pool(layer: Layer, x: Int8Array, min: number, max: number, onnx?: TensorQuant): Int8Array {
  const { input: i, output: o } = layer;
  const out = new Int8Array(o.h * o.w * o.c);
  const { k: kh, s, p } = layer.rows;
  const kw = layer.cols.k;
  const isMax = layer.poolMode === 'max';
  for (let oy = 0; oy < o.h; oy++) {
    for (let ox = 0; ox < o.w; ox++) {
      for (let c = 0; c < o.c; c++) {
        let acc = isMax ? -128 : 0;
        let count = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * s - p + ky;
          if (iy < 0 || iy >= i.h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * layer.cols.s - layer.cols.p + kx;
            if (ix < 0 || ix >= i.w) continue;
            const v = x[(iy * i.w + ix) * i.c + c];
            acc = isMax ? Math.max(acc, v) : acc + v;
            count++;
          }
        }
        if (!isMax && onnx) {
          acc = onnxAverage(acc, count, onnx);
        } else if (!isMax && count > 0) {
          const half = Math.trunc(count / 2);
          acc = acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
        }
        out[(oy * o.w + ox) * o.c + c] = clamp(acc, min, max);
      }
    }
  }
  return out;
}

/**
 * onnxruntime's QLinearGlobalAveragePool, which its QDQ path runs for DequantizeLinear →
 * GlobalAveragePool → QuantizeLinear: Σ(x − zp) as a float32 times the float32 s / (s·n), rounded half
 * to even, plus zp (pw_avgpool_s8). The multiplier is not 1/n exactly, so an exact tie goes the way
 * its rounding says; Σ/n rounded half to even differed from onnxruntime on 0.2% of the classifier's
 * pooled channels, which the SE gates after them amplify.
 */
export function onnxAverage(sum: number, count: number, q: TensorQuant): number {
  if (count <= 0) return q.zeroPoint;
  const s = Math.fround(q.scale);
  const multiplier = Math.fround(s / Math.fround(s * count));
  return roundHalfEven(Math.fround(Math.fround(sum - count * q.zeroPoint) * multiplier)) + q.zeroPoint;
}
