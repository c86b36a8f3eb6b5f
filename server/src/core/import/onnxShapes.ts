import { Activation } from '../language/ast';
import { Layer } from '../model/ir';
import { seluAlpha, seluGamma } from '../quant/tables';
import { Attributes, checkDims, foldConstant, Graph, GraphNode, product, Reporter, reshapeDims } from './onnxGraph';

/**
 * Shape inference of the ONNX import (NCHW, batch fixed to 1) and the classification of every node:
 * a layer the IR has (conv, pool, global pool, fc), a residual `add` of two tensors, an `alias`
 * (activations, folded BatchNormalization, Q/DQ, Identity, views) that makes no layer, or
 * `unsupported`. Problems are reported with the node's name; a node whose input shape is unknown
 * (after an unsupported node) is skipped.
 */

/** One axis of an ONNX window: kernel, stride, padding before and after, input and output length. */
export interface AxisWindow {
  k: number;
  s: number;
  begin: number;
  end: number;
  n: number;
  out: number;
}

export type NodeInfo =
  | { kind: 'conv'; cout: number; group: number; rows: AxisWindow; cols: AxisWindow }
  | { kind: 'pool'; mode: 'avg' | 'max'; rows: AxisWindow; cols: AxisWindow }
  | { kind: 'gpool' }
  | { kind: 'fc'; cout: number }
  | { kind: 'add' }
  /** A tensor scaled elementwise by another of the same dims or by a per-channel [1, C, 1, 1] one. */
  | { kind: 'mul' }
  | { kind: 'concat' }
  | { kind: 'resize' }
  | { kind: 'convT'; cout: number; group: number; rows: AxisWindow; cols: AxisWindow }
  /** An elementwise activation run as a 256-entry table (its own layer, in place where it can be). */
  | { kind: 'act'; table: NonNullable<Layer['table']> }
  /** Softmax over each pixel's channels, or with `map` over every value of the map at once. */
  | { kind: 'softmax'; map?: boolean }
  /** `act`: an activation the IR has; `reshape`: dims change. */
  | { kind: 'alias'; act?: Activation; reshape?: boolean }
  | { kind: 'unsupported' };

export interface Shapes {
  /** NCHW dims of every value whose shape is known. */
  shapes: Map<string, number[]>;
  info: Map<number, NodeInfo>;
  /** The activation inputs of each node (constants left out). */
  data: Map<number, string[]>;
  input: string;
}

export interface InputFix {
  h: number;
  w: number;
  c: number;
}

/** Nodes the import passes through: folded into the conv before (BatchNormalization), no-ops at inference, or a quantized model's Q/DQ pairs. */
const aliases = new Set(['BatchNormalization', 'Identity', 'Dropout', 'QuantizeLinear', 'DequantizeLinear']);

export function inferShapes(graph: Graph, fix: InputFix | undefined, out: Reporter): Shapes | undefined {
  const input = graphInput(graph, fix, out);
  if (!input) return undefined;
  const result: Shapes = { shapes: new Map([[input.name, input.dims]]), info: new Map(), data: new Map(), input: input.name };
  const inference = new Inference(graph, result, out);
  for (const n of graph.order) {
    const node = graph.nodes[n];
    if (node.outputs.every((o) => !o || graph.consts.has(o))) continue;
    // Shape of a tensor whose dims are known is a constant, and so is the arithmetic on it.
    const shape = node.op === 'Shape' ? result.shapes.get(node.inputs[0] ?? '') : undefined;
    if (shape && node.outputs[0]) {
      graph.consts.set(node.outputs[0], { dims: [shape.length], values: shape });
      continue;
    }
    if (node.inputs.every((i) => !i || graph.consts.has(i)) && foldConstant(graph, node)) continue;
    inference.node(node);
  }
  return result;
}

/** The one non-constant graph input, batch fixed to 1, dynamic C/H/W taken from `fix`. */
function graphInput(graph: Graph, fix: InputFix | undefined, out: Reporter): { name: string; dims: number[] } | undefined {
  if (graph.inputs.length !== 1) {
    out.report('onnxInput', `it has ${graph.inputs.length} inputs (${graph.inputs.map((i) => `'${i.name}'`).join(', ') || 'none'})`);
    return undefined;
  }
  const { name, dims } = graph.inputs[0];
  const fixed = fix ? [1, fix.c, fix.h, fix.w] : undefined;
  const resolved: number[] = [];
  for (const [i, d] of dims.entries()) {
    if (typeof d === 'number') resolved.push(d);
    else if (i === 0) resolved.push(1);
    else if (fixed && dims.length === 4) resolved.push(fixed[i]);
    else {
      out.report('onnxDynamicDim', i, name, d);
      return undefined;
    }
  }
  // A static input may be NCHW or (TensorFlow exports, reshaped later) NHWC: either order agrees.
  const agrees = (order: number[]) => order.every((d, i) => i === 0 || d === resolved[i]);
  if (fix && dims.length === 4 && dims.every((d) => typeof d === 'number') && !agrees([1, fix.c, fix.h, fix.w]) && !agrees([1, fix.h, fix.w, fix.c])) {
    out.report('onnxInputMismatch', `${fix!.h}x${fix!.w}x${fix!.c}`, `[${resolved.join(', ')}] (NCHW)`);
  }
  if (resolved[0] !== 1 && resolved.length > 0) {
    out.report('onnxInput', `input '${name}' has batch ${resolved[0]}; batch 1 is analysed`);
    resolved[0] = 1;
  }
  return checkDims(name, resolved, out) ? { name, dims: resolved } : undefined;
}

class Inference {
  constructor(private readonly graph: Graph, private readonly r: Shapes, private readonly out: Reporter) {}

  node(node: GraphNode): void {
    const data = this.dataInputs(node);
    this.r.data.set(node.index, data);
    if (data.some((d) => !this.r.shapes.has(d))) return;
    const result = this.infer(node, data);
    if (!result) return;
    const [info, dims] = result;
    this.r.info.set(node.index, info);
    if (info.kind === 'unsupported' || !dims) return;
    if (!checkDims(node.outputs[0], dims, this.out)) return;
    this.r.shapes.set(node.outputs[0], dims);
  }

  private dataInputs(node: GraphNode): string[] {
    const positions = node.op === 'QLinearConv' || node.op === 'QLinearMatMul' ? [0] : node.op === 'QLinearAdd' ? [0, 3] : undefined;
    const names = positions ? positions.map((p) => node.inputs[p] ?? '') : node.inputs;
    return names.filter((n) => n && !this.graph.consts.has(n));
  }

  private unsupported(node: GraphNode, why = ''): [NodeInfo] {
    this.out.report('onnxUnsupportedOp', node.op, node.name, why);
    return [{ kind: 'unsupported' }];
  }

  private shapeError(node: GraphNode, what: string): undefined {
    this.out.report('onnxShape', node.op, node.name, what);
    return undefined;
  }

  private infer(node: GraphNode, data: string[]): [NodeInfo, number[]?] | undefined {
    const x = this.r.shapes.get(data[0] ?? '') as number[];
    if (data.length === 0) return this.unsupported(node, ': it reads no activation tensor');
    switch (node.op) {
      case 'Conv':
      case 'QLinearConv':
        return this.conv(node, x);
      case 'MaxPool':
      case 'AveragePool':
        return this.pool(node, x);
      case 'GlobalAveragePool':
        return x.length === 4 ? [{ kind: 'gpool' }, [1, x[1], 1, 1]] : this.shapeError(node, `expects an NCHW input, got [${x.join(', ')}]`);
      case 'Gemm':
      case 'MatMul':
      case 'QLinearMatMul':
        return this.fc(node, x);
      case 'Flatten': {
        const a = new Attributes(node, this.out).int('axis', 1);
        const axis = a < 0 ? a + x.length : a;
        return [{ kind: 'alias', reshape: true }, [product(x.slice(0, axis)), product(x.slice(axis))]];
      }
      case 'Reshape': {
        const dims = reshapeDims(x, this.graph.consts.get(node.inputs[1] ?? '')?.values);
        return dims ? [{ kind: 'alias', reshape: true }, dims] : this.unsupported(node, ': its shape is computed at run time or does not fit');
      }
      case 'Add':
      case 'QLinearAdd':
      case 'Sum':
        if (data.length === 1) return [{ kind: 'alias' }, x];
        if (data.length !== 2) return this.unsupported(node, `: it adds ${data.length} tensors`);
        return sameDims(x, this.r.shapes.get(data[1]) as number[]) ? [{ kind: 'add' }, x] : this.shapeError(node, `adds [${x.join(', ')}] and [${this.r.shapes.get(data[1])?.join(', ')}]`);
      case 'Mul':
        if (data.length === 1) return [{ kind: 'alias' }, x];
        return this.mul(node, x, this.r.shapes.get(data[1]) as number[]);
      case 'Sub':
      case 'Div':
        return data.length === 1 ? [{ kind: 'alias' }, x] : this.unsupported(node, ' on two tensors');
      case 'Concat':
        return this.concat(node, data);
      case 'Resize':
      case 'Upsample':
        return this.resize(node, x);
      case 'ConvTranspose':
        return this.convTranspose(node, x);
      case 'PRelu':
        return data.length === 1 ? this.prelu(node, x) : this.unsupported(node, ' on two tensors');
      case 'Max':
      case 'Min': {
        if (data.length !== 1) return this.unsupported(node, ' on two tensors');
        // With one scalar constant: a clamp from below (Max) or above (Min), a table of its own.
        const c = node.inputs.map((i) => this.graph.consts.get(i)?.values).find((v) => v !== undefined);
        if (node.inputs.length === 2 && c?.length === 1) return [{ kind: 'act', table: { fn: 'clip', [node.op === 'Max' ? 'min' : 'max']: Math.fround(c[0]) } }, x];
        const what = c ? `a constant of ${c.length} values` : `${node.inputs.length} inputs`;
        return this.unsupported(node, ` with ${what} (the firmware runs a ${node.op} of one tensor and one scalar constant, a clamp)`);
      }
      case 'Relu':
        return [{ kind: 'alias', act: 'relu' }, x];
      case 'HardSwish':
      case 'HardSigmoid':
      case 'Sigmoid':
      case 'Tanh':
      case 'LeakyRelu':
      case 'Elu':
      case 'Selu':
      case 'Softplus':
        return [{ kind: 'act', table: tableOf(node, new Attributes(node, this.out)) }, x];
      case 'Softmax': {
        const span = softmaxSpan(x, new Attributes(node, this.out).int('axis', this.graph.opset < 13 ? 1 : -1), this.graph.opset);
        if (span) return [{ kind: 'softmax', ...(span === 'map' ? { map: true } : {}) }, x];
        return this.unsupported(node, ` along axis ${new Attributes(node, this.out).int('axis', this.graph.opset < 13 ? 1 : -1)} of [${x.join(', ')}] (the firmware runs a Softmax over each pixel's channels, or over the whole map)`);
      }
      case 'Clip':
        return this.clip(node, x);
      default:
        if (aliases.has(node.op)) return [{ kind: 'alias' }, x];
        return this.unsupported(node);
    }
  }

  /**
   * PRelu with a constant slope: one slope is a LeakyRelu; a slope per channel ([C, 1, 1] against a
   * map, [C] against a vector) a table per channel. Slopes along rows or columns are not supported.
   */
  private prelu(node: GraphNode, x: number[]): [NodeInfo, number[]?] {
    const slope = this.graph.consts.get(node.inputs[1] ?? '');
    const values = slope?.values;
    if (!slope) return this.unsupported(node, ': its slope is not a constant');
    if (!values || values.length === 0) return this.unsupported(node, ` with a slope of shape [${slope.dims.join(', ')}] (the firmware runs one slope, or one a channel: Keras' PReLU(shared_axes=[1, 2]) exports one a channel)`);
    const slopes = values.map(Math.fround);
    if (slopes.every((s) => s === slopes[0])) return [{ kind: 'act', table: { fn: 'leakyrelu', alpha: slopes[0] } }, x];
    const dims = slope.dims.slice(slope.dims.findIndex((d) => d !== 1));
    const channels = x.length === 4 ? x[1] : x[x.length - 1];
    const perChannel = x.length === 4 ? sameDims(dims, [channels, 1, 1]) : x.length === 2 && sameDims(dims, [channels]);
    if (perChannel) return [{ kind: 'act', table: { fn: 'prelu', slopes } }, x];
    return this.unsupported(node, ` with a slope of shape [${slope.dims.join(', ')}] (the firmware runs one slope, or one a channel: Keras' PReLU(shared_axes=[1, 2]) exports one a channel)`);
  }

  private clip(node: GraphNode, x: number[]): [NodeInfo, number[]] {
    const a = new Attributes(node, this.out);
    const bound = (i: number, attr: string): number | undefined => {
      const name = node.inputs[i];
      return name ? this.graph.consts.get(name)?.values?.[0] : a.float(attr);
    };
    const min = bound(1, 'min');
    const max = bound(2, 'max');
    if (min === 0 && max === 6) return [{ kind: 'alias', act: 'relu6' }, x];
    if (min === 0 && (max === undefined || max > 3e38)) return [{ kind: 'alias', act: 'relu' }, x];
    if (min === undefined && max === undefined) return [{ kind: 'alias' }, x];
    // Other bounds: a clamp table (the identity, clamped).
    return [{ kind: 'act', table: { fn: 'clip', ...(min !== undefined ? { min: Math.fround(min) } : {}), ...(max !== undefined ? { max: Math.fround(max) } : {}) } }, x];
  }

  private conv(node: GraphNode, x: number[]): [NodeInfo, number[]?] | undefined {
    const w = this.graph.consts.get(node.inputs[node.op === 'QLinearConv' ? 3 : 1] ?? '');
    if (x.length !== 4) return this.shapeError(node, `expects an NCHW input, got [${x.join(', ')}]`);
    if (!w) return this.unsupported(node, ': its weights are computed at run time');
    if (w.dims.length !== 4) return this.shapeError(node, `weights [${w.dims.join(', ')}] are not 4-D`);
    const a = new Attributes(node, this.out);
    const group = a.int('group', 1);
    const [m, cg, kh, kw] = w.dims;
    const c = x[1];
    if (group < 1 || c % group !== 0 || cg * group !== c || m % group !== 0) {
      return this.shapeError(node, `weights [${w.dims.join(', ')}] with group=${group} do not fit ${c} input channels`);
    }
    const kernel = a.ints('kernel_shape');
    if (kernel && (kernel[0] !== kh || kernel[1] !== kw)) return this.shapeError(node, `kernel_shape [${kernel.join(', ')}] but weights [${w.dims.join(', ')}]`);
    const windows = this.windows(node, a, x, kh, kw, false);
    if (!windows) return undefined;
    const [rows, cols] = windows;
    return [{ kind: 'conv', cout: m, group, rows, cols }, [1, m, rows.out, cols.out]];
  }

  /** Same dims, or one side a per-channel [1, C, 1, 1] vector (an SE scale); the result has the larger dims. */
  private mul(node: GraphNode, a: number[], b: number[]): [NodeInfo, number[]] | undefined {
    if (sameDims(a, b)) return [{ kind: 'mul' }, a];
    const [big, small] = product(a) >= product(b) ? [a, b] : [b, a];
    const perChannel = big.length === 4 && small.length === 4 && small[0] === 1 && small[1] === big[1] && small[2] === 1 && small[3] === 1;
    return perChannel ? [{ kind: 'mul' }, big] : this.shapeError(node, `multiplies [${a.join(', ')}] by [${b.join(', ')}]; same dims or a per-channel [1, C, 1, 1] scale is expected`);
  }

  private concat(node: GraphNode, data: string[]): [NodeInfo, number[]?] | undefined {
    const dims = data.map((d) => this.r.shapes.get(d) as number[]);
    const x = dims[0];
    const a = new Attributes(node, this.out).int('axis', 1);
    const axis = a < 0 ? a + x.length : a;
    if (data.length !== node.inputs.filter(Boolean).length) return this.unsupported(node, ': it concatenates constants');
    if (x.length !== 4 || axis !== 1) return this.unsupported(node, `: axis ${a} of a ${x.length}-D tensor (channels of NCHW are supported)`);
    const mismatch = dims.find((d) => d.length !== 4 || d[0] !== x[0] || d[2] !== x[2] || d[3] !== x[3]);
    if (mismatch) return this.shapeError(node, `concatenates [${x.join(', ')}] and [${mismatch.join(', ')}]`);
    return [{ kind: 'concat' }, [x[0], dims.reduce((c, d) => c + d[1], 0), x[2], x[3]]];
  }

  /** Output dims from the `sizes` input, or ⌊n·scale⌋ from `scales` (Upsample: its second input). */
  private resize(node: GraphNode, x: number[]): [NodeInfo, number[]?] | undefined {
    const inputs = node.inputs.map((i) => (i ? this.graph.consts.get(i) : undefined));
    const sizes = node.op === 'Resize' ? inputs[3]?.values : undefined;
    const scales = node.op === 'Resize' ? inputs[2]?.values : inputs[1]?.values;
    let dims: number[] | undefined;
    if (sizes && sizes.length === x.length) dims = sizes;
    else if (scales && scales.length === x.length) dims = x.map((n, i) => Math.floor(n * scales[i]));
    if (!dims) return this.unsupported(node, ': its output size is computed at run time');
    if (x.length !== 4 || dims[0] !== x[0] || dims[1] !== x[1] || dims.some((d) => d < 1)) return this.shapeError(node, `resizes [${x.join(', ')}] to [${dims.join(', ')}]; only height and width may change`);
    return [{ kind: 'resize' }, dims];
  }

  /** ONNX's rule: out = s·(n − 1) + output_padding + k − pad_begin − pad_end (or `output_shape`). */
  private convTranspose(node: GraphNode, x: number[]): [NodeInfo, number[]?] | undefined {
    const w = this.graph.consts.get(node.inputs[1] ?? '');
    if (x.length !== 4) return this.shapeError(node, `expects an NCHW input, got [${x.join(', ')}]`);
    if (!w) return this.unsupported(node, ': its weights are computed at run time');
    const a = new Attributes(node, this.out);
    const group = a.int('group', 1);
    if (w.dims.length !== 4 || w.dims[0] !== x[1] || group < 1 || x[1] % group !== 0) return this.shapeError(node, `weights [${w.dims.join(', ')}] with group=${group} do not fit ${x[1]} input channels`);
    const [, mg, kh, kw] = w.dims;
    const strides = a.ints('strides') ?? [1, 1];
    const pads = a.ints('pads') ?? [0, 0, 0, 0];
    const extra = a.ints('output_padding') ?? [0, 0];
    const shape = a.ints('output_shape');
    if ((a.ints('dilations') ?? [1, 1]).some((d) => d !== 1)) return this.unsupported(node, ': dilations');
    if (strides.length !== 2 || pads.length !== 4 || extra.length !== 2 || strides.some((v) => v < 1)) return this.shapeError(node, `strides [${strides.join(', ')}], pads [${pads.join(', ')}] are not 2-D`);
    const axis = (i: number, k: number): AxisWindow => {
      const out = shape?.length === 2 ? shape[i] : strides[i] * (x[2 + i] - 1) + extra[i] + k - pads[i] - pads[i + 2];
      return { k, s: strides[i], begin: pads[i], end: pads[i + 2], n: x[2 + i], out };
    };
    const rows = axis(0, kh);
    const cols = axis(1, kw);
    if (rows.out < 1 || cols.out < 1) return this.shapeError(node, `leaves no output on a ${x[2]}×${x[3]} input`);
    return [{ kind: 'convT', cout: mg * group, group, rows, cols }, [1, mg * group, rows.out, cols.out]];
  }

  private pool(node: GraphNode, x: number[]): [NodeInfo, number[]?] | undefined {
    if (x.length !== 4) return this.shapeError(node, `expects an NCHW input, got [${x.join(', ')}]`);
    const a = new Attributes(node, this.out);
    const kernel = a.ints('kernel_shape');
    if (!kernel || kernel.length !== 2 || kernel.some((k) => k < 1)) {
      this.out.report('onnxBadAttribute', 'kernel_shape', node.op, node.name, 'a 2-D pooling needs two kernel sizes');
      return undefined;
    }
    const windows = this.windows(node, a, x, kernel[0], kernel[1], a.int('ceil_mode', 0) === 1);
    if (!windows) return undefined;
    const [rows, cols] = windows;
    return [{ kind: 'pool', mode: node.op === 'MaxPool' ? 'max' : 'avg', rows, cols }, [1, x[1], rows.out, cols.out]];
  }

  private windows(node: GraphNode, a: Attributes, x: number[], kh: number, kw: number, ceil: boolean): [AxisWindow, AxisWindow] | undefined {
    const strides = a.ints('strides') ?? [1, 1];
    const dilations = a.ints('dilations') ?? [1, 1];
    const pads = a.ints('pads') ?? [0, 0, 0, 0];
    const autoPad = a.string('auto_pad', 'NOTSET');
    if (strides.length !== 2 || strides.some((s) => s < 1)) {
      this.out.report('onnxBadAttribute', 'strides', node.op, node.name, `expected two positive strides, got [${strides.join(', ')}]`);
      return undefined;
    }
    if (pads.length !== 4 || pads.some((p) => p < 0)) {
      this.out.report('onnxBadAttribute', 'pads', node.op, node.name, `expected four pads ≥ 0, got [${pads.join(', ')}]`);
      return undefined;
    }
    if (dilations.some((d) => d !== 1)) {
      this.unsupported(node, `: dilations [${dilations.join(', ')}]`);
      return undefined;
    }
    const rows = axisWindow(x[2], kh, strides[0], pads[0], pads[2], autoPad, ceil);
    const cols = axisWindow(x[3], kw, strides[1], pads[1], pads[3], autoPad, ceil);
    if (rows.out < 1 || cols.out < 1 || kh < 1 || kw < 1) return this.shapeError(node, `a ${kh}×${kw} window on a ${x[2]}×${x[3]} input leaves no output`);
    return [rows, cols];
  }

  private fc(node: GraphNode, x: number[]): [NodeInfo, number[]?] | undefined {
    const b = this.graph.consts.get(node.inputs[node.op === 'QLinearMatMul' ? 3 : 1] ?? '');
    if (!b) return this.unsupported(node, ': its second operand is computed at run time');
    const a = new Attributes(node, this.out);
    if (node.op === 'Gemm' && a.int('transA', 0) !== 0) return this.unsupported(node, ': transA=1');
    const transB = node.op === 'Gemm' && a.int('transB', 0) === 1;
    const k = x[x.length - 1];
    if (b.dims.length !== 2 || product(x) !== k) return this.shapeError(node, `multiplies [${x.join(', ')}] by [${b.dims.join(', ')}]; a flattened [1, K] by [K, N] is expected`);
    const [bk, n] = transB ? [b.dims[1], b.dims[0]] : b.dims;
    if (bk !== k) return this.shapeError(node, `multiplies [${x.join(', ')}] by [${b.dims.join(', ')}]${transB ? ' (transB)' : ''}: ${k} ≠ ${bk}`);
    return [{ kind: 'fc', cout: n }, [...x.slice(0, -1), n]];
  }
}

/**
 * The table function of an ONNX activation node, with ONNX's defaults (HardSigmoid 0.2, 0.5;
 * LeakyRelu 0.01; Elu 1; Selu's α and γ). HardSwish is x·HardSigmoid(x) with 1/6 and 1/2.
 */
export function tableOf(node: GraphNode, a: Attributes): NonNullable<Layer['table']> {
  switch (node.op) {
    case 'HardSigmoid': return { fn: 'hardsigmoid', alpha: a.float('alpha') ?? 0.2, beta: a.float('beta') ?? 0.5 };
    case 'LeakyRelu': return { fn: 'leakyrelu', alpha: a.float('alpha') ?? 0.01 };
    case 'Sigmoid': return { fn: 'sigmoid' };
    case 'Tanh': return { fn: 'tanh' };
    case 'Elu': return { fn: 'elu', alpha: a.float('alpha') ?? 1 };
    case 'Selu': return { fn: 'selu', alpha: a.float('alpha') ?? seluAlpha, gamma: a.float('gamma') ?? seluGamma };
    case 'Softplus': return { fn: 'softplus' };
    default: return { fn: 'hardswish' };
  }
}

/**
 * What a Softmax normalises over, in the terms of the runtime's kernel: each pixel's channels (the
 * last axis of a [1, C] tensor; opset 13's axis 1 of a map; any map of 1×1 pixels) or the whole map
 * (before opset 13, `axis` ≤ 1 flattens C, H and W into one row). Along H or W alone: undefined.
 */
function softmaxSpan(x: number[], axis: number, opset: number): 'channels' | 'map' | undefined {
  const at = axis < 0 ? axis + x.length : axis;
  if (x.length === 2) return x[0] === 1 && (at === 1 || (at === 0 && opset < 13)) ? 'channels' : undefined;
  if (x.length !== 4 || x[0] !== 1) return undefined;
  const pixels = x[2] * x[3];
  if (opset < 13) return at <= 1 ? (pixels === 1 ? 'channels' : 'map') : undefined;
  return at === 1 ? 'channels' : undefined;
}

/** ONNX's output length along one axis (explicit pads or auto_pad, floor or ceil mode). */
function axisWindow(n: number, k: number, s: number, begin: number, end: number, autoPad: string, ceil: boolean): AxisWindow {
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + k - n, 0);
    begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    end = total - begin;
  } else if (autoPad === 'VALID') {
    begin = 0;
    end = 0;
  }
  const span = n + begin + end - k;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // In ceil mode the last window must still start inside the input or its leading padding.
  if (ceil && (out - 1) * s >= n + begin) out--;
  return { k, s, begin, end, n, out };
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
