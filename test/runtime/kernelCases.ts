import { Layer, Shape } from '../../server/src/core/model/ir';
import { quantizeMultiplier } from '../../server/src/core/quant/fixedPoint';
import { accumulate, pool, requantize } from '../../server/src/core/quant/kernels';
import { AddQuant, QLayer, TensorQuant } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { Tag } from './kernelDriver';
import { wideFcWords } from '../../server/src/core/codegen/fcLayout';

// One kernel call as the driver runs it, and the bytes the TypeScript reference says it must leave.
// Everything a kernel touches lives in one arena: the stored input region, the output region and
// the residual region, separated by guard bytes. The arena starts as noise, so a kernel that reads a
// byte outside the stored region (or a padding position) changes its result, and the whole arena is
// compared after the call, so a write outside the output region is caught too.

export type KernelName = 'conv' | 'conv1x1' | 'dwconv' | 'avgpool' | 'maxpool' | 'fc';
const kernelCode: Record<KernelName, number> = { conv: 1, conv1x1: 2, dwconv: 3, avgpool: 4, maxpool: 5, fc: 6 };
/** pw_fc_wide_s8: an fc whose weights the record carries in its int16 word layout. */
const wideFcCode = 7;

export const PW_OK = 0;
export const PW_ERROR_REGION = -2;

/** A rectangle of a tensor, in full-tensor coordinates. */
export interface Rect {
  y0: number;
  x0: number;
  rows: number;
  cols: number;
}

/** A stored region: where it starts in the arena and its row stride. */
interface View extends Rect {
  offset: number;
  rowStride: number;
}

export interface KernelSpec {
  kernel: KernelName;
  /** The full input tensor. */
  input: Shape;
  /** Output channels of conv, conv1x1 and fc (the others keep the input's). */
  outC?: number;
  k: number;
  /** Window width when it differs from k (global pooling of a non-square map). */
  kW?: number;
  s: number;
  p: number;
  /** The fused shortcut add, its residual stored apart or under the output (written in place). */
  add?: 'separate' | 'inPlace';
  /** Depthwise output over its input, sharing the input region's first or last byte. */
  inPlace?: 'first' | 'last';
  /** The output rectangle; the whole output when absent. */
  region?: Rect;
  /** ONNX's float requantization instead of TFLite's fixed point. */
  rule?: 'onnx';
  /** fc: pw_fc_wide_s8, its weights in their int16 words. */
  wide?: boolean;
  /** Drops one row or column the output needs from the stored input: the call must fail. */
  missing?: 'top' | 'bottom' | 'left' | 'right';
  seed: number;
}

export interface KernelCase {
  spec: KernelSpec;
  label: string;
  /** The driver's input line. */
  record: string;
  expectedStatus: number;
  /** With PW_OK: every arena byte after the call. */
  expectedArena?: Int8Array;
  /** What lies at an arena offset: an output element with its inputs' quantization, or a guard/input byte. */
  explain(offset: number): string;
}

export const outputSize = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;

/** Zero points, the extremes often: they make (x − zp) reach ±255. */
export function pickZeroPoint(rng: Random): number {
  const r = rng.next();
  return r < 0.2 ? -128 : r < 0.4 ? 127 : r < 0.5 ? 0 : rng.int(-128, 127);
}

const logUniform = (rng: Random, lo: number, hi: number) => lo * (hi / lo) ** rng.next();

function randomBytes(rng: Random, n: number): Int8Array {
  const a = new Int8Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(-128, 127);
  return a;
}

/**
 * Activations: uniform bytes with a share of the int8 extremes, as ReLU-clamped tensors have (a
 * max-pool window of nothing but −128, (x − zp) at ±255).
 */
function activationBytes(rng: Random, n: number): Int8Array {
  const low = 0.5 * rng.next();
  const high = 0.2 * rng.next();
  const a = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    a[i] = r < low ? -128 : r < low + high ? 127 : rng.int(-128, 127);
  }
  return a;
}

function makeLayer(spec: KernelSpec, output: Shape): Layer {
  const kind = spec.kernel === 'conv1x1' ? 'conv' : spec.kernel === 'avgpool' || spec.kernel === 'maxpool' ? 'pool' : spec.kernel;
  const position = { line: 0, character: 0 };
  return {
    index: 0,
    name: 'test',
    block: 0,
    kind,
    role: kind === 'pool' ? 'pool' : kind === 'dwconv' ? 'dw' : kind === 'fc' ? 'fc' : 'conv',
    rows: { k: spec.k, s: spec.s, p: spec.p },
    cols: { k: spec.kW ?? spec.k, s: spec.s, p: spec.p },
    groups: kind === 'dwconv' ? spec.input.c : 1,
    act: 'none',
    ...(kind === 'pool' ? { poolMode: spec.kernel === 'maxpool' ? 'max' : 'avg' } : {}),
    input: spec.input,
    output,
    inPlace: spec.inPlace !== undefined,
    writesShortcut: spec.add !== undefined,
    line: 0,
    range: { start: position, end: position },
  };
}

/** TFLite's ADD parameters (as the quantizer derives them) for random scales and zero points. */
function randomAdd(rng: Random): AddQuant {
  const conv: TensorQuant = { scale: logUniform(rng, 0.005, 0.2), zeroPoint: pickZeroPoint(rng) };
  const residual: TensorQuant = { scale: logUniform(rng, 0.005, 0.2), zeroPoint: pickZeroPoint(rng) };
  const outScale = logUniform(rng, 0.01, 0.3);
  const leftShift = 20;
  const twiceMax = 2 * Math.max(conv.scale, residual.scale);
  const a = quantizeMultiplier(conv.scale / twiceMax);
  const b = quantizeMultiplier(residual.scale / twiceMax);
  const o = quantizeMultiplier(twiceMax / ((1 << leftShift) * outScale));
  return { conv, residual, leftShift, convMultiplier: a.multiplier, convShift: a.shift, residualMultiplier: b.multiplier, residualShift: b.shift, outputMultiplier: o.multiplier, outputShift: o.shift };
}

export const addTokens = (a: AddQuant) => [a.conv.zeroPoint, a.residual.zeroPoint, a.leftShift, a.convMultiplier, a.convShift, a.residualMultiplier, a.residualShift, a.outputMultiplier, a.outputShift];

/** The clamp: full int8, ReLU-like from the zero point, or narrow so that both ends saturate. */
function actRange(rng: Random, zp: number): [number, number] {
  const r = rng.next();
  if (r < 0.35) return [-128, 127];
  if (r < 0.6) return [zp, 127];
  return [rng.int(-110, -5), rng.int(5, 110)];
}

type ChannelQuant = Pick<QLayer, 'bias' | 'multiplier' | 'shift' | 'rule' | 'floatMultiplier'>;

/** A channel's accumulator mean and spread (at least 1). */
function channelStats(acc: Int32Array, channels: number, c: number): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let j = c; j < acc.length; j += channels, n++) {
    sum += acc[j];
    sq += acc[j] * acc[j];
  }
  const mean = sum / n;
  return { mean, std: Math.max(1, Math.sqrt(Math.max(0, sq / n - mean * mean))) };
}

/** Biases small, zero, or large (±2^20…2^26). */
function randomBias(rng: Random, mean: number, std: number): number {
  const r = rng.next();
  return r < 0.55 ? Math.round(-mean + 0.5 * std * rng.normal()) : r < 0.8 ? (rng.next() < 0.5 ? -1 : 1) * rng.int(1 << 20, 1 << 26) : 0;
}

/**
 * ONNX's rule: float32 multipliers like channelQuant's scales, and one channel in four a power of
 * two (2^−1…2^−6), where odd accumulators land exactly on rounding ties. Large biases take the sum
 * past 2^24, where float(acc) itself rounds. `multiplier` carries the bit patterns (as in the C).
 */
function floatQuant(rng: Random, acc: Int32Array, channels: number): ChannelQuant {
  const bias = new Int32Array(channels);
  const floatMultiplier = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const { mean, std } = channelStats(acc, channels, c);
    const r = rng.next();
    floatMultiplier[c] = r < 0.25 ? 2 ** -rng.int(1, 6) : r < 0.8 ? Math.min(2, Math.max(1e-5, rng.int(8, 90) / std)) : logUniform(rng, 1e-5, 2);
    bias[c] = randomBias(rng, mean, std);
  }
  return { bias, multiplier: new Int32Array(floatMultiplier.buffer), shift: new Int32Array(channels), rule: 'onnx', floatMultiplier };
}

/**
 * Per-channel quantization from the accumulators: mostly scales that map a channel's spread onto
 * tens of output steps (informative bytes), some anywhere in [1e−5, 2] (shifts down to −16 and up
 * to +1, rounding to the zero point or saturating); biases small, zero, or large (±2^20…2^26).
 * Kept below 2^27 so that acc + bias and its left shift stay far from int32 overflow, which would
 * be undefined behaviour in C and is not what these tests are about.
 */
function channelQuant(rng: Random, acc: Int32Array, channels: number): ChannelQuant {
  const bias = new Int32Array(channels);
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const { mean, std } = channelStats(acc, channels, c);
    const scale = rng.next() < 0.7 ? Math.min(2, Math.max(1e-5, rng.int(8, 90) / std)) : logUniform(rng, 1e-5, 2);
    const m = quantizeMultiplier(scale);
    multiplier[c] = m.multiplier;
    shift[c] = m.shift;
    bias[c] = randomBias(rng, mean, std);
  }
  return { bias, multiplier, shift };
}

/** Input rows/cols the output rectangle needs, clipped to the tensor. */
export function neededInput(out: Rect, input: Shape, k: number, kW: number, s: number, p: number): Rect {
  const y0 = Math.max(0, out.y0 * s - p);
  const y1 = Math.min(input.h - 1, (out.y0 + out.rows - 1) * s - p + k - 1);
  const x0 = Math.max(0, out.x0 * s - p);
  const x1 = Math.min(input.w - 1, (out.x0 + out.cols - 1) * s - p + kW - 1);
  return { y0, x0, rows: y1 - y0 + 1, cols: x1 - x0 + 1 };
}

const extent = (v: { rows: number; cols: number; rowStride: number }, c: number) => (v.rows > 0 ? (v.rows - 1) * v.rowStride + v.cols * c : 0);

export function buildCase(spec: KernelSpec): KernelCase {
  const rng = new Random(spec.seed);
  const { kernel, input, k, s, p } = spec;
  const kW = spec.kW ?? k;
  const pooling = kernel === 'avgpool' || kernel === 'maxpool';
  const outC = kernel === 'dwconv' || pooling ? input.c : spec.outC!;
  const output: Shape = kernel === 'fc' ? { h: 1, w: 1, c: outC } : { h: outputSize(input.h, k, s, p), w: outputSize(input.w, kW, s, p), c: outC };
  const layer = makeLayer(spec, output);
  const x = activationBytes(rng, input.h * input.w * input.c);

  // The reference on whole tensors.
  const inputZp = pickZeroPoint(rng);
  const outputZp = pickZeroPoint(rng);
  const [actMin, actMax] = actRange(rng, outputZp);
  const add = spec.add ? randomAdd(rng) : undefined;
  const residualFull = add ? activationBytes(rng, output.h * output.w * outC) : undefined;
  let weights: Int8Array = new Int8Array(0);
  let quant: ChannelQuant = { bias: new Int32Array(0), multiplier: new Int32Array(0), shift: new Int32Array(0) };
  let full: Int8Array;
  if (pooling && spec.rule === 'onnx') {
    // onnxruntime's average: the input's scale (the output's too) as float32 bits in the multiplier slot.
    const scale = Math.fround(logUniform(rng, 1e-3, 1));
    quant = { bias: new Int32Array(1), multiplier: new Int32Array(Float32Array.of(scale).buffer), shift: new Int32Array(1) };
    full = pool(layer, x, actMin, actMax, { scale, zeroPoint: inputZp });
  } else if (pooling) {
    full = pool(layer, x, actMin, actMax);
  } else {
    const perChannel = kernel === 'fc' ? input.h * input.w * input.c : kernel === 'dwconv' ? k * k : k * k * input.c;
    weights = randomBytes(rng, perChannel * outC);
    const acc = accumulate(layer, x, inputZp, weights);
    quant = spec.rule === 'onnx' ? floatQuant(rng, acc, outC) : channelQuant(rng, acc, outC);
    const q: QLayer = { layer, input: { scale: 1, zeroPoint: inputZp }, output: { scale: 1, zeroPoint: outputZp }, weights, ...quant, actMin, actMax, ...(add ? { add } : {}) };
    full = requantize(q, acc, residualFull);
  }

  // The regions: the output rectangle, and the input it needs (or the whole input for a whole run).
  const outRect: Rect = kernel === 'fc' ? { y0: 0, x0: 0, rows: 1, cols: 1 } : spec.region ?? { y0: 0, x0: 0, rows: output.h, cols: output.w };
  const inRect: Rect = kernel === 'fc' ? { y0: 0, x0: 0, rows: 1, cols: 1 } : spec.region ? neededInput(outRect, input, k, kW, s, p) : { y0: 0, x0: 0, rows: input.h, cols: input.w };
  if (spec.missing === 'top') inRect.y0++;
  if (spec.missing === 'top' || spec.missing === 'bottom') inRect.rows--;
  if (spec.missing === 'left') inRect.x0++;
  if (spec.missing === 'left' || spec.missing === 'right') inRect.cols--;
  const inC = kernel === 'fc' ? input.h * input.w * input.c : input.c;
  // Row strides: the region's own, a larger buffer's (the full tensor's width), or a few spare
  // bytes; in place, multiples of the channel count as the runtime requires.
  const r = rng.next();
  const inStride = r < 0.4 ? inRect.cols * inC : r < 0.7 ? Math.max(inRect.cols, input.w) * inC : inRect.cols * inC + (spec.inPlace ? inC * rng.int(1, 2) : rng.int(1, 5));
  const outStride = outRect.cols * outC + (spec.inPlace || rng.next() < 0.6 ? 0 : rng.int(1, 5));
  const guard = 8;
  let at = guard;
  const inView: View = { ...inRect, offset: at, rowStride: inStride };
  at += extent(inView, inC) + guard;
  const outView: View = { ...outRect, offset: at, rowStride: outStride };
  const outBytes = extent(outView, outC);
  if (spec.inPlace === 'first') outView.offset = inView.offset;
  else if (spec.inPlace === 'last') outView.offset = inView.offset + extent(inView, inC) - outBytes;
  else at += outBytes + guard;
  let resView: View | undefined;
  if (add) {
    resView = spec.add === 'inPlace' ? { ...outView } : { ...outRect, offset: at, rowStride: outRect.cols * outC + rng.int(0, 3) };
    if (spec.add !== 'inPlace') at += extent(resView, outC) + guard;
  }
  const arena = randomBytes(rng, at);
  const place = (v: View, c: number, tensorW: number, data: Int8Array) => {
    for (let y = 0; y < v.rows; y++) {
      for (let xx = 0; xx < v.cols; xx++) {
        const from = ((v.y0 + y) * tensorW + v.x0 + xx) * c;
        arena.set(data.subarray(from, from + c), v.offset + y * v.rowStride + xx * c);
      }
    }
  };
  place(inView, inC, kernel === 'fc' ? 1 : input.w, x);
  if (resView) place(resView, outC, output.w, residualFull!);
  const expectedArena = arena.slice();
  for (let y = 0; y < outView.rows; y++) {
    for (let xx = 0; xx < outView.cols; xx++) {
      const from = ((outView.y0 + y) * output.w + outView.x0 + xx) * outC;
      expectedArena.set(full.subarray(from, from + outC), outView.offset + y * outView.rowStride + xx * outC);
    }
  }

  const view = (v: View) => [v.offset, v.y0, v.x0, v.rows, v.cols, v.rowStride];
  const tokens = [
    Tag.Kernel, spec.wide ? wideFcCode : kernelCode[kernel], input.h, input.w, input.c, outC,
    k, s, p, inputZp, outputZp, actMin, actMax, kW,
    arena.length, ...arena, ...view(inView), ...view(outView),
    add ? 1 : 0, ...(add ? [...view(resView!), ...addTokens(add)] : []),
    ...weightTokens(spec, weights, outC), quant.bias.length, ...quant.bias, ...quant.multiplier, ...quant.shift, spec.rule === 'onnx' ? 1 : 0,
  ];
  const rectText = (t: Rect) => `[${t.y0}+${t.rows}, ${t.x0}+${t.cols}]`;
  const label =
    `${kernel} in ${input.h}x${input.w}x${input.c} out ${output.h}x${output.w}x${outC} k=${k}${kW !== k ? `x${kW}` : ''} s=${s} p=${p}` +
    ` out${rectText(outRect)} from in${rectText(inRect)} stride ${inStride}/${outStride}` +
    `${spec.wide ? ' wide' : ''}${spec.inPlace ? ` in place (${spec.inPlace} byte)` : ''}${spec.add ? ` add ${spec.add}` : ''}${spec.missing ? ` missing ${spec.missing}` : ''}` +
    ` zp ${inputZp}/${outputZp} act [${actMin}, ${actMax}]${spec.rule ? ` rule ${spec.rule}` : ''} seed ${spec.seed}`;
  const explain = (offset: number): string => {
    const rel = offset - outView.offset;
    const y = Math.floor(rel / outStride);
    const xc = rel - y * outStride;
    if (rel >= 0 && y < outView.rows && xc < outView.cols * outC) {
      const c = xc % outC;
      const where = `output (${outView.y0 + y}, ${outView.x0 + Math.floor(xc / outC)}, ${c})`;
      if (pooling) return where;
      const addText = add ? `, add ${JSON.stringify(addTokens(add))}, residual byte ${arena[resView!.offset + y * resView!.rowStride + xc]}` : '';
      const scaling = quant.floatMultiplier ? `float multiplier ${quant.floatMultiplier[c]}` : `multiplier ${quant.multiplier[c]}, shift ${quant.shift[c]}`;
      return `${where}: bias ${quant.bias[c]}, ${scaling}${addText}`;
    }
    return `arena byte ${offset} outside the output (input region at ${inView.offset}, ${extent(inView, inC)} bytes)`;
  };
  return { spec, label, record: tokens.join(' '), expectedStatus: spec.missing ? PW_ERROR_REGION : PW_OK, ...(spec.missing ? {} : { expectedArena }), explain };
}

/** The weights as the record carries them: their bytes, or pw_fc_wide_s8's words as little-endian bytes. */
function weightTokens(spec: KernelSpec, weights: Int8Array, outC: number): number[] {
  if (!spec.wide) return [weights.length, ...weights];
  const words = wideFcWords(weights, outC, weights.length / outC);
  return [words.length * 4, ...new Int8Array(words.buffer)];
}
