import { onnx } from 'onnx-proto';
import { Layer } from '../model/ir';
import { sourcesOf } from '../model/ops';
import { QLayer, QModel, TensorQuant } from '../quant/qmodel';
import { seluAlpha, seluGamma } from '../quant/tables';
import { FcLayout, toHwcWeights } from './onnxLayout';

/**
 * A QModel as a QDQ ONNX model that onnxruntime runs: float NCHW input → QuantizeLinear, then per
 * layer DequantizeLinear → Conv/Gemm (DequantizeLinear'd int8 weights per channel, int32 bias at
 * scale xScale·wScale) → Relu/Clip → QuantizeLinear (the fused shortcut: its own QuantizeLinear,
 * then Add with the block input, then QuantizeLinear), pools between DequantizeLinear and
 * QuantizeLinear of the same parameters; graph layers (add, mul, concat, act, softmax) as their float
 * op between the DequantizeLinear of each source and a QuantizeLinear. Layers read their sources'
 * int8 tensors. The output is the last int8 tensor, named 'output'.
 */

const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

class GraphWriter {
  readonly nodes: onnx.INodeProto[] = [];
  readonly inits: onnx.ITensorProto[] = [];
  private count = 0;

  init(name: string, dataType: number, dims: number[], values: ArrayLike<number>): string {
    const typed = dataType === T.FLOAT ? { floatData: Array.from(values) } : dataType === T.INT64 ? { int64Data: Array.from(values) } : { int32Data: Array.from(values) };
    this.inits.push({ name, dims, dataType, ...typed });
    return name;
  }

  /** Attributes: a number is an INT, a list INTS, `{ f }` a FLOAT. */
  node(op: string, inputs: string[], attrs: Record<string, number | number[] | { f: number }> = {}, output?: string): string {
    const name = `${op}_${this.count++}`;
    const out = output ?? `${name}:0`;
    const attribute = Object.entries(attrs).map(([k, v]): onnx.IAttributeProto => (Array.isArray(v) ? { name: k, type: A.INTS, ints: v } : typeof v === 'number' ? { name: k, type: A.INT, i: v } : { name: k, type: A.FLOAT, f: v.f }));
    this.nodes.push({ opType: op, name, input: inputs, output: [out], attribute });
    return out;
  }

  quant(prefix: string, q: TensorQuant): [string, string] {
    return [this.init(`${prefix}_scale`, T.FLOAT, [], [q.scale]), this.init(`${prefix}_zp`, T.INT8, [], [q.zeroPoint])];
  }

  quantize(x: string, prefix: string, q: TensorQuant, output?: string): string {
    return this.node('QuantizeLinear', [x, ...this.quant(prefix, q)], {}, output);
  }

  dequantize(x: string, prefix: string, q: TensorQuant): string {
    return this.node('DequantizeLinear', [x, ...this.quant(prefix, q)]);
  }
}

/** Patchwise's weight layout back to ONNX's (the inverse of toHwcWeights). */
function onnxWeights(layer: Layer, w: Int8Array, fc: FcLayout): Int8Array {
  const index = toHwcWeights(layer, Float32Array.from(w, (_, i) => i), fc, new Float32Array(w.length));
  const out = new Int8Array(w.length);
  index.forEach((from, j) => (out[from] = w[j]));
  return out;
}

function weighted(g: GraphWriter, q: QLayer, i: number, x: string): string {
  const l = q.layer;
  const cout = l.output.c;
  const ws = q.weightScales!;
  const fc = l.kind === 'fc';
  const group = l.kind === 'dwconv' ? l.input.c : l.groups;
  const dims = fc ? [cout, l.input.h * l.input.w * l.input.c] : [cout, l.input.c / group, l.rows.k, l.cols.k];
  const w = g.init(`w${i}`, T.INT8, dims, onnxWeights(l, q.weights, 'NK'));
  const wdq = g.node('DequantizeLinear', [w, g.init(`w${i}_scale`, T.FLOAT, [cout], ws), g.init(`w${i}_zp`, T.INT8, [cout], new Int8Array(cout))], { axis: 0 });
  const bs = Float32Array.from(ws, (s) => Math.fround(q.input.scale * s));
  const bdq = g.node('DequantizeLinear', [g.init(`b${i}`, T.INT32, [cout], q.bias), g.init(`b${i}_scale`, T.FLOAT, [cout], bs), g.init(`b${i}_zp`, T.INT32, [cout], new Int32Array(cout))], { axis: 0 });
  // Windows may differ along rows and columns (imported models), and pad more after than before.
  const pads = [l.rows.p, l.cols.p, l.rows.pEnd ?? l.rows.p, l.cols.pEnd ?? l.cols.p];
  let y = fc
    ? g.node('Gemm', [g.node('Flatten', [x], { axis: 1 }), wdq, bdq], { transB: 1 })
    : g.node('Conv', [x, wdq, bdq], { kernel_shape: [l.rows.k, l.cols.k], strides: [l.rows.s, l.cols.s], pads, group });
  if (!q.add && l.act === 'relu') y = g.node('Relu', [y]);
  if (!q.add && l.act === 'relu6') y = g.node('Clip', [y, g.init(`min${i}`, T.FLOAT, [], [0]), g.init(`max${i}`, T.FLOAT, [], [6])]);
  return y;
}

function pooled(g: GraphWriter, l: Layer, x: string): string {
  if (l.kind === 'gpool') return g.node('GlobalAveragePool', [x]);
  const attrs = { kernel_shape: [l.rows.k, l.cols.k], strides: [l.rows.s, l.cols.s], pads: [l.rows.p, l.cols.p, l.rows.pEnd ?? l.rows.p, l.cols.pEnd ?? l.cols.p] };
  return g.node(l.poolMode === 'max' ? 'MaxPool' : 'AveragePool', [x], attrs);
}

/** The float op of a graph layer on its dequantized sources (`flat`: a [1, C] tensor, not NCHW). */
function element(g: GraphWriter, l: Layer, xs: string[], flat: boolean): string {
  switch (l.kind) {
    case 'add': return activation(g, l, g.node('Add', xs));
    case 'mul': return activation(g, l, g.node('Mul', xs));
    case 'concat': return g.node('Concat', xs, { axis: 1 });
    case 'softmax': {
      if (!l.softmaxMap) return g.node('Softmax', xs, { axis: 1 });
      // Over the whole map: one row of C·H·W values, then back to the map's dims.
      const o = l.output;
      const row = g.node('Softmax', [g.node('Flatten', xs, { axis: 1 })], { axis: 1 });
      return g.node('Reshape', [row, g.init(`${row}_dims`, T.INT64, [4], [1, o.c, o.h, o.w])]);
    }
    case 'act': {
      const t = l.table!;
      const y = tableOp(g, t, xs, flat);
      const lo = t.min === undefined ? y : g.node('Max', [y, g.init(`${y}_min`, T.FLOAT, [], [t.min])]);
      return t.max === undefined ? lo : g.node('Min', [lo, g.init(`${y}_max`, T.FLOAT, [], [t.max])]);
    }
    default:
      throw new Error(`the QDQ export has no ${l.kind} layer (${l.name})`);
  }
}

/** The float op of a table activation (its clamps added by the caller). */
function tableOp(g: GraphWriter, t: NonNullable<Layer['table']>, xs: string[], flat: boolean): string {
  switch (t.fn) {
    case 'hardswish': return g.node('HardSwish', xs);
    case 'hardsigmoid': return g.node('HardSigmoid', xs, { alpha: { f: t.alpha ?? 0.2 }, beta: { f: t.beta ?? 0.5 } });
    case 'sigmoid': return g.node('Sigmoid', xs);
    case 'tanh': return g.node('Tanh', xs);
    case 'leakyrelu': return g.node('LeakyRelu', xs, { alpha: { f: t.alpha ?? 0.01 } });
    case 'swish': return g.node('Mul', [xs[0], g.node('Sigmoid', xs)]);
    case 'elu': return g.node('Elu', xs, { alpha: { f: t.alpha ?? 1 } });
    case 'selu': return g.node('Selu', xs, { alpha: { f: t.alpha ?? seluAlpha }, gamma: { f: t.gamma ?? seluGamma } });
    case 'softplus': return g.node('Softplus', xs);
    // The identity: the caller's Max and Min are the clamp.
    case 'clip': return xs[0];
    case 'prelu': {
      const slopes = t.slopes ?? [];
      return g.node('PRelu', [xs[0], g.init(`${xs[0]}_slope`, T.FLOAT, flat ? [slopes.length] : [slopes.length, 1, 1], slopes)]);
    }
  }
}

function activation(g: GraphWriter, l: Layer, y: string): string {
  if (l.act === 'relu') return g.node('Relu', [y]);
  if (l.act === 'relu6') return g.node('Clip', [y, g.init(`min_${y}`, T.FLOAT, [], [0]), g.init(`max_${y}`, T.FLOAT, [], [6])]);
  return y;
}

/** The QDQ model's bytes. Weighted layers need the ONNX rule's weight scales (QLayer.weightScales). */
export function exportQdq(qm: QModel): Uint8Array {
  const g = new GraphWriter();
  const s = qm.model.input.shape;
  const input = g.quantize('input', 'input', qm.input);
  // Each layer's int8 tensor, and whether it is [1, C] (after a Gemm) rather than NCHW.
  const values: string[] = [];
  const flat: boolean[] = [];
  const valueOf = (source: number) => (source < 0 ? input : values[source]);
  const quantOf = (source: number) => (source < 0 ? qm.input : qm.layers[source].output);
  qm.layers.forEach((q, i) => {
    const l = q.layer;
    const sources = sourcesOf(l);
    const last = i === qm.layers.length - 1 ? 'output' : undefined;
    flat[i] = l.kind === 'fc' || (l.kind !== 'gpool' && sources[0] >= 0 && flat[sources[0]]);
    const x = g.dequantize(valueOf(sources[0]), `x${i}`, q.input);
    if (l.kind === 'pool' || l.kind === 'gpool') {
      values[i] = g.quantize(pooled(g, l, x), `y${i}`, q.output, last);
      return;
    }
    if (l.kind !== 'conv' && l.kind !== 'dwconv' && l.kind !== 'fc') {
      const xs = [x, ...sources.slice(1).map((src, k) => g.dequantize(valueOf(src), `x${i}_${k + 1}`, quantOf(src)))];
      values[i] = g.quantize(element(g, l, xs, sources[0] >= 0 && flat[sources[0]]), `y${i}`, q.output, last);
      return;
    }
    const y = weighted(g, q, i, x);
    if (!q.add) {
      values[i] = g.quantize(y, `y${i}`, q.output, last);
      return;
    }
    const shortcut = sourcesOf(qm.model.layers[qm.model.blocks[l.block].firstLayer])[0];
    const own = g.dequantize(g.quantize(y, `own${i}`, q.add.conv), `own${i}dq`, q.add.conv);
    values[i] = g.quantize(g.node('Add', [own, g.dequantize(valueOf(shortcut), `res${i}`, quantOf(shortcut))]), `y${i}`, q.output, last);
  });
  const info = (name: string, elemType: number, dims: number[]): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const out = qm.layers[qm.layers.length - 1].layer.output;
  const graph: onnx.IGraphProto = {
    name: `${qm.model.name}_qdq`,
    node: g.nodes,
    initializer: g.inits,
    input: [info('input', T.FLOAT, [1, s.c, s.h, s.w])],
    output: [info('output', T.INT8, flat[flat.length - 1] ? [1, out.c] : [1, out.c, out.h, out.w])],
  };
  // Opset 14: HardSwish.
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'patchwise', opsetImport: [{ domain: '', version: 14 }], graph }).finish();
}
