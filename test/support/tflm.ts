import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Flat } from '../../server/src/core/import/tflite/flat';
import { Builtin } from '../../server/src/core/import/tflite/builtins';
import { TfliteQuant } from '../../server/src/core/import/tflite/quant';
import { readTflite } from '../../server/src/core/import/tflite/schema';
import { Random } from '../../server/src/core/quant/random';
import { sharedOrSkip } from './sharedFiles';

/**
 * TensorFlow Lite Micro as the oracle: ../shared/tools/tflm_run (its reference int8 kernels) runs a
 * .tflite on given input bytes. Absent off CI: the caller is skipped, loudly; on CI it fails.
 */

/** For a mocha `before`: the runner's path, or the suite skipped / failed. */
export function tflmOrSkip(context: Mocha.Context): string {
  return sharedOrSkip(context, 'tools/tflm_run');
}

export interface TflmRun {
  output: Int8Array;
  /** TFLite Micro's own arena use for the model (host build). */
  arenaUsedBytes: number;
}

/** Runs `model` on `input` (the raw bytes of input tensor 0); throws with tflm_run's words on failure. */
export function runTflm(tflm: string, model: Uint8Array, input: Uint8Array): TflmRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-tflm-'));
  try {
    const files = ['model.tflite', 'input.bin', 'output.bin'].map((f) => path.join(dir, f));
    fs.writeFileSync(files[0], model);
    fs.writeFileSync(files[1], input);
    const run = spawnSync(tflm, files, { encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`tflm_run exited ${run.status}: ${run.stderr || run.stdout}`);
    const info = JSON.parse(run.stdout.trim().split('\n').pop()!) as { arenaUsedBytes: number };
    const bytes = fs.readFileSync(files[2]);
    return { output: new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length).slice(), arenaUsedBytes: info.arenaUsedBytes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same model with its output set to tensor `index` (a copy): TFLite Micro keeps a graph output
 * alive to the end, so that layer's bytes come out. Written through the importer's own accessors.
 */
export function withOutput(model: Uint8Array, index: number): Uint8Array {
  const copy = model.slice();
  const f = new Flat(copy);
  const outputs = f.root().tables(2, 'subgraphs')[0].vector(2, 4, 'outputs')!;
  new DataView(copy.buffer, copy.byteOffset).setInt32(outputs.at, index, true);
  return copy;
}

/**
 * The model with its int8 output as the graph output: a file that DEQUANTIZEs its output to float
 * (mcunet-vww1) gives the DEQUANTIZE's input, what the int8 firmware writes; others are returned as they are.
 */
export function withInt8Output(model: Uint8Array): Uint8Array {
  const file = readTflite(model);
  const dequantize = file.operators.find((o) => o.code === Builtin.Dequantize && o.outputs[0] === file.outputs[0]);
  return dequantize ? withOutput(model, dequantize.inputs[0]) : model;
}

/** The test inputs of the TFLite comparisons: all zeros, then `random` seeded random ones (seeds 1, 2, …). */
export function seededInputs(n: number, random = 5): Int8Array[] {
  const of = (seed: number) => {
    const rng = new Random(seed);
    return Int8Array.from({ length: n }, () => rng.int(-128, 127));
  };
  return [new Int8Array(n), ...Array.from({ length: random }, (_, i) => of(i + 1))];
}

/**
 * The bytes TFLite Micro reads for an HWC int8 image: NCHW where the file's input is, float32
 * (q − zp)·scale where it QUANTIZEs a float input (exactly the int8 values back).
 */
export function tflmFeed(quant: TfliteQuant, image: Int8Array): Uint8Array {
  const { h, w, c } = quant.qm!.model.input.shape;
  const x = quant.inputLayout === 'nchw' ? toNchw(image, h, w, c) : image;
  if (quant.inputType === 'int8') return new Uint8Array(x.buffer, x.byteOffset, x.length);
  const q = quant.qm!.input;
  const real = Float32Array.from(x, (v) => (v - q.zeroPoint) * q.scale);
  return new Uint8Array(real.buffer);
}

/** HWC int8 → the file's NCHW layout (an input a TRANSPOSE makes NHWC). */
export function toNchw(x: Int8Array, h: number, w: number, c: number): Int8Array {
  const out = new Int8Array(x.length);
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let k = 0; k < c; k++) out[(k * h + y) * w + xx] = x[(y * w + xx) * c + k];
  return out;
}
