import { Flat, FlatError, Table } from './flat';

/**
 * Typed accessors over the TFLite schema (schema.fbs, the `tflite` namespace): the model is read into
 * plain objects once; field slots are the schema's field order. Only subgraph 0 (the one TFLite Micro
 * runs) is read in full; buffers stay views into the file.
 */

export const enum TensorType { Float32 = 0, Int32 = 2, UInt8 = 3, Int64 = 4, Int16 = 7, Int8 = 9 }

export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  /** The axis the scales run along (TOCO writes 3 on 1-D biases: read it only where it is in range). */
  dimension: number;
}

export interface Tensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  buffer: number;
  quantization?: Quantization;
}

export interface Operator {
  index: number;
  /** The builtin operator code (CUSTOM = 32 for custom ops). */
  code: number;
  /** Custom ops: their name. */
  custom?: string;
  inputs: number[];
  outputs: number[];
  /** The builtin options table (each operator's own fields), when present. */
  options?: Table;
}

export interface TfliteModel {
  version: number;
  description?: string;
  tensors: Tensor[];
  operators: Operator[];
  inputs: number[];
  outputs: number[];
  subgraphs: number;
  /** The data of each buffer (empty for activations); a view into the file. */
  buffers: Uint8Array[];
}

/** Reads the model; throws {@link FlatError} when the file's structure is broken. */
export function readTflite(bytes: Uint8Array): TfliteModel {
  const f = new Flat(bytes);
  if (bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') throw new FlatError('header', 'the file identifier is not TFL3 (not a .tflite model)');
  const model = f.root();
  const codes = model.tables(1, 'operator_codes').map((c) => ({ code: Math.max(c.int8(0), c.int32(3)), custom: c.string(1) }));
  const subgraphs = model.tables(2, 'subgraphs');
  if (subgraphs.length === 0) throw new FlatError('model.subgraphs', 'the model has no subgraph');
  const g = subgraphs[0];
  const buffers = model.tables(4, 'buffers').map((b, i) => readBuffer(f, b, i));
  const tensors = g.tables(0, 'tensors').map((t, index): Tensor => ({
    index,
    name: t.string(3) ?? `tensor ${index}`,
    shape: t.int32s(0, 'shape'),
    type: t.int8(1),
    buffer: t.uint32(2),
    quantization: readQuantization(t.table(4, 'quantization')),
  }));
  const operators = g.tables(3, 'operators').map((o, index): Operator => {
    const opcode = o.uint32(0);
    const code = codes[opcode];
    if (!code) throw new FlatError(`${o.where}.opcode_index`, `operator code ${opcode} is not among the model's ${codes.length}`);
    return { index, code: code.code, custom: code.custom, inputs: o.int32s(1, 'inputs'), outputs: o.int32s(2, 'outputs'), options: o.table(4, 'builtin_options') };
  });
  return { version: model.uint32(0), description: model.string(3), tensors, operators, inputs: g.int32s(1, 'inputs'), outputs: g.int32s(2, 'outputs'), subgraphs: subgraphs.length, buffers };
}

function readQuantization(q: Table | undefined): Quantization | undefined {
  if (!q) return undefined;
  const scale = q.float32s(2, 'scale');
  if (scale.length === 0) return undefined;
  return { scale, zeroPoint: q.int64s(3, 'zero_point'), dimension: q.int32(6) };
}

/**
 * A buffer's bytes: inline data, or (models over 2 GB) an offset and size into the file, which must
 * lie inside it.
 */
function readBuffer(f: Flat, b: Table, i: number): Uint8Array {
  const data = b.bytes(0, 'data');
  if (data && data.length > 0) return data;
  const offset = b.uint64(1);
  const size = b.uint64(2);
  if (offset <= 1 || size === 0) return new Uint8Array(0);
  f.need(offset, size, `model.buffers[${i}] (offset ${offset}, size ${size})`);
  return f.bytes.subarray(offset, offset + size);
}
