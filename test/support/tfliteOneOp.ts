import { execFileSync } from 'child_process';
import * as flatbuffers from 'flatbuffers';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../helpers';

/**
 * One-operator .tflite models written with the flatbuffers builder, run by TensorFlow Lite Micro
 * (`tflm_run`, ../shared/tools) as the oracle of the int8 reference kernels. Field slots follow
 * ../shared/models/tflite/schema.fbs (declaration order, a union taking two slots). Input 0 is the
 * only live input; other operands are constants.
 */

export const TensorType = { FLOAT32: 0, INT32: 2, INT8: 9 } as const;

export const Op = { ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, PRELU: 54, RELU: 19, RELU6: 21, RESIZE_BILINEAR: 23, SOFTMAX: 25, TANH: 28, PAD: 34, MEAN: 40, PADV2: 60, RESIZE_NEAREST_NEIGHBOR: 97, LEAKY_RELU: 98, ELU: 111, HARD_SWISH: 117 } as const;

/** BuiltinOptions union tags. */
export const Options = { Conv2D: 1, DepthwiseConv2D: 2, Pool2D: 5, Softmax: 9, Concatenation: 10, Add: 11, ResizeBilinear: 15, Mul: 21, Pad: 22, Reducer: 27, PadV2: 43, ResizeNearestNeighbor: 74, LeakyRelu: 75 } as const;

export interface TensorSpec {
  shape: number[];
  type: number;
  scale?: number[];
  zeroPoint?: number[];
  /** Per-channel quantization axis. */
  axis?: number;
  /** Constant contents (little-endian bytes). */
  data?: Uint8Array;
}

/** One option field: its slot and value (bool/int as int32, float as float32). */
export type OptionField = { slot: number; int?: number; float?: number; bool?: boolean };

export interface OneOp {
  op: number;
  tensors: TensorSpec[];
  inputs: number[];
  outputs: number[];
  options?: { type: number; fields: OptionField[] };
}

/** The .tflite bytes of a model with one subgraph running one operator. */
export function writeOneOp(m: OneOp): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const intVector = (xs: number[]) => {
    b.startVector(4, xs.length, 4);
    for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]);
    return b.endVector();
  };
  // Buffer 0 is the empty sentinel; each constant tensor gets its own.
  const buffers: number[] = [];
  const emptyBuffer = () => (b.startObject(1), b.endObject());
  buffers.push(emptyBuffer());
  const tensorBuffer = m.tensors.map((t) => {
    if (!t.data) return 0;
    b.startVector(1, t.data.length, 16);
    for (let i = t.data.length - 1; i >= 0; i--) b.addInt8(t.data[i]);
    const data = b.endVector();
    b.startObject(1);
    b.addFieldOffset(0, data, 0);
    buffers.push(b.endObject());
    return buffers.length - 1;
  });
  const tensors = m.tensors.map((t, i) => {
    const shape = intVector(t.shape);
    const name = b.createString(`t${i}`);
    let quant = 0;
    if (t.scale) {
      b.startVector(4, t.scale.length, 4);
      for (let k = t.scale.length - 1; k >= 0; k--) b.addFloat32(t.scale[k]);
      const scales = b.endVector();
      const zps = t.zeroPoint ?? t.scale.map(() => 0);
      b.startVector(8, zps.length, 8);
      for (let k = zps.length - 1; k >= 0; k--) b.addInt64(BigInt(zps[k]));
      const zeros = b.endVector();
      b.startObject(7);
      b.addFieldOffset(2, scales, 0);
      b.addFieldOffset(3, zeros, 0);
      b.addFieldInt32(6, t.axis ?? 0, 0);
      quant = b.endObject();
    }
    b.startObject(8);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, 0);
    b.addFieldInt32(2, tensorBuffer[i], 0);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });
  let options = 0;
  if (m.options) {
    const fields = m.options.fields;
    b.startObject(Math.max(0, ...fields.map((f) => f.slot + 1)));
    for (const f of fields) {
      if (f.float !== undefined) b.addFieldFloat32(f.slot, f.float, 0.5 + f.float);
      else if (f.bool !== undefined) b.addFieldInt8(f.slot, f.bool ? 1 : 0, 2);
      else b.addFieldInt32(f.slot, f.int ?? 0, (f.int ?? 0) + 1);
    }
    options = b.endObject();
  }
  const opInputs = intVector(m.inputs);
  const opOutputs = intVector(m.outputs);
  b.startObject(5);
  b.addFieldInt32(0, 0, -1);
  b.addFieldOffset(1, opInputs, 0);
  b.addFieldOffset(2, opOutputs, 0);
  if (m.options) {
    b.addFieldInt8(3, m.options.type, 0);
    b.addFieldOffset(4, options, 0);
  }
  const operator = b.endObject();
  const vectorOf = (xs: number[]) => {
    b.startVector(4, xs.length, 4);
    for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]);
    return b.endVector();
  };
  const tensorVector = vectorOf(tensors);
  const sgInputs = intVector([m.inputs[0]]);
  const sgOutputs = intVector(m.outputs);
  const operators = vectorOf([operator]);
  b.startObject(5);
  b.addFieldOffset(0, tensorVector, 0);
  b.addFieldOffset(1, sgInputs, 0);
  b.addFieldOffset(2, sgOutputs, 0);
  b.addFieldOffset(3, operators, 0);
  const subgraph = b.endObject();
  b.startObject(4);
  b.addFieldInt8(0, Math.min(m.op, 127), -1);
  b.addFieldInt32(2, 1, 0);
  b.addFieldInt32(3, m.op, -1);
  const opcode = b.endObject();
  const opcodes = vectorOf([opcode]);
  const subgraphs = vectorOf([subgraph]);
  const bufferVector = vectorOf(buffers);
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(4, bufferVector, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

/** `../shared` beside the checkout, or two levels up from a worktree (`wt/NAME`); PATCHWISE_SHARED overrides. */
const sharedRoot = process.env.PATCHWISE_SHARED ?? [path.resolve(repoRoot, '..', 'shared'), path.resolve(repoRoot, '..', '..', 'shared')].find((d) => fs.existsSync(d)) ?? path.resolve(repoRoot, '..', 'shared');

export const tflmRun = path.join(sharedRoot, 'tools', 'tflm_run');

/** Whether the oracle is here; off CI its absence skips the caller loudly, on CI it fails. */
export function haveTflm(ctx: Mocha.Context): boolean {
  if (fs.existsSync(tflmRun)) return true;
  if (process.env.CI === 'true') throw new Error(`${tflmRun} is missing`);
  console.warn(`\n  SKIPPED (not on CI): ${tflmRun} is missing\n`);
  ctx.skip();
  return false;
}

/** Runs the model on int8 input bytes through TFLM; its int8 output bytes. */
export function runTflm(model: Uint8Array, input: Int8Array): Int8Array {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-tflm-'));
  try {
    const modelPath = path.join(dir, 'm.tflite');
    const inputPath = path.join(dir, 'in.bin');
    const outputPath = path.join(dir, 'out.bin');
    fs.writeFileSync(modelPath, model);
    fs.writeFileSync(inputPath, new Uint8Array(input.buffer, input.byteOffset, input.length));
    execFileSync(tflmRun, [modelPath, inputPath, outputPath], { timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Int8Array(fs.readFileSync(outputPath));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Little-endian bytes of int32 values (bias and shape constants). */
export function int32Bytes(xs: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(xs.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < xs.length; i++) view.setInt32(i * 4, xs[i], true);
  return out;
}
