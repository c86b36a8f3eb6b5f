import { onnx } from 'onnx-proto';
import { Diagnostic, diagnostic, MessageId, Range } from '../language/diagnostics';
import { shown } from '../language/shown';
import { maxOf } from '../arrays';

/**
 * The first passes of the ONNX import: decode the bytes, index values by name, check that every
 * input exists and that the graph is acyclic (topological order), and fold constants (initializers,
 * Constant nodes, and Q/DQ/Identity/Cast/Transpose/Reshape/Shape of constants). Sizes are checked
 * before anything is allocated from them; only small constants (shapes, clip bounds) keep values.
 */

/** Largest dimension and element count the importer accepts (far beyond any MCU model). */
export const maxDim = 1 << 24;
export const maxElements = 2 ** 31;
/** Constants up to this many elements keep their values (Reshape shapes, Clip bounds). */
const maxValues = 64;

export interface Constant {
  dims: number[];
  /** Present for small numeric tensors whose data could be read. */
  values?: number[];
}

export interface GraphNode {
  index: number;
  op: string;
  /** The node's name, or `OpType_index` when it has none. */
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, onnx.IAttributeProto>;
}

export interface GraphInput {
  name: string;
  /** Static dimensions as numbers, dynamic ones as their dim_param (or '?'). */
  dims: (number | string)[];
}

export interface Graph {
  name: string;
  /** The default domain's opset (13 when the file names none): Softmax's axis changed meaning at 13. */
  opset: number;
  nodes: GraphNode[];
  /** Node indices in topological order (nodes on a cycle are left out). */
  order: number[];
  consts: Map<string, Constant>;
  /** Output name → producing node index. */
  producer: Map<string, number>;
  inputs: GraphInput[];
  outputs: string[];
}

/** Collects diagnostics of the import; every one is placed on the same range (the .onnx or `from`). */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly range: Range) {}
  report(id: MessageId, ...args: (string | number)[]): void {
    this.diagnostics.push(diagnostic(id, this.range, ...args));
  }
  get errors(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }
}

type Long = { toNumber(): number };

/** int64 fields decode as Long objects. */
export function toNumber(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Decodes and indexes the model; undefined when the bytes are not an ONNX model. */
export function readGraph(bytes: Uint8Array, out: Reporter): Graph | undefined {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    out.report('onnxDecode', error instanceof Error ? error.message : String(error));
    return undefined;
  }
  const g = model.graph;
  if (!g || !g.node || g.node.length === 0) {
    out.report('onnxDecode', bytes.length === 0 ? 'the file is empty' : 'it has no graph nodes');
    return undefined;
  }
  const consts = new Map<string, Constant>();
  for (const t of g.initializer ?? []) {
    const c = readTensor(t, t.name || '(unnamed initializer)', out);
    if (c) consts.set(t.name ?? '', c);
  }
  const nodes = g.node.map((n, index): GraphNode => {
    const op = n.opType || '(no op type)';
    return { index, op, name: n.name ? shown(n.name, 128) : `${op}_${index}`, inputs: (n.input ?? []).slice(), outputs: (n.output ?? []).slice(), attrs: new Map((n.attribute ?? []).map((a) => [a.name ?? '', a])) };
  });
  const inputs = (g.input ?? []).filter((v) => !consts.has(v.name ?? '')).map((v): GraphInput => ({
    name: v.name ?? '',
    dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue != null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : '?')),
  }));
  const versions = (model.opsetImport ?? []).filter((o) => !o.domain || o.domain === 'ai.onnx').map((o) => toNumber(o.version ?? 0));
  const opset = versions.length > 0 ? maxOf(versions) : 13;
  const graph: Graph = { name: g.name ? shown(g.name, 128) : 'model', opset, nodes, order: [], consts, producer: new Map(), inputs, outputs: (g.output ?? []).map((v) => v.name ?? '') };
  if (!index(graph, out)) return undefined;
  fold(graph, out);
  return graph;
}

/** Producers, missing inputs, topological order; false when the graph cannot be ordered. */
function index(graph: Graph, out: Reporter): boolean {
  const known = new Set<string>([...graph.consts.keys(), ...graph.inputs.map((i) => i.name)]);
  for (const node of graph.nodes) {
    for (const o of node.outputs) {
      if (!o) continue;
      if (graph.producer.has(o) || known.has(o)) {
        out.report('onnxMalformed', `'${o}' is written twice (by ${node.op} node '${node.name}' and before)`);
        return false;
      }
      graph.producer.set(o, node.index);
    }
  }
  let missing = false;
  for (const node of graph.nodes) {
    for (const i of node.inputs) {
      if (i && !known.has(i) && !graph.producer.has(i)) {
        out.report('onnxMissingValue', node.op, node.name, i);
        missing = true;
      }
    }
  }
  for (const o of graph.outputs) {
    if (!known.has(o) && !graph.producer.has(o)) {
      out.report('onnxMissingValue', 'the graph output', o, o);
      missing = true;
    }
  }
  if (missing) return false;
  // Kahn's algorithm over the producer edges.
  const pending = graph.nodes.map((n) => n.inputs.filter((i) => graph.producer.has(i)).length);
  const consumers = new Map<number, number[]>();
  for (const node of graph.nodes) {
    for (const i of node.inputs) {
      const p = graph.producer.get(i);
      if (p !== undefined) consumers.set(p, [...(consumers.get(p) ?? []), node.index]);
    }
  }
  const ready = graph.nodes.filter((_, i) => pending[i] === 0).map((n) => n.index);
  while (ready.length > 0) {
    const n = ready.shift() as number;
    graph.order.push(n);
    for (const c of consumers.get(n) ?? []) {
      if (--pending[c] === 0) ready.push(c);
    }
  }
  if (graph.order.length < graph.nodes.length) {
    const stuck = graph.nodes.find((_, i) => pending[i] > 0) as GraphNode;
    out.report('onnxCycle', stuck.op, stuck.name);
    return false;
  }
  return true;
}

/** Ops whose outputs are constant when their inputs are. */
const foldable = new Set(['Constant', 'Identity', 'Cast', 'QuantizeLinear', 'DequantizeLinear', 'Transpose', 'Reshape', 'Slice', 'Concat', 'Gather', 'Unsqueeze', 'Squeeze']);

function fold(graph: Graph, out: Reporter): void {
  for (const n of graph.order) {
    const node = graph.nodes[n];
    if (!foldable.has(node.op)) continue;
    const args = node.inputs.map((i) => (i ? graph.consts.get(i) : undefined));
    const c = node.op === 'Constant' ? constantNode(node, out) : foldNode(node, args);
    if (c && node.outputs[0]) graph.consts.set(node.outputs[0], c);
  }
}

/** Folds a node whose inputs are all constants (shape arithmetic after a Shape node, too). */
export function foldConstant(graph: Graph, node: GraphNode): boolean {
  if (!foldable.has(node.op) || node.op === 'Constant') return false;
  const c = foldNode(node, node.inputs.map((i) => (i ? graph.consts.get(i) : undefined)));
  if (c && node.outputs[0]) graph.consts.set(node.outputs[0], c);
  return c !== undefined;
}

function foldNode(node: GraphNode, args: (Constant | undefined)[]): Constant | undefined {
  const x = args[0];
  if (!x || args.some((a, i) => !a && node.inputs[i])) return undefined;
  switch (node.op) {
    case 'Identity':
    case 'Cast':
      return x;
    case 'QuantizeLinear':
    case 'DequantizeLinear':
      return { dims: x.dims };
    case 'Transpose': {
      const perm = ints(node, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
      return perm.length === x.dims.length && perm.every((p) => p >= 0 && p < x.dims.length) ? { dims: perm.map((p) => x.dims[p]) } : undefined;
    }
    case 'Reshape': {
      const dims = args[1] && reshapeDims(x.dims, args[1].values);
      return dims ? { dims, values: x.values } : undefined;
    }
    case 'Slice':
    case 'Concat':
    case 'Gather':
    case 'Unsqueeze':
    case 'Squeeze':
      return foldVector(node, args as Constant[]);
    default:
      return undefined;
  }
}

/**
 * Shape arithmetic on small 1-D (or scalar) constants: the `Shape → Slice/Gather → Concat → Reshape`
 * chains exporters write for a dynamic flatten. Anything else is left unfolded.
 */
function foldVector(node: GraphNode, args: Constant[]): Constant | undefined {
  if (args.some((a) => !a.values || a.dims.length > 1)) return undefined;
  const v = args[0].values!;
  const at = (i: number, n: number) => (i < 0 ? i + n : i);
  switch (node.op) {
    case 'Concat': {
      const values = args.flatMap((a) => a.values!);
      return { dims: [values.length], values };
    }
    case 'Gather': {
      const idx = args[1].values!.map((i) => v[at(i, v.length)]);
      return idx.some((x) => x === undefined) ? undefined : { dims: args[1].dims.length === 0 ? [] : [idx.length], values: idx };
    }
    case 'Slice': {
      const starts = args[1]?.values ?? ints(node, 'starts');
      const ends = args[2]?.values ?? ints(node, 'ends');
      if (!starts || !ends || starts.length !== 1) return undefined;
      const from = Math.max(0, Math.min(v.length, at(starts[0], v.length)));
      const to = Math.max(0, Math.min(v.length, at(ends[0], v.length)));
      const values = v.slice(from, to);
      return { dims: [values.length], values };
    }
    case 'Unsqueeze':
      return args[0].dims.length === 0 ? { dims: [1], values: v } : undefined;
    case 'Squeeze':
      return v.length === 1 ? { dims: [], values: v } : undefined;
    default:
      return undefined;
  }
}

/** Reshape's target dims (0 copies, −1 infers); undefined when the shape is unknown or does not fit. */
export function reshapeDims(from: number[], shape: number[] | undefined): number[] | undefined {
  if (!shape) return undefined;
  const total = product(from);
  const dims = shape.map((d, i) => (d === 0 ? from[i] : d));
  if (dims.some((d) => d === undefined || d < -1) || dims.filter((d) => d === -1).length > 1) return undefined;
  const known = product(dims.filter((d) => d !== -1));
  const filled = dims.map((d) => (d === -1 ? (known > 0 ? total / known : 0) : d));
  return product(filled) === total && filled.every(Number.isInteger) ? filled : undefined;
}

export function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function constantNode(node: GraphNode, out: Reporter): Constant | undefined {
  const a = [...node.attrs.values()][0];
  if (!a) return undefined;
  if (a.t) return readTensor(a.t, node.outputs[0] ?? node.name, out);
  if (a.name === 'value_float') return { dims: [], values: [a.f ?? 0] };
  if (a.name === 'value_int') return { dims: [], values: [toNumber(a.i)] };
  if (a.name === 'value_floats') return { dims: [a.floats?.length ?? 0], values: (a.floats ?? []).slice(0, maxValues) };
  if (a.name === 'value_ints') return { dims: [a.ints?.length ?? 0], values: (a.ints ?? []).slice(0, maxValues).map(toNumber) };
  return undefined;
}

/** Element sizes of the numeric types whose raw data the importer reads. */
const rawSizes: Partial<Record<number, number>> = { 1: 4, 2: 1, 3: 1, 5: 2, 6: 4, 7: 8, 11: 8 };

/** Dims and (for small tensors) values; sizes are checked before any data is copied. */
export function readTensor(t: onnx.ITensorProto, name: string, out: Reporter): Constant | undefined {
  const dims = (t.dims ?? []).map(toNumber);
  if (!checkDims(name, dims, out)) return undefined;
  const count = product(dims);
  if (count > maxValues) return { dims };
  const type = t.dataType ?? 0;
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const size = rawSizes[type];
    if (!size) return { dims };
    if (raw.length !== count * size) {
      out.report('onnxMalformed', `tensor '${name}' holds ${raw.length} bytes of data for ${count} elements of ${size} bytes`);
      return undefined;
    }
    // A decoded rawData is a view into the file buffer at any alignment: copy it, read it by DataView.
    // (new Uint8Array(raw) copies even when raw is a Node Buffer, whose slice() is another view.)
    const view = new DataView(new Uint8Array(raw).buffer);
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(readRaw(view, type, i * size));
    return { dims, values };
  }
  const typed: ArrayLike<number | Long> = t.floatData?.length ? t.floatData : t.int32Data?.length ? t.int32Data : t.int64Data?.length ? t.int64Data : t.doubleData?.length ? t.doubleData : [];
  if (typed.length === 0) return { dims };
  if (typed.length !== count) {
    out.report('onnxMalformed', `tensor '${name}' holds ${typed.length} values for dims [${dims.join(', ')}]`);
    return undefined;
  }
  return { dims, values: Array.from(typed, (v) => toNumber(v as number | Long)) };
}

function readRaw(view: DataView, type: number, at: number): number {
  switch (type) {
    case 1: return view.getFloat32(at, true);
    case 2: return view.getUint8(at);
    case 3: return view.getInt8(at);
    case 5: return view.getInt16(at, true);
    case 6: return view.getInt32(at, true);
    case 7: return Number(view.getBigInt64(at, true));
    default: return view.getFloat64(at, true);
  }
}

/** Refuses negative, huge or overflowing dims before anything is sized from them. */
export function checkDims(name: string, dims: readonly number[], out: Reporter): boolean {
  const count = product(dims);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0 || d > maxDim) || !(count <= maxElements)) {
    out.report('onnxTooLarge', name, Number.isFinite(count) ? count : 'too many', dims.join(', '), `${maxElements} elements of at most ${maxDim} per dimension`);
    return false;
  }
  return true;
}

const attributeTypeNames: Record<number, string> = { 1: 'FLOAT', 2: 'INT', 3: 'STRING', 4: 'TENSOR', 6: 'FLOATS', 7: 'INTS', 8: 'STRINGS' };

/** Reads attributes of one node, reporting wrong types (the attribute's `type` must match). */
export class Attributes {
  constructor(private readonly node: GraphNode, private readonly out: Reporter) {}

  private get(name: string, type: number): onnx.IAttributeProto | undefined {
    const a = this.node.attrs.get(name);
    if (!a) return undefined;
    if (a.type !== type) {
      this.out.report('onnxBadAttribute', name, this.node.op, this.node.name, `expected ${attributeTypeNames[type]} but it is ${attributeTypeNames[a.type ?? 0] ?? `type ${a.type ?? 0}`}`);
      return undefined;
    }
    return a;
  }

  int(name: string, fallback: number): number {
    const a = this.get(name, 2);
    return a ? toNumber(a.i) : fallback;
  }

  float(name: string): number | undefined {
    const a = this.get(name, 1);
    return a ? a.f ?? 0 : undefined;
  }

  ints(name: string): number[] | undefined {
    const a = this.get(name, 7);
    return a ? (a.ints ?? []).map(toNumber) : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.get(name, 3);
    return a?.s ? new TextDecoder().decode(a.s) : fallback;
  }
}

/** INTS attribute without reporting (constant folding is best effort). */
function ints(node: GraphNode, name: string): number[] | undefined {
  const a = node.attrs.get(name);
  return a && a.type === 7 ? (a.ints ?? []).map(toNumber) : undefined;
}
