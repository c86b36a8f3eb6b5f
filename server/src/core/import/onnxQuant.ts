import { onnx } from 'onnx-proto';
import { Layer, Model } from '../model/ir';
import { roundHalfEven } from '../quant/onnxRule';
import { LayerParams } from '../quant/fromParams';
import { TensorQuant } from '../quant/qmodel';
import { Attributes, Graph, GraphNode, Reporter } from './onnxGraph';
import { readFullTensor, Tensor } from './onnxTensor';
import { FcLayout, toHwcWeights } from './onnxLayout';

/**
 * The int8 parameters a quantized ONNX model carries, per layer of the imported IR (matched by
 * `layer.node`): QOperator (QLinearConv, QLinearMatMul, QLinearAdd after a conv) or QDQ
 * (DequantizeLinear → Conv/Gemm/MatMul → Relu/Clip → QuantizeLinear, with DequantizeLinear of
 * int8 weights and of int32 bias). uint8 activations are converted exactly to int8 (q − 128 with
 * zero point − 128); weights must be symmetric (zero point 0, or 128 for uint8). Every problem is a
 * diagnostic naming the node; nothing throws on a malformed model.
 */

export type OnnxQuantFormat = 'qoperator' | 'qdq' | 'float';

export interface OnnxQuant {
  format: OnnxQuantFormat;
  /** By layer index; empty for a float model. */
  params: Map<number, LayerParams>;
  /** The network input's quantization (the first weighted layer's input). */
  input?: TensorQuant;
}

/** A node's problem with its quantization, thrown inside this module only and reported by name. */
class QuantError extends Error {}

const fail = (message: string): never => {
  throw new QuantError(message);
};

/** The graph with every initializer (and Constant node) in full, and who consumes each value. */
export class QuantGraph {
  readonly consumers = new Map<string, GraphNode[]>();
  private readonly values = new Map<string, Tensor>();

  constructor(readonly graph: Graph, initializers: readonly onnx.ITensorProto[], private readonly out: Reporter) {
    for (const t of initializers) {
      const tensor = readFullTensor(t, t.name ?? '', out);
      if (tensor) this.values.set(t.name ?? '', tensor);
    }
    for (const node of graph.nodes) {
      node.inputs.forEach((i) => i && this.consumers.set(i, [...(this.consumers.get(i) ?? []), node]));
      const a = node.attrs.get('value');
      if (node.op === 'Constant' && a?.t && node.outputs[0]) {
        const tensor = readFullTensor(a.t, node.outputs[0], out);
        if (tensor) this.values.set(node.outputs[0], tensor);
      }
    }
  }

  constant(name: string | undefined): Tensor | undefined {
    return name ? this.values.get(name) : undefined;
  }

  producer(name: string | undefined): GraphNode | undefined {
    const p = name === undefined ? undefined : this.graph.producer.get(name);
    return p === undefined ? undefined : this.graph.nodes[p];
  }

  /** The producer of `name`, looking through views that keep the values (Flatten, Reshape, Identity). */
  source(name: string | undefined): GraphNode | undefined {
    let node = this.producer(name);
    while (node && (node.op === 'Flatten' || node.op === 'Reshape' || node.op === 'Identity')) node = this.producer(node.inputs[0]);
    return node;
  }

  /** The one node reading `name`, when exactly one does. */
  next(name: string | undefined): GraphNode | undefined {
    const c = name ? this.consumers.get(name) ?? [] : [];
    return c.length === 1 ? c[0] : undefined;
  }

  attrs(node: GraphNode): Attributes {
    return new Attributes(node, this.out);
  }
}

/** A scale: a float32 constant, every value finite and > 0. */
function scales(g: QuantGraph, name: string | undefined, what: string): Float32Array {
  const t = g.constant(name);
  if (!t) return fail(`${what} is ${name ? `'${name}', which is not a constant initializer` : 'missing'}`);
  if (t.dtype !== 'float32') fail(`${what} is ${t.dtype}; a float32 scale is expected`);
  const values = Float32Array.from(t.data);
  if (values.length === 0 || !values.every((v) => Number.isFinite(v) && v > 0)) fail(`${what} must be finite and > 0 (it holds ${Array.from(values.slice(0, 4)).join(', ')})`);
  return values;
}

/** An activation's quantization: one scale, one zero point; uint8 moved to int8 exactly. */
export function tensorQuant(g: QuantGraph, scaleName: string | undefined, zpName: string | undefined, what: string): TensorQuant {
  const s = scales(g, scaleName, `${what} scale`);
  if (s.length !== 1) fail(`${what} scale has ${s.length} values; activations are quantized per tensor`);
  const zp = g.constant(zpName);
  if (zpName && !zp) fail(`${what} zero point '${zpName}' is not a constant initializer`);
  if (zp && (zp.data.length !== 1 || (zp.dtype !== 'int8' && zp.dtype !== 'uint8'))) fail(`${what} zero point must be one int8 or uint8 value`);
  const z = zp ? zp.data[0] - (zp.dtype === 'uint8' ? 128 : 0) : 0;
  return { scale: s[0], zeroPoint: z };
}

/** Weight scales per output channel (a per-tensor scale repeated) and int8 weights, zero point checked. */
function weightQuant(g: QuantGraph, wName: string | undefined, scaleName: string | undefined, zpName: string | undefined, channels: number): { w: Tensor; ws: Float32Array } {
  const w = g.constant(wName);
  if (!w) return fail(`its weights '${wName ?? ''}' are not a constant initializer`);
  if (w.dtype !== 'int8' && w.dtype !== 'uint8') fail(`its weights are ${w.dtype}; int8 weights are expected`);
  const s = scales(g, scaleName, 'the weight scale');
  if (s.length !== 1 && s.length !== channels) fail(`the weight scale has ${s.length} values for ${channels} output channels`);
  const zp = g.constant(zpName);
  const symmetric = w.dtype === 'uint8' ? 128 : 0;
  if (zp && !Array.from(zp.data).every((z) => z === symmetric)) fail(`the weight zero point is ${Array.from(zp.data.slice(0, 4)).join(', ')}; only symmetric weights (zero point ${symmetric}) are supported`);
  if (!zp && w.dtype === 'uint8') fail('uint8 weights without a zero point of 128 are not symmetric');
  const data = w.dtype === 'uint8' ? Int8Array.from(w.data, (v) => v - 128) : Int8Array.from(w.data);
  return { w: { dtype: 'int8', dims: w.dims, data }, ws: s.length === 1 ? new Float32Array(channels).fill(s[0]) : s };
}

/** int32 bias in units of xScale·ws[c]: rescaled exactly when its own scale differs. */
function biasOf(g: QuantGraph, name: string | undefined, xScale: number, ws: Float32Array): Int32Array {
  if (!name) return new Int32Array(ws.length);
  const dq = g.producer(name);
  const direct = g.constant(name);
  let values: number[];
  let scale: (c: number) => number;
  if (direct) {
    values = Array.from(direct.data);
    scale = direct.dtype === 'int32' ? (c) => xScale * ws[c] : () => 1;
  } else if (dq?.op === 'DequantizeLinear') {
    const b = g.constant(dq.inputs[0]);
    if (!b || b.dtype !== 'int32') return fail('its bias is not a DequantizeLinear of an int32 initializer');
    const bs = scales(g, dq.inputs[1], 'the bias scale');
    values = Array.from(b.data);
    scale = (c) => bs[bs.length === 1 ? 0 : c];
  } else {
    return fail(`its bias '${name}' is computed at run time`);
  }
  if (values.length !== ws.length) fail(`its bias has ${values.length} values for ${ws.length} output channels`);
  const bias = Int32Array.from(values, (v, c) => roundHalfEven((v * scale(c)) / (xScale * ws[c])));
  if (!values.every((v, c) => Math.abs((v * scale(c)) / (xScale * ws[c])) < 2 ** 31)) fail('its bias does not fit int32 at the input × weight scale');
  return bias;
}

/** QuantizeLinear's parameters, after activations (Relu, Clip) between the node and it. */
function quantizeAfter(g: QuantGraph, value: string): { q: TensorQuant; node: GraphNode } {
  let node = g.next(value);
  while (node && (node.op === 'Relu' || node.op === 'Clip' || node.op === 'Identity')) node = g.next(node.outputs[0]);
  if (node?.op !== 'QuantizeLinear') return fail(`its output is not quantized (expected one QuantizeLinear after it${node ? `, found ${node.op} '${node.name}'` : ''})`);
  return { q: tensorQuant(g, node.inputs[1], node.inputs[2], 'the output'), node };
}

/** The fused residual add after a layer: QOperator's QLinearAdd or QDQ's DQ → Add → Q. */
function addOutput(g: QuantGraph, value: string, format: OnnxQuantFormat): TensorQuant {
  if (format === 'qoperator') {
    const add = g.next(value);
    if (add?.op !== 'QLinearAdd') return fail('its residual add is not a QLinearAdd');
    return tensorQuant(g, add.inputs[6], add.inputs[7], 'the QLinearAdd output');
  }
  const dq = g.next(value);
  const add = dq?.op === 'DequantizeLinear' ? g.next(dq.outputs[0]) : undefined;
  if (add?.op !== 'Add') return fail('its residual add is not DequantizeLinear → Add → QuantizeLinear');
  return quantizeAfter(g, add.outputs[0]).q;
}

/** The parameters of one weighted layer from its node. */
function layerParams(g: QuantGraph, layer: Layer, node: GraphNode, format: OnnxQuantFormat): LayerParams {
  const cout = layer.output.c;
  let input: TensorQuant;
  let output: TensorQuant;
  let outValue: string;
  let wq: { w: Tensor; ws: Float32Array };
  let biasName: string | undefined;
  let fcLayout: FcLayout = 'KN';
  if (format === 'qoperator') {
    const i = node.inputs;
    input = tensorQuant(g, i[1], i[2], 'the input');
    wq = weightQuant(g, i[3], i[4], i[5], cout);
    output = tensorQuant(g, i[6], i[7], 'the output');
    biasName = node.op === 'QLinearConv' ? i[8] : undefined;
    outValue = node.outputs[0];
  } else {
    const xdq = g.source(node.inputs[0]);
    const wdq = g.producer(node.inputs[1]);
    if (xdq?.op !== 'DequantizeLinear') return fail('its input does not come from a DequantizeLinear');
    if (wdq?.op !== 'DequantizeLinear') return fail('its weights do not come from a DequantizeLinear');
    input = tensorQuant(g, xdq.inputs[1], xdq.inputs[2], 'the input');
    wq = weightQuant(g, wdq.inputs[0], wdq.inputs[1], wdq.inputs[2], cout);
    if (node.op === 'Gemm') {
      const a = g.attrs(node);
      if (a.int('transB', 0) === 1) fcLayout = 'NK';
      if ((a.float('alpha') ?? 1) !== 1 || (a.float('beta') ?? 1) !== 1) fail('Gemm with alpha or beta other than 1 is not supported');
    }
    // Per-channel weight scales lie along the output channels: axis 0 of OIHW and of Gemm's [N, K], 1 of [K, N].
    const channelAxis = layer.kind === 'fc' && fcLayout === 'KN' ? 1 : 0;
    const axis = g.attrs(wdq).int('axis', 1);
    if (wq.ws.length > 1 && (axis + wq.w.dims.length) % wq.w.dims.length !== channelAxis) fail(`its weight scales are per axis ${axis}, not per output channel (axis ${channelAxis})`);
    biasName = node.op === 'MatMul' ? undefined : node.inputs[2];
    const quantized = quantizeAfter(g, node.outputs[0]);
    output = quantized.q;
    outValue = quantized.node.outputs[0];
  }
  const weights = toHwcWeights(layer, wq.w.data, fcLayout, new Int8Array(wq.w.data.length));
  const bias = biasOf(g, biasName, input.scale, wq.ws);
  if (!layer.writesShortcut) return { input, output, weights, weightScales: wq.ws, bias };
  return { input, output: addOutput(g, outValue, format), own: output, weights, weightScales: wq.ws, bias };
}

function formatOf(g: QuantGraph, nodes: GraphNode[]): OnnxQuantFormat {
  if (nodes.some((n) => n.op.startsWith('QLinear'))) return 'qoperator';
  if (nodes.some((n) => g.producer(n.inputs[1])?.op === 'DequantizeLinear')) return 'qdq';
  return 'float';
}

/**
 * Reads the int8 parameters of every weighted layer of `model` from its ONNX graph. Diagnostics go
 * to `out`, naming the node; a float model gives format 'float' and no parameters.
 */
export function readOnnxQuant(model: Model, g: QuantGraph, out: Reporter): OnnxQuant {
  const graph = g.graph;
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const weighted = model.layers.filter((l) => l.kind !== 'pool' && l.kind !== 'gpool');
  const nodes = weighted.map((l) => (l.node ? byName.get(l.node) : undefined));
  const format = formatOf(g, nodes.filter((n): n is GraphNode => n !== undefined));
  const params = new Map<number, LayerParams>();
  if (format === 'float') return { format, params };
  let input: TensorQuant | undefined;
  weighted.forEach((layer, i) => {
    const node = nodes[i];
    if (!node) {
      out.report('onnxQuantization', layer.kind, layer.node ?? layer.name, 'the layer names no node of the graph');
      return;
    }
    try {
      const p = layerParams(g, layer, node, format);
      params.set(layer.index, p);
      input ??= p.input;
    } catch (error) {
      if (!(error instanceof QuantError)) throw error;
      out.report('onnxQuantization', node.op, node.name, error.message);
    }
  });
  return { format, params, ...(input ? { input } : {}) };
}
