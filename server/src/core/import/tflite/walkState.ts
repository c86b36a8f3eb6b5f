import { Activation } from '../../language/ast';
import { Layer, LayerKind, Shape, Window } from '../../model/ir';
import { maxDim, maxElements, Reporter } from '../onnxGraph';
import { Builtin, builtinName } from './builtins';
import { Operator, Tensor, TfliteModel } from './schema';
import { constInts, samePadding } from './values';

/**
 * The state of the TFLite graph walk (walk.ts) and what every operator's import uses: the values
 * (activation tensors with what their dims mean), the layers made so far, reading an input (a
 * pending PAD becomes a layer unless a convolution folds it), adding a layer with the file's shape
 * to check, TFLite's windows and fused activations, and the diagnostics that name an operator.
 */

/** What one dim of a TFLite tensor is in the IR's H×W×C (`1`: a dim of size one that is none of them). */
export type Axis = 'n' | 'h' | 'w' | 'c' | '1';
export const nhwc: Axis[] = ['n', 'h', 'w', 'c'];

/** An activation tensor: the layer that makes it (−1: the network input), its IR shape, its dims' meaning. */
export interface Value {
  layer: number;
  shape: Shape;
  axes: Axis[];
  /** A PAD not yet made a layer: the padded tensor and the padding of rows and columns. */
  pad?: { of: Value; rows: [number, number]; cols: [number, number]; op: Operator };
}

/** One layer as the walk found it, before blocks. */
export interface TflLayer {
  op: Operator;
  /** The output tensor's name: the layer's node name in the IR (until= and hovers use it). */
  node: string;
  kind: LayerKind;
  sources: number[];
  out: Shape;
  rows: Window;
  cols: Window;
  groups: number;
  act: Activation;
  poolMode?: 'avg' | 'max';
  table?: Layer['table'];
  resize?: Layer['resize'];
  /** The last conv of a residual run: the ADD fused into it (its output is the block's). */
  fusedAdd?: Operator;
}

export interface TflWalk {
  layers: TflLayer[];
  input: Shape;
  /** The input tensor's dims in IR terms (`n c h w` for an NCHW input that a TRANSPOSE makes NHWC). */
  inputAxes: Axis[];
  /** The file's shape of every tensor a layer writes, as the IR's H×W×C, by node name. */
  expected: Map<string, Shape>;
}

export const fused: Record<number, Activation | undefined> = { 0: 'none', 1: 'relu', 3: 'relu6' };

export abstract class WalkState {
  protected readonly values = new Map<number, Value>();
  protected readonly layers: TflLayer[] = [];
  protected readonly readers = new Map<number, number>();
  protected readonly expected = new Map<string, Shape>();
  protected ends?: Map<string, number>;

  constructor(protected readonly m: TfliteModel, protected readonly out: Reporter) {
    for (const op of m.operators) for (const t of op.inputs) this.readers.set(t, (this.readers.get(t) ?? 0) + 1);
    for (const t of m.outputs) this.readers.set(t, (this.readers.get(t) ?? 0) + 1);
  }

  protected tensor(i: number): Tensor | undefined {
    return this.m.tensors[i];
  }

  /** Every tensor index in range, every dim a size the analysis can hold. */
  protected checkTensors(): boolean {
    const { m, out } = this;
    const bad = (i: number) => !Number.isInteger(i) || i < 0 || i >= m.tensors.length;
    for (const op of m.operators) {
      const index = [...op.inputs.filter((i) => i !== -1), ...op.outputs].find(bad);
      if (index !== undefined) out.report('tfliteShape', op.index, builtinName(op.code, op.custom), `tensor ${index}`, `tensor ${index} is not among the ${m.tensors.length} tensors`);
    }
    const io = [...m.inputs, ...m.outputs].find(bad);
    if (io !== undefined) out.report('tfliteGraph', `tensor ${io} is not among the ${m.tensors.length} tensors`);
    for (const t of m.tensors) {
      const dims = t.shape.map((d, i) => (i === 0 && d === -1 ? 1 : d));
      const count = dims.reduce((a, b) => a * b, 1);
      if (dims.some((d) => d < 0 || d > maxDim) || count > maxElements) {
        out.report('tfliteTooLarge', t.index, t.name, t.shape.join(', '), `${maxElements} elements of at most ${maxDim} per dimension`);
      }
      if (t.buffer >= m.buffers.length && t.buffer !== 0) out.report('tfliteShape', '-', 'tensor', t.name, `buffer ${t.buffer} is not among the model's ${m.buffers.length}`);
    }
    return out.errors === 0;
  }

  /** The input: NHWC, or NCHW when its reader is a TRANSPOSE to NHWC. */
  protected graphInput(index: number): Value {
    const t = this.tensor(index)!;
    const dims = t.shape;
    let axes: Axis[] = dims.length === 4 ? [...nhwc] : dims.length === 3 ? ['h', 'w', 'c'] : dims.map((_, i) => (i === dims.length - 1 ? 'c' : '1'));
    const reader = this.m.operators.find((o) => o.inputs[0] === index);
    const perm = reader?.code === Builtin.Transpose ? constInts(this.m, reader.inputs[1]) : undefined;
    if (dims.length === 4 && perm?.length === 4 && perm.every((p, i) => p >= 0 && p < 4 && perm.indexOf(p) === i)) {
      axes = new Array<Axis>(4);
      perm.forEach((p, i) => (axes[p] = nhwc[i]));
    }
    const value = { layer: -1, shape: shapeOf(dims, axes), axes };
    this.values.set(index, value);
    return value;
  }

  /** Reads an activation input; a pending PAD read by anything but a convolution becomes a layer. */
  protected use(op: Operator, slot: number): Value | undefined {
    const index = op.inputs[slot];
    const v = this.values.get(index);
    if (!v) {
      const t = this.tensor(index);
      this.out.report('tfliteShape', op.index, builtinName(op.code, op.custom), this.outName(op), `it reads '${t?.name ?? index}', which no earlier operator writes`);
      return undefined;
    }
    return v.pad ? this.padLayer(index, v) : v;
  }

  /**
   * The name a layer goes by: converters join the names of every op fused into one tensor with ';'
   * (`model/conv2d_1/Relu;model/batch_normalization_1/…`); its first or else its last part is kept
   * when no other tensor's name starts or ends with it, so that until= and hovers can name it.
   */
  protected nodeName(index: number): string {
    const name = this.tensor(index)?.name || `tensor ${index}`;
    const parts = name.split(';');
    if (parts.length === 1) return name;
    this.ends ??= counts(this.m.tensors.flatMap((t) => {
      const p = t.name.split(';');
      return p.length === 1 ? [t.name] : [p[0], p[p.length - 1]];
    }));
    return [parts[0], parts[parts.length - 1]].find((p) => this.ends!.get(p) === 1) ?? name;
  }

  /** Dim i of the operator's first input as the file gives it. */
  protected dimOf(op: Operator, i: number): number {
    return this.tensor(op.inputs[0])?.shape[i] ?? 1;
  }

  protected outName(op: Operator): string {
    return this.tensor(op.outputs[0])?.name ?? `operator ${op.index}`;
  }

  protected unsupported(op: Operator, why = ''): false {
    this.out.report('tfliteUnsupportedOp', op.index, builtinName(op.code, op.custom), this.outName(op), why);
    return false;
  }

  protected wrong(op: Operator, why: string): false {
    this.out.report('tfliteShape', op.index, builtinName(op.code, op.custom), this.outName(op), why);
    return false;
  }

  /** Adds a layer writing the operator's output tensor; checks the shape against the file's. */
  protected add(op: Operator, layer: Omit<TflLayer, 'op' | 'node'>, axes: Axis[]): true {
    const node = this.nodeName(op.outputs[0]);
    this.layers.push({ op, node, ...layer });
    this.expected.set(node, shapeOf(this.tensor(op.outputs[0])!.shape, axes));
    this.values.set(op.outputs[0], { layer: this.layers.length - 1, shape: layer.out, axes });
    return true;
  }

  protected isImage(v: Value): boolean {
    return v.axes.length === 4 && v.axes.every((a, i) => a === nhwc[i] || (v.axes.length === 4 && a === '1' && i === 0));
  }

  protected activation(op: Operator, slot: number): Activation | undefined {
    const code = op.options?.int8(slot) ?? 0;
    const act = fused[code];
    if (act === undefined) this.unsupported(op, `: its fused activation ${['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'][code] ?? code}`);
    return act;
  }

  /** TFLite's window along one axis: SAME pads (total − total/2 after), VALID none; plus a folded PAD. */
  protected window(op: Operator, n: number, k: number, s: number, padding: number, extra: [number, number] = [0, 0]): Window | undefined {
    if (!(k >= 1 && s >= 1)) {
      this.wrong(op, `kernel ${k} and stride ${s} must be at least 1`);
      return undefined;
    }
    const [before, after] = padding === 0 ? samePadding(n + extra[0] + extra[1], k, s) : [0, 0];
    const p = before + extra[0];
    const pEnd = after + extra[1];
    return pEnd === p ? { k, s, p } : { k, s, p, pEnd };
  }

  /** A pending PAD whose reader is not a convolution: an explicit `pad` layer. */
  protected padLayer(index: number, v: Value): Value {
    const { of, rows, cols, op } = v.pad!;
    const r = { k: 1, s: 1, p: rows[0], ...(rows[1] !== rows[0] ? { pEnd: rows[1] } : {}) };
    const c = { k: 1, s: 1, p: cols[0], ...(cols[1] !== cols[0] ? { pEnd: cols[1] } : {}) };
    this.add(op, { kind: 'pad', sources: [of.layer], out: v.shape, rows: r, cols: c, groups: 1, act: 'none' }, v.axes);
    return this.values.get(index)!;
  }
}

export const unitWindows = { rows: { k: 1, s: 1, p: 0 }, cols: { k: 1, s: 1, p: 0 } };

/** The IR shape of dims that mean `axes` (dims of size one or of no spatial meaning fold away). */
export function shapeOf(dims: readonly number[], axes: readonly Axis[]): Shape {
  const of = (a: Axis) => dims.filter((_, i) => axes[i] === a).reduce((x, y) => x * y, 1);
  return { h: of('h'), w: of('w'), c: of('c') };
}

export function size(s: Shape): number {
  return s.h * s.w * s.c;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.h === b.h && a.w === b.w && a.c === b.c;
}

export function fmt(s: Shape): string {
  return `${s.h}×${s.w}×${s.c}`;
}

function counts(names: string[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const x of names) n.set(x, (n.get(x) ?? 0) + 1);
  return n;
}
