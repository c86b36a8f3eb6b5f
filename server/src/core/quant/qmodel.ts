import { Layer, Model, Shape } from '../model/ir';

/** real = scale · (q − zeroPoint), int8. */
export interface TensorQuant {
  scale: number;
  zeroPoint: number;
}

/**
 * TFLite's ADD parameters (left shift 20, both inputs rescaled to twice the larger scale). Two uses:
 * the fused shortcut add of a project conv (`conv` = the conv's own int8 output, `residual` = the
 * block input), and a layer of kind `add` (`conv` = its first source, `residual` = its second).
 * Multipliers are Q31 in [2^30, 2^31) and shifts powers of two (positive left), as
 * quantizeMultiplier (fixedPoint.ts) gives them.
 */
export interface AddQuant {
  /** The project conv's own int8 output before the add; for an `add` layer its first source. */
  conv: TensorQuant;
  /** The block input added back (the shortcut); for an `add` layer its second source. */
  residual: TensorQuant;
  leftShift: number;
  convMultiplier: number;
  convShift: number;
  residualMultiplier: number;
  residualShift: number;
  outputMultiplier: number;
  outputShift: number;
}

/** A real factor as TFLite's fixed point: Q31 multiplier in [2^30, 2^31) (or 0) and a power-of-two shift (positive left). */
export interface Rescale {
  multiplier: number;
  shift: number;
}

/**
 * TFLite's int8 SOFTMAX over the channels of each pixel (beta folded in): the difference to the
 * pixel's maximum times `inputMultiplier`·2^`inputLeftShift` is a Q5.26 value fed to gemmlowp's
 * exp; differences below `diffMin` (a negative int8 difference) give −128. The output is always
 * scale 1/256, zero point −128 (TFLite requires it).
 */
export interface SoftmaxQuant {
  /** Q31 multiplier of beta·inputScale·2^26 (QuantizeMultiplierGreaterThanOne). */
  inputMultiplier: number;
  /** Left shift ≥ 0 applied before the multiplier. */
  inputLeftShift: number;
  /** int8 differences x − max below this give exp = 0 (≤ 0). */
  diffMin: number;
}

export type RequantRule = 'tflite' | 'onnx';

/** Where a model's int8 parameters came from. */
export type QuantSource = 'synthetic' | 'qoperator' | 'qdq' | 'ptq' | 'tflite';

/**
 * One layer with its int8 parameters. Weight layouts (kh, kw: the row and column kernels):
 * conv [cout][kh][kw][cin/groups] (TFLite's OHWI); depthwise [kh][kw][cin·m] where output channel
 * o = ci·m + j reads input channel ci = ⌊o/m⌋ (TFLite's depth-multiplier layout; m = output.c /
 * input.c, 1 for a plain depthwise); transposed conv [cout][kh][kw][cin] (TFLite's TRANSPOSE_CONV);
 * fc [cout][h·w·cin] in HWC order. Requantization is per output channel. Layers without weights
 * (pool, gpool, add, mul, concat, resize, act, pad, softmax) have empty weights, bias, multiplier
 * and shift.
 *
 * What each kind reads from here (all int8, real = scale·(q − zeroPoint)):
 * - conv, dwconv, fc, convT: weights, bias (int32, units input.scale·weightScale[c]), the rule's
 *   multipliers, actMin/actMax; a project conv with `layer.writesShortcut` also `add`.
 * - pool (max/avg, any padding, pEnd included): output = input quantization, actMin/actMax.
 * - gpool, and pool over whole rows or columns, from TFLite's MEAN: `mean` (TFLite Micro's rule);
 *   gpool without it: the rounded average (TFLite's AVERAGE_POOL rule).
 * - add: `inputs` (two), `add` (TFLite's ADD), actMin/actMax (a fused activation).
 * - mul: `inputs` (two; the second may be 1×1×C, broadcast over H×W: the SE scale), `mul`.
 * - concat: `inputs` (one per source), `concat` (per source: a rescale, or undefined for a copy).
 * - resize, pad: output = input quantization; pad fills with `padValue` (the zero point unless given).
 * - act: `table`. softmax: `softmax`.
 *
 * The TS reference (interpreter.ts) runs every kind above, checked against TensorFlow Lite Micro
 * (test/quant/tflmOracle.test.ts). The C runtime runs them all: the chain runtime (patch stages)
 * conv, dwconv, pool, gpool, MEAN, softmax, fc and the fused add; the graph runtime the rest, layer
 * by layer (codegen/support.ts decides). buildQModel (ONNX parameters) gives graph layers theirs
 * from their tensors' quantizations (post-training quantization).
 */
export interface QLayer {
  layer: Layer;
  /** The quantization of the first source (the tensor `layer.input` describes). */
  input: TensorQuant;
  /**
   * One per source, in `layer.sources` order, for layers that read several tensors (add, mul,
   * concat); inputs[0] equals `input`. Undefined: the layer reads one tensor, `input`.
   */
  inputs?: TensorQuant[];
  output: TensorQuant;
  weights: Int8Array;
  bias: Int32Array;
  /** The 'tflite' rule: TFLite's fixed-point multiplier and shift per output channel. */
  multiplier: Int32Array;
  shift: Int32Array;
  /**
   * How the accumulator becomes int8: TFLite's fixed point (multiplier, shift: synthetic weights;
   * the default) or ONNX's float32 rule (floatMultiplier: weights from an ONNX model or PTQ).
   */
  rule?: RequantRule;
  /** The 'onnx' rule: fround(fround(xScale·wScale[c]) / yScale) per output channel (float32 values). */
  floatMultiplier?: Float32Array;
  /** The 'onnx' rule: the weight scale of each output channel (for the QDQ export). */
  weightScales?: Float32Array;
  /** Clamp of the output in the quantized domain (activation and int8 range). */
  actMin: number;
  actMax: number;
  /** For a project conv that adds the block's shortcut (fused), and for a layer of kind `add`. */
  add?: AddQuant;
  /**
   * Kind `mul`: TFLite's MUL, out = zpOut + MultiplyByQuantizedMultiplier((a − zpA)·(b − zpB),
   * scaleA·scaleB/scaleOut), clamped to actMin..actMax; under the 'onnx' rule onnxruntime's float
   * Mul between DequantizeLinear and QuantizeLinear instead (the scales of `inputs` and `output`).
   */
  mul?: Rescale;
  /**
   * Kind `gpool`, or `pool` spanning whole rows or columns, made from TFLite's MEAN: scaleIn/scaleOut.
   * TFLite Micro's int8 MEAN (QuantizedMeanOrSum in reduce.h, whatever the quantizations) folds 1/n
   * into it, n = kh·kw values per output: s = min(⌊log2 n⌋, 32, 31 + shift), m' = ⌊m·2^s / n⌋, then
   * out = clamp(zpOut + MultiplyByQuantizedMultiplier(Σ(x − zpIn), m', shift − s), −128, 127).
   */
  mean?: Rescale;
  /** Kind `softmax`. */
  softmax?: SoftmaxQuant;
  /**
   * Kind `act`: 256 int8 outputs, table[x + 128] for input x, built at generation time from the
   * quantization parameters (see tables.ts: TFLite's integer rule for the op, or the float function
   * re-quantized).
   */
  table?: Int8Array;
  /**
   * Kind `concat`, one entry per source: TFLite's requantization zpOut + MultiplyByQuantizedMultiplier
   * (x − zpIn, scaleIn/scaleOut), clamped; undefined where the source has the output's quantization
   * (a plain copy, or a producer writing straight into the concat buffer).
   */
  concat?: (Rescale | undefined)[];
  /** Kind `pad`: the int8 value written in the padding (default: the input's zero point, i.e. real 0). */
  padValue?: number;
}

export interface QModel {
  model: Model;
  /** Synthetic parameters when absent. */
  source?: QuantSource;
  seed: number;
  input: TensorQuant;
  /** The input the firmware and the reference run on, HWC: the deterministic synthetic image unless given. */
  image: Int8Array;
  layers: QLayer[];
}

export function elements(shape: Shape): number {
  return shape.h * shape.w * shape.c;
}
