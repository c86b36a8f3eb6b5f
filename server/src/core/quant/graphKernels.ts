import { Layer, Shape } from '../model/ir';
import { clamp, multiplyByQuantizedMultiplier, saturatingRoundingDoublingHighMul } from './fixedPoint';
import { expOnNegativeValues, reciprocal, rescale, roundingDivideByPOT } from './fixedMath';
import { addElement } from './kernels';
import { roundHalfEven } from './onnxRule';
import { QLayer, Rescale, SoftmaxQuant, TensorQuant } from './qmodel';
import { tableIndex } from './tables';

// The reference kernels of graph layers (HWC int8, whole tensors), TensorFlow Lite Micro's integer
// rules. Each reads its sources' bytes and the QLayer's parameters only, so the C kernels can be
// checked against them one by one.

/** Index into a source that may be 1×1×C (broadcast over H×W) or the full tensor. */
const broadcastAt = (b: Int8Array, j: number, c: number) => (b.length === c ? b[j % c] : b[j]);

/** TFLite's ADD of two tensors (the second may be 1×1×C), each with its own quantization. */
export function addTensors(q: QLayer, a: Int8Array, b: Int8Array): Int8Array {
  const c = q.layer.output.c;
  return Int8Array.from(a, (x, j) => addElement(q.add!, x, broadcastAt(b, j, c), q.output.zeroPoint, q.actMin, q.actMax));
}

/** TFLite's MUL: (a − zpA)·(b − zpB) rescaled to the output; b may be 1×1×C (the SE scale). */
export function mulTensors(q: QLayer, a: Int8Array, b: Int8Array): Int8Array {
  const [qa, qb] = q.inputs!;
  const { multiplier, shift } = q.mul!;
  const c = q.layer.output.c;
  if (q.rule === 'onnx') return mulFloat(q, a, b);
  return Int8Array.from(a, (x, j) => {
    const product = (x - qa.zeroPoint) * (broadcastAt(b, j, c) - qb.zeroPoint);
    return clamp(q.output.zeroPoint + multiplyByQuantizedMultiplier(product, multiplier, shift), q.actMin, q.actMax);
  });
}

/**
 * onnxruntime's float Mul between DequantizeLinear and QuantizeLinear: each input dequantized in
 * float32, one float32 multiply, divided by the output scale, rounded half to even (pw_mul_float_s8).
 */
function mulFloat(q: QLayer, a: Int8Array, b: Int8Array): Int8Array {
  const [qa, qb] = q.inputs!;
  const [sa, sb, so] = [qa.scale, qb.scale, q.output.scale].map(Math.fround);
  const c = q.layer.output.c;
  return Int8Array.from(a, (x, j) => {
    const product = Math.fround(Math.fround((x - qa.zeroPoint) * sa) * Math.fround((broadcastAt(b, j, c) - qb.zeroPoint) * sb));
    return clamp(q.output.zeroPoint + roundHalfEven(Math.fround(product / so)), q.actMin, q.actMax);
  });
}

/** TFLite's requantization of one int8 value from `from` to the output quantization. */
export function requantizeValue(x: number, from: TensorQuant, to: TensorQuant, r: Rescale): number {
  return clamp(to.zeroPoint + multiplyByQuantizedMultiplier(x - from.zeroPoint, r.multiplier, r.shift), -128, 127);
}

/** Concatenation along channels: each pixel's channels are the sources' channels in order. */
export function concatChannels(q: QLayer, parts: readonly Int8Array[], shapes: readonly Shape[]): Int8Array {
  const o = q.layer.output;
  const out = new Int8Array(o.h * o.w * o.c);
  let offset = 0;
  parts.forEach((part, s) => {
    const c = shapes[s].c;
    const r = q.concat?.[s];
    const from = q.inputs?.[s] ?? q.input;
    for (let p = 0; p < o.h * o.w; p++) {
      for (let k = 0; k < c; k++) {
        const x = part[p * c + k];
        out[p * o.c + offset + k] = r ? requantizeValue(x, from, q.output, r) : x;
      }
    }
    offset += c;
  });
  return out;
}

/** Zero-point padding: `rows.p`/`cols.p` before, their pEnd after. */
export function padTensor(layer: Layer, x: Int8Array, value: number): Int8Array {
  const { input: i, output: o } = layer;
  const out = new Int8Array(o.h * o.w * o.c).fill(value);
  const top = layer.rows.p;
  const left = layer.cols.p;
  for (let y = 0; y < i.h; y++) {
    const row = x.subarray(y * i.w * i.c, (y + 1) * i.w * i.c);
    out.set(row, ((y + top) * o.w + left) * o.c);
  }
  return out;
}

/**
 * TFLite Micro's int8 MEAN (see QLayer.mean) over each window of a `pool`/`gpool` layer that spans
 * whole rows (kh = H), whole columns (kw = W) or both: n = kh·kw values per output.
 */
export function meanTensor(q: QLayer, x: Int8Array): Int8Array {
  const { input: i, output: o } = q.layer;
  const kh = o.h === 1 ? i.h : 1;
  const kw = o.w === 1 ? i.w : 1;
  // An axis is either reduced (kh = H, oy = 0) or kept (kh = 1): the window starts at (oy, ox) either way.
  const n = kh * kw;
  const folded = foldCount(q.mean!, n);
  const out = new Int8Array(o.h * o.w * o.c);
  for (let oy = 0; oy < o.h; oy++) {
    for (let ox = 0; ox < o.w; ox++) {
      for (let k = 0; k < o.c; k++) {
        let sum = 0;
        for (let dy = 0; dy < kh; dy++) {
          for (let dx = 0; dx < kw; dx++) sum += x[((oy + dy) * i.w + ox + dx) * i.c + k];
        }
        out[(oy * o.w + ox) * o.c + k] = clamp(q.output.zeroPoint + multiplyByQuantizedMultiplier((sum - q.input.zeroPoint * n) | 0, folded.multiplier, folded.shift), q.actMin, q.actMax);
      }
    }
  }
  return out;
}

/** QuantizedMeanOrSum's multiplier with 1/n folded in (int64 arithmetic, truncating division). */
export function foldCount(r: Rescale, n: number): Rescale {
  const s = Math.min(31 - Math.clz32(n), 32, 31 + r.shift);
  return { multiplier: Number((BigInt(r.multiplier) << BigInt(s)) / BigInt(n)), shift: r.shift - s };
}

/** A 256-entry table applied to every element, or a table a channel (PRelu). */
export function lookup(table: Int8Array, x: Int8Array): Int8Array {
  if (table.length === 256) return Int8Array.from(x, (v) => table[tableIndex(v)]);
  // A table a channel (PRelu): channel c's entries start at 256·c.
  const channels = table.length / 256;
  return Int8Array.from(x, (v, i) => table[256 * (i % channels) + tableIndex(v)]);
}

/**
 * The integer bits of a softmax's sum of exponentials: TFLite's 12 (Q12.19, at most 4,095 terms),
 * and past 4,095 values as many as the count needs (Patchwise's rule: n < 2^bits terms of at most
 * 2^(31−bits) cannot wrap). pw_softmax_s8 counts them the same way.
 */
export function softmaxSumBits(n: number): number {
  return Math.max(12, 32 - Math.clz32(n));
}

/**
 * TFLite's int8 SOFTMAX over each pixel's channels: differences to the maximum scaled to Q5.26,
 * gemmlowp's exp, the sum in Q12.19 (more integer bits past 4,095 channels: softmaxSumBits), its
 * reciprocal, output scale 1/256 with zero point −128.
 */
export function softmaxChannels(s: SoftmaxQuant, x: Int8Array, channels: number): Int8Array {
  const bits = softmaxSumBits(channels);
  const out = new Int8Array(x.length);
  const exps = new Int32Array(channels);
  for (let base = 0; base < x.length; base += channels) {
    let max = -128;
    for (let k = 0; k < channels; k++) max = Math.max(max, x[base + k]);
    let sum = 0;
    for (let k = 0; k < channels; k++) {
      const diff = x[base + k] - max;
      exps[k] = diff >= s.diffMin ? expOnNegativeValues(saturatingRoundingDoublingHighMul(diff * 2 ** s.inputLeftShift, s.inputMultiplier), 5) : 0;
      if (diff >= s.diffMin) sum = (sum + rescale(exps[k], 0, bits)) | 0;
    }
    const { raw, overUnit } = reciprocal(sum, bits);
    for (let k = 0; k < channels; k++) {
      if (x[base + k] - max < s.diffMin) {
        out[base + k] = -128;
        continue;
      }
      // Past 31 bits (a sum of exps above 256, so more than 256 channels) the quotient is below ½: 0.
      const exponent = overUnit + 31 - 8;
      const unsaturated = exponent > 31 ? 0 : roundingDivideByPOT(saturatingRoundingDoublingHighMul(raw, exps[k]), exponent);
      out[base + k] = clamp(unsaturated - 128, -128, 127);
    }
  }
  return out;
}

/** The source pixel of output `v` along an axis of `n` pixels resized to `m` (TFLite's nearest rule, float32). */
function nearestIndex(v: number, n: number, m: number, alignCorners: boolean, halfPixel: boolean): number {
  const f = Math.fround;
  const scale = alignCorners && m > 1 ? f((n - 1) / f(m - 1)) : f(n / f(m));
  const at = f(f(v + (halfPixel ? 0.5 : 0)) * scale);
  const index = Math.min(alignCorners ? Math.sign(at) * Math.round(Math.abs(at)) : Math.floor(at), n - 1);
  return halfPixel ? Math.max(0, index) : index;
}

/** Position of output `v` in input units ×1024, and its two neighbours (TFLite's ResizeBilinearInteger). */
function bilinearAxis(v: number, n: number, m: number, alignCorners: boolean, halfPixel: boolean): [number, number, number] {
  const scale10 = alignCorners && m > 1 ? Math.trunc((1024 * (n - 1) + Math.trunc((m - 1) / 2)) / (m - 1)) : Math.trunc((1024 * n + Math.trunc(m / 2)) / m);
  const at = halfPixel ? v * scale10 + Math.trunc(scale10 / 2) - 512 : v * scale10;
  const lo = Math.max(Math.trunc(at / 1024), 0);
  const hi = Math.min(Math.trunc((at + 1023) / 1024), n - 1);
  return [at, lo, hi];
}

/** Nearest or bilinear resizing with TFLite's align-corners and half-pixel rules. */
export function resizeTensor(layer: Layer, x: Int8Array): Int8Array {
  const { input: i, output: o } = layer;
  const rule = layer.resize ?? { mode: 'nearest', alignCorners: false, halfPixelCenters: false };
  const out = new Int8Array(o.h * o.w * o.c);
  for (let y = 0; y < o.h; y++) {
    for (let xo = 0; xo < o.w; xo++) {
      const dst = (y * o.w + xo) * o.c;
      if (rule.mode === 'nearest') {
        const sy = nearestIndex(y, i.h, o.h, rule.alignCorners, rule.halfPixelCenters);
        const sx = nearestIndex(xo, i.w, o.w, rule.alignCorners, rule.halfPixelCenters);
        out.set(x.subarray((sy * i.w + sx) * i.c, (sy * i.w + sx + 1) * i.c), dst);
        continue;
      }
      const [ay, y0, y1] = bilinearAxis(y, i.h, o.h, rule.alignCorners, rule.halfPixelCenters);
      const [ax, x0, x1] = bilinearAxis(xo, i.w, o.w, rule.alignCorners, rule.halfPixelCenters);
      const fy = ay - 1024 * y0;
      const fx = ax - 1024 * x0;
      for (let c = 0; c < o.c; c++) {
        const at = (yy: number, xx: number) => x[(yy * i.w + xx) * i.c + c];
        // Weights in 1/2^20; the sum fits 2^27·2, well inside a double's exact integers.
        const sum = at(y0, x0) * (1024 - fy) * (1024 - fx) + at(y1, x0) * fy * (1024 - fx) + at(y0, x1) * (1024 - fy) * fx + at(y1, x1) * fy * fx;
        const round = sum > 0 ? 1 << 19 : -(1 << 19);
        out[dst + c] = clamp(Math.trunc((sum + round) / (1 << 20)), -128, 127);
      }
    }
  }
  return out;
}

/**
 * A transposed convolution's accumulators: every input pixel scattered through the kernel
 * (output row = input row · s − p + ky), weights [cout][kh][kw][cin], without bias.
 */
export function accumulateTransposed(layer: Layer, x: Int8Array, zpIn: number, w: Int8Array): Int32Array {
  const { input: i, output: o, rows, cols } = layer;
  const acc = new Int32Array(o.h * o.w * o.c);
  for (let iy = 0; iy < i.h; iy++) {
    for (let ix = 0; ix < i.w; ix++) {
      const xb = (iy * i.w + ix) * i.c;
      for (let ky = 0; ky < rows.k; ky++) {
        const oy = iy * rows.s - rows.p + ky;
        if (oy < 0 || oy >= o.h) continue;
        for (let kx = 0; kx < cols.k; kx++) {
          const ox = ix * cols.s - cols.p + kx;
          if (ox < 0 || ox >= o.w) continue;
          for (let co = 0; co < o.c; co++) {
            const wb = ((co * rows.k + ky) * cols.k + kx) * i.c;
            let sum = 0;
            for (let ci = 0; ci < i.c; ci++) sum += (x[xb + ci] - zpIn) * w[wb + ci];
            acc[(oy * o.w + ox) * o.c + co] += sum;
          }
        }
      }
    }
  }
  return acc;
}
