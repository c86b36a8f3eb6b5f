import { onnx } from 'onnx-proto';

/** Builds small ONNX models in tests with onnx-proto (the same library the importer decodes with). */
export class OnnxBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inits: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private count = 0;

  input(name: string, dims: (number | string)[], elemType: number = onnx.TensorProto.DataType.FLOAT): string {
    this.inputs.push(valueInfo(name, dims, elemType));
    return name;
  }

  output(name: string, dims: (number | string)[] = [], elemType: number = onnx.TensorProto.DataType.FLOAT): void {
    this.outputs.push(valueInfo(name, dims, elemType));
  }

  /** An int8, uint8 or int32 initializer (typed field int32_data, as ONNX stores these types). */
  ints(name: string, type: 'int8' | 'uint8' | 'int32', dims: number[], values: ArrayLike<number>): string {
    const T = onnx.TensorProto.DataType;
    this.inits.push({ name, dims, dataType: type === 'int8' ? T.INT8 : type === 'uint8' ? T.UINT8 : T.INT32, int32Data: Array.from(values) });
    return name;
  }

  /** A float scalar (or 1-D) initializer, e.g. a scale. */
  floats(name: string, values: number[], dims: number[] = values.length === 1 ? [] : [values.length]): string {
    return this.init(name, dims, values);
  }

  /** A float initializer of zeros (raw data), or with the given values (float_data). */
  init(name: string, dims: number[], values?: number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    this.inits.push(values
      ? { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values }
      : { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(count * 4) });
    return name;
  }

  /** A float initializer with its values in raw data (little-endian float32), as exporters write them. */
  initRaw(name: string, dims: number[], values: number[]): string {
    const raw = new Uint8Array(values.length * 4);
    values.forEach((v, i) => new DataView(raw.buffer).setFloat32(i * 4, v, true));
    this.inits.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  int64(name: string, values: number[]): string {
    this.inits.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
    return name;
  }

  tensor(t: onnx.ITensorProto): string {
    this.inits.push(t);
    return t.name as string;
  }

  /** Adds a node; returns its first output (named after the node unless given). */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs?: string[], name?: string): string {
    const n = name ?? `${op}_${this.count++}`;
    const outs = outputs ?? [`${n}:0`];
    this.nodes.push({ opType: op, name: n, input: inputs, output: outs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return outs[0];
  }

  /** Conv (+ BatchNormalization + activation): weights [cout, cin/groups, k, k] and bias. */
  conv(x: string, cin: number, cout: number, k: number, s: number, options: { groups?: number; act?: 'relu' | 'relu6' | 'none'; bn?: boolean } = {}): string {
    const g = options.groups ?? 1;
    const id = this.count++;
    const w = this.init(`w${id}`, [cout, cin / g, k, k]);
    const b = this.init(`b${id}`, [cout]);
    const p = Math.floor(k / 2);
    let y = this.node('Conv', [x, w, b], { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], group: g });
    if (options.bn !== false) {
      const c = (n: string) => this.init(`${n}${id}`, [cout], new Array(cout).fill(n === 'var' ? 1 : 0));
      y = this.node('BatchNormalization', [y, c('scale'), c('bias'), c('mean'), c('var')], { epsilon: { float: 1e-5 } });
    }
    if (options.act === 'relu') y = this.node('Relu', [y]);
    if (options.act === 'relu6' || options.act === undefined) y = this.node('Clip', [y, this.init(`min${id}`, [], [0]), this.init(`max${id}`, [], [6])]);
    return y;
  }

  /** MobileNetV2's inverted residual: expand 1x1 → depthwise k×k → project 1x1 (+ Add when s=1, in=out). */
  mbconv(x: string, cin: number, cout: number, e: number, k: number, s: number): string {
    const mid = cin * e;
    let y = e === 1 ? x : this.conv(x, cin, mid, 1, 1);
    y = this.conv(y, mid, mid, k, s, { groups: mid });
    y = this.conv(y, mid, cout, 1, 1, { act: 'none' });
    return s === 1 && cin === cout ? this.node('Add', [x, y]) : y;
  }

  bytes(opset = 13): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: 'patchwise-test',
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: 'test_graph', node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}

export type Attr = number | number[] | string | { float: number } | { floats: number[] };

function attribute(name: string, v: Attr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}

function valueInfo(name: string, dims: (number | string)[], elemType: number = onnx.TensorProto.DataType.FLOAT): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** The MobileNetV2-like chain of the equivalence test: its .pnet twin is {@link tinyMbv2Pnet}. */
export function tinyMbv2(): Uint8Array {
  const m = new OnnxBuilder();
  let x = m.input('image', ['batch', 3, 32, 32]);
  x = m.conv(x, 3, 16, 3, 2);
  x = m.mbconv(x, 16, 8, 1, 3, 1);
  x = m.mbconv(x, 8, 16, 6, 3, 2);
  x = m.mbconv(x, 16, 16, 6, 3, 1);
  x = m.mbconv(x, 16, 16, 6, 5, 1);
  x = m.conv(x, 16, 64, 1, 1);
  x = m.node('GlobalAveragePool', [x]);
  x = m.node('Flatten', [x], { axis: 1 });
  x = m.node('Gemm', [x, m.init('fcw', [10, 64]), m.init('fcb', [10])], { transB: 1 }, ['logits'], 'classifier');
  m.output('logits', ['batch', 10]);
  return m.bytes();
}

export const tinyMbv2Layers = `conv    out=16 k=3 s=2
mbconv  out=8 e=1 k=3 s=1
mbconv  out=16 e=6 k=3 s=2
mbconv  out=16 e=6 k=3 s=1
mbconv  out=16 e=6 k=5 s=1
conv    out=64 k=1
pool    global
fc      out=10
`;
