import { Activation } from '../../language/ast';
import { outputLength } from '../../model/ops';
import { Reporter } from '../onnxGraph';
import { Builtin } from './builtins';
import { Operator, TensorType, TfliteModel } from './schema';
import { constInts } from './values';
import { Axis, fmt, fused, nhwc, sameShape, shapeOf, size, TflWalk, unitWindows, Value, WalkState } from './walkState';

/**
 * The graph walk of the TFLite import. TFLite's operators are already in execution order (the
 * order TFLite Micro runs them), so the walk keeps it: every operator becomes a layer reading the
 * layers before it, except the layout ops (RESHAPE, SQUEEZE, TRANSPOSE, QUANTIZE/DEQUANTIZE at a
 * float input or output), which only relabel a tensor's dims, and a PAD whose only reader is a
 * convolution, which becomes that convolution's window padding (TFLite's convolutions skip taps
 * outside the input, which is the same as padding with the input's zero point: PAD's value).
 */

export type { Axis, TflLayer, TflWalk } from './walkState';
export { shapeOf } from './walkState';

export function walkTflite(m: TfliteModel, out: Reporter): TflWalk | undefined {
  return new Walk(m, out).run();
}

class Walk extends WalkState {
  run(): TflWalk | undefined {
    if (!this.checkTensors()) return undefined;
    const { m, out } = this;
    if (m.inputs.length !== 1 || m.outputs.length !== 1) {
      out.report('tfliteGraph', `it has ${m.inputs.length} inputs and ${m.outputs.length} outputs`);
      return undefined;
    }
    const input = this.graphInput(m.inputs[0]);
    // What reads the output of an operator that failed is skipped: one diagnostic per cause.
    const failed = new Set<number>();
    for (const op of m.operators) {
      const before = out.errors;
      const skip = op.inputs.some((i) => failed.has(i));
      if (!skip && !this.operator(op) && out.errors === before) this.unsupported(op);
      if (skip || out.errors > before) op.outputs.forEach((o) => failed.add(o));
    }
    if (out.errors > 0) return undefined;
    const last = this.values.get(m.outputs[0]);
    if (!last || last.layer !== this.layers.length - 1 || this.layers.length === 0) {
      out.report('tfliteGraph', `the output '${this.tensor(m.outputs[0])?.name}' is not made by the last layer`);
      return undefined;
    }
    return { layers: this.layers, input: input.shape, inputAxes: input.axes, expected: this.expected };
  }

  /** One operator; false when it cannot be imported (reported here, or as unsupported by the caller). */
  private operator(op: Operator): boolean {
    switch (op.code) {
      case Builtin.Conv2d:
      case Builtin.DepthwiseConv2d:
        return this.conv(op);
      case Builtin.AveragePool2d:
      case Builtin.MaxPool2d:
        return this.pool(op);
      case Builtin.FullyConnected:
        return this.fc(op);
      case Builtin.Mean:
        return this.mean(op);
      case Builtin.Add:
      case Builtin.Mul:
        return this.binary(op);
      case Builtin.Concatenation:
        return this.concat(op);
      case Builtin.Pad:
      case Builtin.PadV2:
        return this.pad(op);
      case Builtin.Reshape:
      case Builtin.Squeeze:
        return this.reshape(op);
      case Builtin.Transpose:
        return this.transpose(op);
      case Builtin.Quantize:
      case Builtin.Dequantize:
        return this.quantize(op);
      case Builtin.Softmax:
      case Builtin.Logistic:
      case Builtin.HardSwish:
      case Builtin.Tanh:
      case Builtin.LeakyRelu:
      case Builtin.Elu:
      case Builtin.Prelu:
        return this.elementwise(op);
      case Builtin.Relu:
      case Builtin.Relu6:
        return this.relu(op);
      case Builtin.ResizeBilinear:
      case Builtin.ResizeNearestNeighbor:
        return this.resize(op);
      default:
        return false;
    }
  }

  private conv(op: Operator): boolean {
    const depthwise = op.code === Builtin.DepthwiseConv2d;
    const raw = this.values.get(op.inputs[0]);
    // A PAD read only by this conv is its window padding.
    const folded = raw?.pad && this.readers.get(op.inputs[0]) === 1 ? raw.pad : undefined;
    const x = folded ? folded.of : this.use(op, 0);
    const w = this.tensor(op.inputs[1]);
    const o = op.options;
    if (!x || !w || !o) return this.wrong(op, 'it has no input, filter or options');
    if (!this.isImage(x) || w.shape.length !== 4) return this.wrong(op, 'its input or filter is not 4-D NHWC');
    const act = this.activation(op, depthwise ? 4 : 3);
    if (act === undefined) return false;
    const dilation = [o.int32(depthwise ? 5 : 4, 1), o.int32(depthwise ? 6 : 5, 1)];
    if (dilation.some((d) => d !== 1)) return this.unsupported(op, `: dilation ${dilation.join('×')}`);
    if (w.type !== TensorType.Int8) return this.unsupported(op, ': its filter is not int8 (only int8 models are imported)');
    const [kh, kw] = [w.shape[1], w.shape[2]];
    const cout = depthwise ? w.shape[3] : w.shape[0];
    const cin = depthwise ? x.shape.c : w.shape[3];
    if (!depthwise && (cin === 0 || x.shape.c % cin !== 0)) return this.wrong(op, `the filter has ${cin} input channels, the input ${x.shape.c}`);
    if (depthwise && cout % x.shape.c !== 0) return this.wrong(op, `${cout} output channels are no multiple of the ${x.shape.c} input channels`);
    const rows = this.window(op, x.shape.h, kh, o.int32(2), o.int8(0), folded?.rows);
    const cols = this.window(op, x.shape.w, kw, o.int32(1), o.int8(0), folded?.cols);
    if (!rows || !cols) return false;
    const groups = depthwise ? x.shape.c : x.shape.c / cin;
    const out = { h: outputLength(x.shape.h, rows), w: outputLength(x.shape.w, cols), c: cout };
    return this.add(op, { kind: depthwise ? 'dwconv' : 'conv', sources: [x.layer], out, rows, cols, groups, act }, nhwc);
  }

  private pool(op: Operator): boolean {
    const x = this.use(op, 0);
    const o = op.options;
    if (!x || !o) return this.wrong(op, 'it has no input or options');
    if (!this.isImage(x)) return this.wrong(op, 'its input is not 4-D NHWC');
    const act = this.activation(op, 5);
    if (act === undefined) return false;
    if (act !== 'none') return this.unsupported(op, `: a fused ${act} after pooling`);
    const rows = this.window(op, x.shape.h, o.int32(4), o.int32(2), o.int8(0));
    const cols = this.window(op, x.shape.w, o.int32(3), o.int32(1), o.int8(0));
    if (!rows || !cols) return false;
    const out = { h: outputLength(x.shape.h, rows), w: outputLength(x.shape.w, cols), c: x.shape.c };
    const mode = op.code === Builtin.MaxPool2d ? 'max' : 'avg';
    // An average pool whose window is the whole valid input is the IR's global pooling.
    const global = mode === 'avg' && out.h === 1 && out.w === 1 && rows.k === x.shape.h && cols.k === x.shape.w && rows.p === 0 && cols.p === 0 && !rows.pEnd && !cols.pEnd;
    if (global) return this.add(op, { kind: 'gpool', sources: [x.layer], out, rows: { k: x.shape.h, s: 1, p: 0 }, cols: { k: x.shape.w, s: 1, p: 0 }, groups: 1, act, poolMode: 'avg' }, nhwc);
    return this.add(op, { kind: 'pool', sources: [x.layer], out, rows, cols, groups: 1, act, poolMode: mode }, nhwc);
  }

  private fc(op: Operator): boolean {
    const x = this.use(op, 0);
    const w = this.tensor(op.inputs[1]);
    if (!x || !w || w.shape.length !== 2) return this.wrong(op, 'it has no input or 2-D weights');
    const act = this.activation(op, 0);
    if (act === undefined) return false;
    if (w.type !== TensorType.Int8) return this.unsupported(op, ': its weights are not int8 (only int8 models are imported)');
    const size = x.shape.h * x.shape.w * x.shape.c;
    if (w.shape[1] !== size) return this.wrong(op, `the weights take ${w.shape[1]} inputs, the input has ${size}`);
    if (op.options?.bool(2)) return this.unsupported(op, ': keep_num_dims');
    // The fc layer reads H×W×C in that order; a transposed tensor of more than one real dim is not.
    const order = x.axes.filter((a, i) => a !== 'n' && a !== '1' && this.dimOf(op, i) !== 1);
    if (order.join('') !== ['h', 'w', 'c'].filter((a) => order.includes(a as Axis)).join('')) return this.unsupported(op, ` on a transposed tensor (dims ${x.axes.join(' ')})`);
    const out = { h: 1, w: 1, c: w.shape[0] };
    return this.add(op, { kind: 'fc', sources: [x.layer], out, rows: { k: x.shape.h, s: 1, p: 0 }, cols: { k: x.shape.w, s: 1, p: 0 }, groups: 1, act }, ['n', 'c']);
  }

  /** MEAN over H and W is global pooling; over one of them, an average pool spanning that axis. */
  private mean(op: Operator): boolean {
    const x = this.use(op, 0);
    const dims = constInts(this.m, op.inputs[1]);
    if (!x || !dims) return this.wrong(op, 'it has no input or constant axes');
    const rank = x.axes.length;
    const reduced = new Set(dims.map((d) => x.axes[d < 0 ? d + rank : d]));
    if ([...reduced].some((a) => a !== 'h' && a !== 'w')) return this.unsupported(op, `: a mean over ${[...reduced].join(', ')} (only over height and width)`);
    const keep = op.options?.bool(0) ?? false;
    const axes = x.axes.map((a): Axis | undefined => (!reduced.has(a) ? a : keep ? '1' : undefined)).filter((a): a is Axis => a !== undefined);
    const h = reduced.has('h');
    const w = reduced.has('w');
    const out = { h: h ? 1 : x.shape.h, w: w ? 1 : x.shape.w, c: x.shape.c };
    const rows = { k: h ? x.shape.h : 1, s: 1, p: 0 };
    const cols = { k: w ? x.shape.w : 1, s: 1, p: 0 };
    return this.add(op, { kind: h && w ? 'gpool' : 'pool', sources: [x.layer], out, rows, cols, groups: 1, act: 'none', poolMode: 'avg' }, axes);
  }

  /** ADD and MUL of two tensors (MUL: also by a per-channel vector); the fused activation is the layer's. */
  private binary(op: Operator): boolean {
    const a = this.use(op, 0);
    const b = this.use(op, 1);
    if (!a || !b) return op.inputs.slice(0, 2).some((i) => !this.values.has(i)) ? this.unsupported(op, ': one of its inputs is a constant') : false;
    const act = this.activation(op, 0);
    if (act === undefined) return false;
    const big = size(a.shape) >= size(b.shape) ? a : b;
    const small = big === a ? b : a;
    const same = sameShape(a.shape, b.shape);
    const perChannel = op.code === Builtin.Mul && small.shape.h === 1 && small.shape.w === 1 && small.shape.c === big.shape.c;
    if (!same && !perChannel) return this.unsupported(op, `: broadcasting ${fmt(a.shape)} with ${fmt(b.shape)}`);
    return this.add(op, { kind: op.code === Builtin.Add ? 'add' : 'mul', sources: [big.layer, small.layer], out: big.shape, ...unitWindows, groups: 1, act }, big.axes);
  }

  private concat(op: Operator): boolean {
    const xs = op.inputs.map((_, i) => this.use(op, i));
    if (xs.some((x) => !x)) return false;
    const vs = xs as Value[];
    const axis = op.options?.int32(0) ?? 0;
    const along = vs[0].axes[axis < 0 ? axis + vs[0].axes.length : axis];
    if (along !== 'c') return this.unsupported(op, ': a concatenation along other than channels');
    if (fused[op.options?.int8(1) ?? 0] !== 'none') return this.unsupported(op, ': a fused activation');
    const out = { ...vs[0].shape, c: vs.reduce((sum, v) => sum + v.shape.c, 0) };
    return this.add(op, { kind: 'concat', sources: vs.map((v) => v.layer), out, ...unitWindows, groups: 1, act: 'none' }, vs[0].axes);
  }

  /** PAD of rows and columns only; kept pending until its reader is known. */
  private pad(op: Operator): boolean {
    const x = this.use(op, 0);
    const p = constInts(this.m, op.inputs[1]);
    if (!x || !p || p.length !== 2 * x.axes.length) return this.wrong(op, 'it has no input or constant paddings of its rank');
    if (op.code === Builtin.PadV2 && !this.padsZeroPoint(op)) return this.unsupported(op, ': its pad value is not the zero point');
    const at = (a: Axis): [number, number] => {
      const i = x.axes.indexOf(a);
      return i < 0 ? [0, 0] : [p[2 * i], p[2 * i + 1]];
    };
    if (x.axes.some((a, i) => a !== 'h' && a !== 'w' && (p[2 * i] !== 0 || p[2 * i + 1] !== 0)) || p.some((v) => v < 0)) return this.unsupported(op, ': padding of other than rows and columns');
    const rows = at('h');
    const cols = at('w');
    const shape = { h: x.shape.h + rows[0] + rows[1], w: x.shape.w + cols[0] + cols[1], c: x.shape.c };
    this.values.set(op.outputs[0], { layer: x.layer, shape, axes: x.axes, pad: { of: x, rows, cols, op } });
    this.expected.set(this.nodeName(op.outputs[0]), shapeOf(this.tensor(op.outputs[0])!.shape, x.axes));
    return true;
  }

  private padsZeroPoint(op: Operator): boolean {
    const value = this.tensor(op.inputs[2]);
    const zero = this.tensor(op.outputs[0])?.quantization?.zeroPoint[0] ?? 0;
    const data = value && this.m.buffers[value.buffer];
    return !!data && data.length === 1 && ((data[0] << 24) >> 24) === zero;
  }

  /** A RESHAPE or SQUEEZE that keeps the element order relabels the dims; any other is a layout change. */
  private reshape(op: Operator): boolean {
    const x = this.use(op, 0);
    const t = this.tensor(op.outputs[0]);
    if (!x || !t) return false;
    const from = this.tensor(op.inputs[0])!.shape;
    const kept = from.map((d, i) => [d, x.axes[i]] as const).filter(([d]) => d !== 1);
    const to = t.shape.map((d, i) => (i === 0 && d === -1 ? 1 : d));
    const big = to.filter((d) => d !== 1);
    if (big.length !== kept.length || big.some((d, i) => d !== kept[i][0])) {
      // A flatten for a FULLY_CONNECTED keeps NHWC order, which the fc layer reads anyway.
      const flatten = to.length === 2 && to[0] === 1 && to[1] === size(x.shape);
      if (!flatten) return this.unsupported(op, ` as a layout change ([${from.join(', ')}] → [${t.shape.join(', ')}])`);
      this.values.set(op.outputs[0], { ...x, axes: ['n', 'c'] });
      return true;
    }
    let k = 0;
    const axes = to.map((d): Axis => (d === 1 ? '1' : kept[k++][1]));
    this.values.set(op.outputs[0], { ...x, axes });
    return true;
  }

  /** TRANSPOSE permutes what the dims mean; the IR's tensor stays H×W×C. */
  private transpose(op: Operator): boolean {
    const x = this.use(op, 0);
    const perm = constInts(this.m, op.inputs[1]);
    if (!x || !perm || perm.length !== x.axes.length) return this.wrong(op, 'it has no input or constant permutation of its rank');
    // The IR tensor keeps its H×W×C; what reads the result sees the dims' new meaning (a MEAN over
    // them, a convolution that needs NHWC back, a flatten that needs the element order).
    this.values.set(op.outputs[0], { ...x, axes: perm.map((p) => x.axes[p]) });
    return true;
  }

  /** QUANTIZE of a float input and DEQUANTIZE of the output are the edges of an int8 model. */
  private quantize(op: Operator): boolean {
    const x = this.use(op, 0);
    if (!x) return false;
    const atInput = op.code === Builtin.Quantize && x.layer === -1 && this.tensor(op.inputs[0])?.type === TensorType.Float32;
    const atOutput = op.code === Builtin.Dequantize && this.m.outputs.includes(op.outputs[0]);
    if (!atInput && !atOutput) return this.unsupported(op, ' inside the model (only at a float input or output)');
    this.values.set(op.outputs[0], x);
    if (atOutput) this.expected.set(this.nodeName(op.outputs[0]), x.shape);
    return true;
  }

  private elementwise(op: Operator): boolean {
    const x = this.use(op, 0);
    if (!x) return false;
    const base = { sources: [x.layer], out: x.shape, ...unitWindows, groups: 1, act: 'none' as Activation };
    switch (op.code) {
      case Builtin.Softmax: {
        const beta = op.options?.float32(0, 1) ?? 1;
        if (beta !== 1) return this.unsupported(op, `: beta ${beta}`);
        return this.add(op, { ...base, kind: 'softmax' }, x.axes);
      }
      case Builtin.Logistic:
        return this.add(op, { ...base, kind: 'act', table: { fn: 'sigmoid' } }, x.axes);
      case Builtin.Tanh:
        return this.add(op, { ...base, kind: 'act', table: { fn: 'tanh' } }, x.axes);
      case Builtin.HardSwish:
        return this.add(op, { ...base, kind: 'act', table: { fn: 'hardswish' } }, x.axes);
      case Builtin.Elu:
        return this.add(op, { ...base, kind: 'act', table: { fn: 'elu', alpha: 1 } }, x.axes);
      case Builtin.Prelu: {
        const slopes = this.preluSlopes(op, x.shape.c);
        if (!slopes) return this.unsupported(op, ': its alpha is not a constant of one value or one a channel');
        return this.add(op, { ...base, kind: 'act', table: { fn: 'prelu', slopes } }, x.axes);
      }
      default:
        return this.add(op, { ...base, kind: 'act', table: { fn: 'leakyrelu', alpha: op.options?.float32(0) ?? 0 } }, x.axes);
    }
  }

  /**
   * PRELU's slope of each of `channels` channels, real (scale·(a − zp)), from its constant int8 alpha
   * of one value or one a channel (the last dim); undefined otherwise. The reference takes TFLite
   * Micro's integer rule from the file's alpha itself (tflite/quant.ts).
   */
  private preluSlopes(op: Operator, channels: number): number[] | undefined {
    const t = this.m.tensors[op.inputs[1]];
    const data = t && this.m.buffers[t.buffer];
    if (!t || !data || t.type !== TensorType.Int8) return undefined;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (data.length !== n || !(n === 1 || (n === channels && t.shape[t.shape.length - 1] === channels))) return undefined;
    const scale = t.quantization?.scale[0] ?? 1;
    const zp = t.quantization?.zeroPoint[0] ?? 0;
    return Array.from({ length: channels }, (_, c) => Math.fround(scale * (((data[n === 1 ? 0 : c] << 24) >> 24) - zp)));
  }

  /**
   * A RELU or RELU6 after a layer that has none: that layer's activation (what TFLite would fuse);
   * after any other layer (a pool, a concatenation, a tensor read twice) a clamp table of its own.
   */
  private relu(op: Operator): boolean {
    const x = this.use(op, 0);
    if (!x) return false;
    const producer = this.layers[x.layer];
    const fusable = producer && producer.act === 'none' && this.readers.get(op.inputs[0]) === 1 && (producer.kind === 'conv' || producer.kind === 'dwconv' || producer.kind === 'fc' || producer.kind === 'add');
    if (!fusable) {
      const table = { fn: 'clip' as const, min: 0, ...(op.code === Builtin.Relu6 ? { max: 6 } : {}) };
      return this.add(op, { sources: [x.layer], out: x.shape, ...unitWindows, groups: 1, act: 'none', kind: 'act', table }, x.axes);
    }
    producer.act = op.code === Builtin.Relu ? 'relu' : 'relu6';
    this.values.set(op.outputs[0], x);
    return true;
  }

  private resize(op: Operator): boolean {
    const x = this.use(op, 0);
    const hw = constInts(this.m, op.inputs[1]);
    if (!x || !hw || hw.length !== 2 || !this.isImage(x)) return this.wrong(op, 'it has no NHWC input or constant size');
    const o = op.options;
    const bilinear = op.code === Builtin.ResizeBilinear;
    const rule = { mode: bilinear ? 'bilinear' : 'nearest', alignCorners: o?.bool(bilinear ? 2 : 0) ?? false, halfPixelCenters: o?.bool(bilinear ? 3 : 1) ?? false } as const;
    const out = { h: hw[0], w: hw[1], c: x.shape.c };
    return this.add(op, { kind: 'resize', sources: [x.layer], out, ...unitWindows, groups: 1, act: 'none', resize: rule }, nhwc);
  }
}
