import { onnx } from 'onnx-proto';
import { checkDims, product, Reporter, toNumber } from './onnxGraph';

/**
 * Dense tensors of the ONNX reference interpreter ({@link ./onnxReference}): decoded in full from a
 * TensorProto (raw data or the typed fields), row-major, with the element type kept so that the integer
 * ops can be checked bit for bit. int64 values are held as doubles and refused beyond 2^53.
 */

export type DType = 'float32' | 'float64' | 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'bool';

export type TensorData = Float32Array | Float64Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array;

export interface Tensor {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

/** ONNX TensorProto.DataType → our element type (the ones the interpreter evaluates). */
const dtypeOf: Partial<Record<number, DType>> = { 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };
const onnxTypeOf: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9, float64: 11 };
const byteSize: Record<DType, number> = { float32: 4, float64: 8, uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, int64: 8, bool: 1 };

export function isInteger(dtype: DType): boolean {
  return dtype !== 'float32' && dtype !== 'float64';
}

/** A zero tensor of the given type and dims. */
export function zeros(dtype: DType, dims: number[]): Tensor {
  const n = product(dims);
  switch (dtype) {
    case 'float32': return { dtype, dims, data: new Float32Array(n) };
    case 'float64':
    case 'int64': return { dtype, dims, data: new Float64Array(n) };
    case 'uint8':
    case 'bool': return { dtype, dims, data: new Uint8Array(n) };
    case 'int8': return { dtype, dims, data: new Int8Array(n) };
    case 'int16': return { dtype, dims, data: new Int16Array(n) };
    case 'uint16': return { dtype, dims, data: new Uint16Array(n) };
    case 'int32': return { dtype, dims, data: new Int32Array(n) };
  }
}

export function tensorOf(dtype: DType, dims: number[], values: ArrayLike<number>): Tensor {
  const t = zeros(dtype, dims);
  t.data.set(values);
  return t;
}

/** The ONNX data type number of an element type (for messages and encoding). */
export function onnxType(dtype: DType): number {
  return onnxTypeOf[dtype];
}

/** Decodes a serialized TensorProto (the backend tests' input_*.pb / output_*.pb). */
export function decodeTensor(bytes: Uint8Array, out: Reporter): Tensor | undefined {
  let t: onnx.TensorProto;
  try {
    t = onnx.TensorProto.decode(bytes);
  } catch (error) {
    out.report('onnxDecode', `not a TensorProto (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
  return readFullTensor(t, t.name || '(unnamed tensor)', out);
}

/** All values of a TensorProto; undefined (with a diagnostic) for unsupported types or bad sizes. */
export function readFullTensor(t: onnx.ITensorProto, name: string, out: Reporter): Tensor | undefined {
  const dims = (t.dims ?? []).map(toNumber);
  if (!checkDims(name, dims, out)) return undefined;
  const dtype = dtypeOf[t.dataType ?? 0];
  if (!dtype) {
    out.report('onnxMalformed', `tensor '${name}' has data type ${t.dataType ?? 0}, which the reference interpreter does not evaluate`);
    return undefined;
  }
  if (t.externalData?.length) {
    out.report('onnxMalformed', `tensor '${name}' keeps its data in an external file`);
    return undefined;
  }
  const result = zeros(dtype, dims);
  const count = result.data.length;
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== count * byteSize[dtype]) {
      out.report('onnxMalformed', `tensor '${name}' holds ${raw.length} bytes of data for ${count} elements of ${byteSize[dtype]} bytes`);
      return undefined;
    }
    // rawData is a view into the file buffer at any alignment, and a Node Buffer's slice() is still a
    // view: copy it with the Uint8Array constructor, then read little-endian.
    const view = new DataView(new Uint8Array(raw).buffer);
    for (let i = 0; i < count; i++) result.data[i] = readRaw(view, dtype, i);
    if (dtype === 'int64' && !result.data.every(Number.isSafeInteger)) return unsafe(name, out);
    return result;
  }
  const typed: ArrayLike<number | { toNumber(): number }> = typedField(t, dtype);
  if (typed.length !== count) {
    out.report('onnxMalformed', `tensor '${name}' holds ${typed.length} values for dims [${dims.join(', ')}]`);
    return undefined;
  }
  for (let i = 0; i < count; i++) {
    const v = typed[i];
    if (dtype === 'int64' && typeof v !== 'number' && !isSafeLong(v as LongLike)) return unsafe(name, out);
    result.data[i] = typeof v === 'number' ? v : v.toNumber();
  }
  return result;
}

type LongLike = { toNumber(): number };

/** A protobufjs Long beyond 2^53 converts to a double that is no longer a safe integer. */
function isSafeLong(v: LongLike): boolean {
  return Number.isSafeInteger(v.toNumber());
}

function unsafe(name: string, out: Reporter): undefined {
  out.report('onnxMalformed', `tensor '${name}' has int64 values beyond 2^53`);
  return undefined;
}

/** The typed field ONNX stores each element type in (int8..uint16 and bool go in int32_data). */
function typedField(t: onnx.ITensorProto, dtype: DType): ArrayLike<number | { toNumber(): number }> {
  switch (dtype) {
    case 'float32': return t.floatData ?? [];
    case 'float64': return t.doubleData ?? [];
    case 'int64': return t.int64Data ?? [];
    default: return t.int32Data ?? [];
  }
}

function readRaw(view: DataView, dtype: DType, i: number): number {
  switch (dtype) {
    case 'float32': return view.getFloat32(i * 4, true);
    case 'float64': return view.getFloat64(i * 8, true);
    case 'uint8':
    case 'bool': return view.getUint8(i);
    case 'int8': return view.getInt8(i);
    case 'int16': return view.getInt16(i * 2, true);
    case 'uint16': return view.getUint16(i * 2, true);
    case 'int32': return view.getInt32(i * 4, true);
    case 'int64': return Number(view.getBigInt64(i * 8, true));
  }
}

/** Row-major strides of dims (elements). */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

/** numpy's broadcast of two shapes; undefined when they do not broadcast. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const dims: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    dims.push(x === 1 ? y : x);
  }
  return dims;
}

/** For each element of `to`, the index of the element of a tensor of `from` dims broadcast to it. */
export function broadcastIndex(from: readonly number[], to: readonly number[]): Int32Array {
  const total = product(to);
  const index = new Int32Array(total);
  const fromStrides = stridesOf(from);
  const offset = to.length - from.length;
  // Strides of `from` seen from `to`'s axes (0 on a broadcast axis).
  const strides = to.map((_, i) => (i < offset || from[i - offset] === 1 ? 0 : fromStrides[i - offset]));
  const at = new Array<number>(to.length).fill(0);
  let src = 0;
  for (let k = 0; k < total; k++) {
    index[k] = src;
    for (let axis = to.length - 1; axis >= 0; axis--) {
      at[axis]++;
      src += strides[axis];
      if (at[axis] < to[axis]) break;
      src -= strides[axis] * to[axis];
      at[axis] = 0;
    }
  }
  return index;
}
