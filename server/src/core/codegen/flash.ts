import { QModel } from '../quant/qmodel';
import { ArenaPlan } from './arenaTypes';
import { isWideFc, wideFcRowWords } from './fcLayout';

// What a model's firmware puts in flash besides the program: weights.c's arrays and model.c's
// step and copy tables, counted exactly as generate.ts writes them. A schedule changes only the
// tables, but with many patches (and caches, whose copies are tables too) they can take more flash
// than the weights.

/** sizeof(pw_step) and sizeof(pw_move) on the 32-bit MCUs (runtime/include/pw_model.h). */
export const stepEntryBytes = 68;
export const moveEntryBytes = 24;

/**
 * Flash left for the program (runtime, board code, the model's layer table) when a schedule is
 * picked: mbv2-w0.35-r144's measured 40.9 KB, 64.3 KB with the float-rule kernels, and room above.
 */
export const programAllowanceBytes = 80 * 1024;

export interface FlashParts {
  /** Weights, biases, multipliers and shifts, lookup tables (weights.c). */
  parameters: number;
  /** The input image the firmware runs on (weights.c). */
  input: number;
  /** The plan's step and copy tables (model.c), and how many entries each has. */
  tables: number;
  steps: number;
  moves: number;
}

/** weights.c's arrays besides the input image: weights, biases, multipliers and shifts, tables. */
export function parameterBytes(qm: QModel): number {
  let bytes = 0;
  for (const q of qm.layers) {
    if (q.weights.length === 0 && q.rule === 'onnx') bytes += 4;
    if (q.table) bytes += q.table.length;
    if (q.weights.length === 0) continue;
    const outN = q.layer.output.c;
    bytes += isWideFc(q) ? 4 * outN * wideFcRowWords(q.weights.length / outN) : q.weights.length;
    bytes += 4 * q.bias.length + 4 * (q.rule === 'onnx' ? q.floatMultiplier!.length : q.multiplier.length + q.shift.length);
  }
  return bytes;
}

/** model.c's step and copy tables for a plan (none for a graph run layer by layer). */
export function tableBytes(plan: ArenaPlan | undefined): Pick<FlashParts, 'tables' | 'steps' | 'moves'> {
  const steps = plan?.steps.length ?? 0;
  const moves = plan?.steps.reduce((n, s) => n + s.moves.length, 0) ?? 0;
  return { tables: steps * stepEntryBytes + moves * moveEntryBytes, steps, moves };
}

/** weights.c's and model.c's arrays for a quantized model and its plan. */
export function flashParts(qm: QModel, plan: ArenaPlan | undefined): FlashParts {
  return { parameters: parameterBytes(qm), input: qm.image.length, ...tableBytes(plan) };
}
