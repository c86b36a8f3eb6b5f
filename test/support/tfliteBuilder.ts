import { Builder } from 'flatbuffers';

/**
 * Writes small .tflite files for tests with the flatbuffers runtime's Builder (field slots as in
 * schema.fbs): a model of the operators a test needs, or one broken in a chosen way.
 */

export interface TensorSpec {
  name: string;
  shape: number[];
  /** TensorType (default 9, INT8). */
  type?: number;
  /** Index into the model's buffers (default 0, the empty one). */
  buffer?: number;
  scale?: number[];
  zeroPoint?: number[];
}

/** One field of an options table: slot, width and value. */
export type OptionField = [slot: number, kind: 'int8' | 'int32' | 'float32', value: number];

export interface OpSpec {
  code: number;
  inputs: number[];
  outputs: number[];
  options?: OptionField[];
  /** The BuiltinOptions union's type (Conv2DOptions 1, DepthwiseConv2DOptions 2, Pool2DOptions 5): TFLite Micro reads it. */
  optionsType?: number;
}

export interface ModelSpec {
  tensors: TensorSpec[];
  operators: OpSpec[];
  inputs: number[];
  outputs: number[];
  /** Buffer 0 is always the empty one; these follow it: inline bytes, or an offset and size into the file. */
  buffers?: (Uint8Array | { offset: number; size: number })[];
  /** More subgraphs, each of the same operators (to reference one another). */
  subgraphs?: { operators: OpSpec[] }[];
}

export function buildTflite(spec: ModelSpec): Uint8Array {
  const b = new Builder(1024);
  const codes = [...new Set([...spec.operators, ...(spec.subgraphs ?? []).flatMap((g) => g.operators)].map((o) => o.code))];
  const ints = (v: number[]) => {
    b.startVector(4, v.length, 4);
    for (const x of [...v].reverse()) b.addInt32(x);
    return b.endVector();
  };
  const tables = (offsets: number[]) => {
    b.startVector(4, offsets.length, 4);
    for (const o of [...offsets].reverse()) b.addOffset(o);
    return b.endVector();
  };
  const buffers = [new Uint8Array(0), ...(spec.buffers ?? [])].map((buf) => {
    const data = buf instanceof Uint8Array && buf.length > 0 ? b.createByteVector(buf) : 0;
    b.startObject(3);
    if (data) b.addFieldOffset(0, data, 0);
    if (!(buf instanceof Uint8Array)) {
      b.addFieldInt64(1, BigInt(buf.offset), BigInt(0));
      b.addFieldInt64(2, BigInt(buf.size), BigInt(0));
    }
    return b.endObject();
  });
  const opcodes = codes.map((code) => {
    b.startObject(4);
    b.addFieldInt8(0, Math.min(code, 127), 0);
    b.addFieldInt32(3, code, 0);
    return b.endObject();
  });
  const tensors = spec.tensors.map((t) => {
    const name = b.createString(t.name);
    const shape = ints(t.shape);
    let quant = 0;
    if (t.scale) {
      b.startVector(4, t.scale.length, 4);
      for (const s of [...t.scale].reverse()) b.addFloat32(s);
      const scale = b.endVector();
      const zp = t.zeroPoint ?? t.scale.map(() => 0);
      b.startVector(8, zp.length, 8);
      for (const z of [...zp].reverse()) b.addInt64(BigInt(z));
      const zeroPoint = b.endVector();
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zeroPoint, 0);
      quant = b.endObject();
    }
    b.startObject(5);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type ?? 9, -1);
    b.addFieldInt32(2, t.buffer ?? 0, -1);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });
  const operators = (ops: OpSpec[]) =>
    ops.map((o) => {
      let options = 0;
      if (o.options) {
        b.startObject(8);
        for (const [slot, kind, value] of o.options) {
          if (kind === 'int8') b.addFieldInt8(slot, value, null);
          else if (kind === 'int32') b.addFieldInt32(slot, value, null);
          else b.addFieldFloat32(slot, value, null);
        }
        options = b.endObject();
      }
      const inputs = ints(o.inputs);
      const outputs = ints(o.outputs);
      b.startObject(5);
      b.addFieldInt32(0, codes.indexOf(o.code), -1);
      b.addFieldOffset(1, inputs, 0);
      b.addFieldOffset(2, outputs, 0);
      if (options) {
        b.addFieldInt8(3, o.optionsType ?? 1, 0);
        b.addFieldOffset(4, options, 0);
      }
      return b.endObject();
    });
  const subgraph = (ops: OpSpec[], withTensors: boolean) => {
    const opVector = tables(operators(ops));
    const tensorVector = withTensors ? tables(tensors) : tables([]);
    const inputs = ints(spec.inputs);
    const outputs = ints(spec.outputs);
    b.startObject(5);
    b.addFieldOffset(0, tensorVector, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    b.addFieldOffset(3, opVector, 0);
    return b.endObject();
  };
  const graphs = [subgraph(spec.operators, true), ...(spec.subgraphs ?? []).map((g) => subgraph(g.operators, true))];
  const codeVector = tables(opcodes);
  const graphVector = tables(graphs);
  const bufferVector = tables(buffers);
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, codeVector, 0);
  b.addFieldOffset(2, graphVector, 0);
  b.addFieldOffset(4, bufferVector, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

/** A small valid model: conv 3×3 s2 SAME (8 → 4×4×4), then a depthwise, then an average pool to 1×1. */
export function tinyModel(): ModelSpec {
  return {
    tensors: [
      { name: 'input', shape: [1, 8, 8, 3], scale: [0.5], zeroPoint: [-1] },
      { name: 'conv/w', shape: [4, 3, 3, 3], buffer: 1, scale: [0.1, 0.1, 0.1, 0.1] },
      { name: 'conv/b', shape: [4], type: 2, buffer: 2, scale: [0.05, 0.05, 0.05, 0.05] },
      { name: 'conv', shape: [1, 4, 4, 4], scale: [0.25], zeroPoint: [-128] },
      { name: 'dw/w', shape: [1, 3, 3, 4], buffer: 3, scale: [0.1] },
      { name: 'dw/b', shape: [4], type: 2, buffer: 2, scale: [0.025] },
      { name: 'dw', shape: [1, 4, 4, 4], scale: [0.25], zeroPoint: [-128] },
      { name: 'pool', shape: [1, 1, 1, 4], scale: [0.25], zeroPoint: [-128] },
    ],
    operators: [
      { code: 3, optionsType: 1, inputs: [0, 1, 2], outputs: [3], options: [[0, 'int8', 0], [1, 'int32', 2], [2, 'int32', 2], [3, 'int8', 3]] },
      { code: 4, optionsType: 2, inputs: [3, 4, 5], outputs: [6], options: [[0, 'int8', 0], [1, 'int32', 1], [2, 'int32', 1], [3, 'int32', 1], [4, 'int8', 3]] },
      { code: 1, optionsType: 5, inputs: [6], outputs: [7], options: [[0, 'int8', 1], [1, 'int32', 1], [2, 'int32', 1], [3, 'int32', 4], [4, 'int32', 4]] },
    ],
    inputs: [0],
    outputs: [7],
    buffers: [Uint8Array.from({ length: 4 * 27 }, (_, i) => (i * 37) % 256), Uint8Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? i * 3 : 0)), Uint8Array.from({ length: 36 }, (_, i) => (i * 59 + 7) % 256)],
  };
}
