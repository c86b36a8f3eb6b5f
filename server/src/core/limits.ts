import { diagnostic, Diagnostic, Range } from './language/diagnostics';
import { bytesOf, Model } from './model/ir';
import { macs, weightBytes } from './model/ops';

// The resource limits, in one place: the CLI, the language server and the firmware path all build
// models through the same builder and read files through bounds taken from here, so they refuse the
// same things with the same codes. Each limit is far above what any microcontroller could run (the
// largest MCUs hold a few MiB of SRAM and flash and run a few GMAC/s at most) and low enough that
// the reference interpreter, the analysis and the editor stay within seconds and a bounded memory.

const MiB = 1024 * 1024;

export const limits = {
  /** PW6001: an activation tensor, int8 bytes (h·w·c). The reference allocates each one whole. */
  tensorBytes: 16 * MiB,
  /** PW6002: all weights of a model, int8 bytes (external QSPI flash tops out around 64 MiB). */
  weightBytes: 64 * MiB,
  /**
   * PW6003: MACs of one inference. A Cortex-M7 at 216 MHz needs minutes for 10 G; the reference
   * (~400 MMAC/s) about 25 s. (The generated 1,000-layer benchmark model has 5.3 G.)
   */
  macs: 10e9,
  /** PW6004: layers of a model (the builder stops there: a repeat cannot make millions). */
  layers: 200_000,
  /** PW6005: characters of a model's text (.pnet); a 100,000-line model is about 1.5 M. */
  textChars: 16 * MiB,
  /** PW6006: a file a model or command names (`from "x.onnx"`, --input-file); regular files only. */
  fileBytes: 256 * MiB,
  /** PW6006: one calibration image (.ppm, .pgm, .png). */
  imageBytes: 64 * MiB,
  /**
   * PW6007: schedule search, layers evaluated summed over its candidates (a candidate ending at
   * block b evaluates b's layers and those before). ~8 M/s here: a 1,000-layer model needs 9 M, the bound ~2.5 s.
   */
  searchLayerEvaluations: 20_000_000,
  /** PW6007: schedule search, wall-clock milliseconds (CLI and editor alike): a safety net on slow or loaded machines; the work bound ends it first. */
  searchMillis: 30_000,
} as const;

/** The model's size against the limits: an error on the first layer past each one. */
export function checkModelLimits(model: Model, inputRange: Range): Diagnostic[] {
  const out: Diagnostic[] = [];
  const input = bytesOf(model.input.shape);
  if (input > limits.tensorBytes) {
    out.push(diagnostic('tensorTooLarge', inputRange, 'the input', input, limits.tensorBytes));
    return out;
  }
  const big = model.layers.find((l) => bytesOf(l.output) > limits.tensorBytes);
  if (big) out.push(diagnostic('tensorTooLarge', big.range, `the output of ${big.name}`, bytesOf(big.output), limits.tensorBytes));
  let weights = 0;
  let total = 0;
  let weightsReported = false;
  for (const layer of model.layers) {
    weights += weightBytes(layer);
    total += macs(layer);
    if (weights > limits.weightBytes && !weightsReported) {
      out.push(diagnostic('weightsTooLarge', layer.range, layer.name, limits.weightBytes));
      weightsReported = true;
    }
  }
  if (total > limits.macs) out.push(diagnostic('macsTooMany', model.layers[model.layers.length - 1].range, formatCount(total), formatCount(limits.macs)));
  return out;
}

function formatCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} G` : `${(n / 1e6).toFixed(1)} M`;
}
