import { quantizeMultiplier } from './fixedPoint';
import { Rescale, SoftmaxQuant, TensorQuant } from './qmodel';

// The int8 parameters of graph layers from their tensors' quantizations, as TensorFlow Lite Micro's
// Prepare functions compute them (double arithmetic on float32 scales). An importer that has the
// scales (a .tflite file, a QDQ model, post-training quantization) calls these; see QLayer for
// which field each kind reads.

const f32 = Math.fround;

/** TFLite's MUL: scaleA·scaleB/scaleOut. */
export function mulQuant(a: TensorQuant, b: TensorQuant, output: TensorQuant): Rescale {
  return quantizeMultiplier((f32(a.scale) * f32(b.scale)) / f32(output.scale));
}

/** TFLite's MEAN and requantization: scaleIn/scaleOut. */
export function rescaleQuant(from: TensorQuant, to: TensorQuant): Rescale {
  return quantizeMultiplier(f32(from.scale) / f32(to.scale));
}

/** Per source of a concatenation: undefined where the source already has the output's quantization. */
export function concatQuant(inputs: readonly TensorQuant[], output: TensorQuant): (Rescale | undefined)[] {
  return inputs.map((q) => (f32(q.scale) === f32(output.scale) && q.zeroPoint === output.zeroPoint ? undefined : rescaleQuant(q, output)));
}

/** TFLite's softmax output quantization (the only one its int8 kernel accepts). */
export const softmaxOutput: TensorQuant = { scale: 1 / 256, zeroPoint: -128 };

/**
 * TFLite's PreprocessSoftmaxScaling with 5 integer bits for the scaled difference: beta·scaleIn·2^26
 * as a multiplier ≥ 1 (a Q31 factor and a left shift) and the smallest difference whose exp counts.
 */
export function softmaxQuant(input: TensorQuant, beta = 1): SoftmaxQuant {
  const real = Math.min(f32(beta) * f32(input.scale) * 2 ** 26, 2 ** 31 - 1);
  const { multiplier, shift } = quantizeMultiplier(real);
  const leftShift = Math.max(0, shift);
  return { inputMultiplier: multiplier, inputLeftShift: leftShift, diffMin: -Math.floor((31 * 2 ** 26) / 2 ** leftShift) };
}
