import { Layer, Model, Shape } from '../model/ir';

/** real = scale · (q − zeroPoint), int8. */
export interface TensorQuant {
  scale: number;
  zeroPoint: number;
}

/** TFLite's ADD parameters (left shift 20, both inputs rescaled to twice the larger scale). */
export interface AddQuant {
  /** The project conv's own int8 output, before the add. */
  conv: TensorQuant;
  /** The block input added back (the shortcut). */
  residual: TensorQuant;
  leftShift: number;
  convMultiplier: number;
  convShift: number;
  residualMultiplier: number;
  residualShift: number;
  outputMultiplier: number;
  outputShift: number;
}

export type RequantRule = 'tflite' | 'onnx';

/** Where a model's int8 parameters came from. */
export type QuantSource = 'synthetic' | 'qoperator' | 'qdq' | 'ptq' | 'tflite';

/**
 * One layer with its int8 parameters. Weight layouts: conv [cout][k][k][cin] (TFLite's OHWI),
 * depthwise [k][k][c], fc [cout][h·w·cin] in HWC order. Requantization is per output channel.
 */
export interface QLayer {
  layer: Layer;
  input: TensorQuant;
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
  /** For a project conv that adds the block's shortcut (fused). */
  add?: AddQuant;
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
