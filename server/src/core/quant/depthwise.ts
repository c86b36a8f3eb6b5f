import { Layer } from '../model/ir';

// The reference's depthwise convolution (one input channel a group, multiplier m = cout/cin, weights
// [ky][kx][co]) on zero-point-free int32 input. Its speed matters most on deep chains of small
// layers, so the interior of a 3×3 runs unrolled and nothing below tests bounds per tap.

/**
 * Fills acc (zeroed, HWC) with Σ x·w over each output element's window; padding contributes 0.
 * A 3×3 with multiplier 1 computes its interior (every tap inside the input) channel by channel with
 * the nine weights held in locals; the border and every other shape go tap by tap over rectangles.
 */
export function accumulateDepthwise(layer: Layer, xz: Int32Array, w: Int8Array, acc: Int32Array): void {
  const { input: i, output: o } = layer;
  const { k: kh, s: sh, p: ph } = layer.rows;
  const { k: kw, s: sw, p: pw } = layer.cols;
  // The interior: output rows and columns whose first and last taps both read inside the input.
  const oyA = firstInside(0, sh, ph);
  const oyB = Math.min(o.h, endInside(kh - 1, sh, ph, i.h));
  const oxA = firstInside(0, sw, pw);
  const oxB = Math.min(o.w, endInside(kw - 1, sw, pw, i.w));
  if (kh !== 3 || kw !== 3 || o.c !== i.c || oyA >= oyB || oxA >= oxB) {
    depthwiseTaps(layer, xz, w, acc, 0, o.h, 0, o.w);
    return;
  }
  interior3x3(layer, xz, w, acc, oyA, oyB, oxA, oxB);
  depthwiseTaps(layer, xz, w, acc, 0, oyA, 0, o.w);
  depthwiseTaps(layer, xz, w, acc, oyB, o.h, 0, o.w);
  depthwiseTaps(layer, xz, w, acc, oyA, oyB, 0, oxA);
  depthwiseTaps(layer, xz, w, acc, oyA, oyB, oxB, o.w);
}

/** Output rows [oy0, oy1) × columns [ox0, ox1) of a 3×3, multiplier 1, all of whose taps are inside. */
function interior3x3(layer: Layer, xz: Int32Array, w: Int8Array, acc: Int32Array, oy0: number, oy1: number, ox0: number, ox1: number): void {
  const { input: i, output: o } = layer;
  const { s: sh, p: ph } = layer.rows;
  const { s: sw, p: pw } = layer.cols;
  const channels = o.c;
  const row = i.w * channels;
  const xStep = sw * channels;
  for (let c = 0; c < channels; c++) {
    const w0 = w[c];
    const w1 = w[channels + c];
    const w2 = w[2 * channels + c];
    const w3 = w[3 * channels + c];
    const w4 = w[4 * channels + c];
    const w5 = w[5 * channels + c];
    const w6 = w[6 * channels + c];
    const w7 = w[7 * channels + c];
    const w8 = w[8 * channels + c];
    for (let oy = oy0; oy < oy1; oy++) {
      let x = ((oy * sh - ph) * i.w + ox0 * sw - pw) * channels + c;
      let a = (oy * o.w + ox0) * channels + c;
      for (let ox = ox0; ox < ox1; ox++, x += xStep, a += channels) {
        const x1 = x + row;
        const x2 = x1 + row;
        acc[a] =
          xz[x] * w0 + xz[x + channels] * w1 + xz[x + 2 * channels] * w2 +
          xz[x1] * w3 + xz[x1 + channels] * w4 + xz[x1 + 2 * channels] * w5 +
          xz[x2] * w6 + xz[x2 + channels] * w7 + xz[x2 + 2 * channels] * w8;
      }
    }
  }
}

/**
 * Adds every tap to output rows [oy0, oy1) × columns [ox0, ox1): for each (ky, kx) the part of the
 * rectangle whose input pixel lies inside is found once, then swept. Few channels go channel by
 * channel (one weight over a run of pixels), many go pixel by pixel (a run of channels a pixel).
 */
function depthwiseTaps(layer: Layer, xz: Int32Array, w: Int8Array, acc: Int32Array, oy0: number, oy1: number, ox0: number, ox1: number): void {
  const { input: i, output: o } = layer;
  const { k: kh, s: sh, p: ph } = layer.rows;
  const { k: kw, s: sw, p: pw } = layer.cols;
  const channels = o.c;
  const multiplier = o.c / i.c;
  const xStep = sw * i.c;
  for (let ky = 0; ky < kh; ky++) {
    const y0 = Math.max(oy0, firstInside(ky, sh, ph));
    const y1 = Math.min(oy1, endInside(ky, sh, ph, i.h));
    for (let kx = 0; kx < kw; kx++) {
      const x0 = Math.max(ox0, firstInside(kx, sw, pw));
      const n = Math.min(ox1, endInside(kx, sw, pw, i.w)) - x0;
      if (n <= 0) continue;
      const wb = (ky * kw + kx) * channels;
      for (let oy = y0; oy < y1; oy++) {
        const xRow = ((oy * sh - ph + ky) * i.w + x0 * sw - pw + kx) * i.c;
        const aRow = (oy * o.w + x0) * channels;
        if (multiplier !== 1) {
          for (let t = 0; t < n; t++) {
            for (let c = 0; c < channels; c++) acc[aRow + t * channels + c] += xz[xRow + t * xStep + Math.floor(c / multiplier)] * w[wb + c];
          }
        } else if (channels < 16) {
          for (let c = 0; c < channels; c++) {
            const wv = w[wb + c];
            for (let t = 0, a = aRow + c, x = xRow + c; t < n; t++, a += channels, x += xStep) acc[a] += xz[x] * wv;
          }
        } else {
          for (let t = 0, a = aRow, x = xRow; t < n; t++, a += channels, x += xStep) {
            for (let c = 0; c < channels; c++) acc[a + c] += xz[x + c] * w[wb + c];
          }
        }
      }
    }
  }
}

/** The first output index whose tap k (stride s, leading padding p) reads inside the input: ⌈(p − k)/s⌉, at least 0. */
function firstInside(k: number, s: number, p: number): number {
  return p > k ? Math.ceil((p - k) / s) : 0;
}

/** One past the last output index whose tap k reads inside an input of `size`: ⌊(size − 1 + p − k)/s⌋ + 1. */
function endInside(k: number, s: number, p: number, size: number): number {
  const last = size - 1 + p - k;
  return last < 0 ? 0 : Math.floor(last / s) + 1;
}
