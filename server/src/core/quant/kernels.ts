import { Layer } from '../model/ir';
import { clamp, multiplyByQuantizedMultiplier } from './fixedPoint';
import { requantizeOnnx } from './onnxRule';
import { QLayer } from './qmodel';

// The reference kernels on whole tensors (HWC, int8), TFLite's integer rules. Accumulation and
// requantization are separate so that calibration can look at the accumulators.

/**
 * Σ (x − zpIn)·w over the window, per output element, without bias. Padding contributes 0. Rows and
 * columns have their own kernel, stride and padding; a grouped conv's output channel co reads input
 * channels of group ⌊co·groups/cout⌋; a depthwise conv with multiplier m reads channel ⌊co/m⌋.
 */
export function accumulate(layer: Layer, x: Int8Array, zpIn: number, w: Int8Array): Int32Array {
  const { input: i, output: o } = layer;
  const acc = new Int32Array(o.h * o.w * o.c);
  if (layer.kind === 'fc') {
    const n = i.h * i.w * i.c;
    for (let co = 0; co < o.c; co++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += (x[j] - zpIn) * w[co * n + j];
      acc[co] = sum;
    }
    return acc;
  }
  const { k: kh, s: sh, p: ph } = layer.rows;
  const { k: kw, s: sw, p: pw } = layer.cols;
  const depthwise = layer.kind === 'dwconv';
  const multiplier = o.c / i.c;
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
          if (depthwise) {
            const wb = (ky * kw + kx) * o.c;
            for (let c = 0; c < o.c; c++) acc[base + c] += (x[xb + Math.floor(c / multiplier)] - zpIn) * w[wb + c];
          } else {
            for (let co = 0; co < o.c; co++) {
              const wb = ((co * kh + ky) * kw + kx) * groupIn;
              const xg = xb + Math.floor(co / groupOut) * groupIn;
              let sum = 0;
              for (let ci = 0; ci < groupIn; ci++) sum += (x[xg + ci] - zpIn) * w[wb + ci];
              acc[base + co] += sum;
            }
          }
        }
      }
    }
  }
  return acc;
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
  for (let j = 0; j < acc.length; j++) {
    const c = j % channels;
    const scaled = float ? requantizeOnnx(acc[j] + q.bias[c], float[c]) : multiplyByQuantizedMultiplier(acc[j] + q.bias[c], q.multiplier[c], q.shift[c]);
    if (!add) {
      out[j] = clamp(scaled + q.output.zeroPoint, q.actMin, q.actMax);
      continue;
    }
    const conv = clamp(scaled + add.conv.zeroPoint, -128, 127);
    out[j] = addElement(add, conv, residual![j], q.output.zeroPoint, q.actMin, q.actMax);
  }
  return out;
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
export function pool(layer: Layer, x: Int8Array, min: number, max: number): Int8Array {
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
        if (!isMax && count > 0) {
          const half = Math.trunc(count / 2);
          acc = acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
        }
        out[(oy * o.w + ox) * o.c + c] = clamp(acc, min, max);
      }
    }
  }
  return out;
}
