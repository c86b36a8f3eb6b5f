import { Activation } from '../language/ast';
import { findGates } from './onnxGate';
import { Graph, GraphNode, Reporter } from './onnxGraph';
import { AxisWindow, NodeInfo, Shapes } from './onnxShapes';
import { takesFusedAdd } from '../model/kernelFit';

/**
 * The graph walk of the ONNX import: aliases are transparent (Relu and Clip attach to the layer before
 * them), `x·f(x)` — HardSwish, Swish — is one `act` layer of x (onnxGate.ts), every other node becomes
 * a layer that reads the layers before it, and an Add that closes a chain of layers back to that
 * chain's input is fused into the chain's last layer as a residual block, the way a .pnet writes it.
 * What is left is a chain for a chain-shaped graph and a graph (layers with sources) otherwise.
 */

type LayerInfo = Exclude<NodeInfo, { kind: 'alias' | 'unsupported' }>;


/** One layer before it becomes an op: its node, the layers it reads, its first input's and its output's dims. */
export interface Draft {
  node: GraphNode;
  info: LayerInfo;
  act: Activation;
  /** Draft indices of the tensors it reads, in order (−1: the graph input); the full-size one first. */
  sources: number[];
  in: number[];
  out: number[];
}

export interface Walk {
  drafts: Draft[];
  /** Residual blocks as [first, end) draft indices: the last layer adds the first one's input. */
  residuals: [number, number][];
}

export function walkGraph(graph: Graph, s: Shapes, out: Reporter): Walk | undefined {
  const canon = new Map<string, string>();
  const root = (v: string) => canon.get(v) ?? v;
  const acts = new Map<string, Activation>();
  const layers: number[] = [];
  const gates = findGates(graph, s);
  const absorbed = new Set([...gates.values()].flatMap((g) => g.absorbed));
  // A Max/Min with a constant right after a table activation clamps its table (TensorFlow's exports).
  const clamps = new Map<number, { min?: number; max?: number; last: GraphNode }>();
  const readers = new Map<string, number>();
  for (const node of graph.nodes) for (const i of node.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  // A gate's Mul is a layer of x alone; its node is the one whose output the activation is.
  const infoOf = (n: number): NodeInfo | undefined => {
    const info = gates.has(n) ? { kind: 'act' as const, table: gates.get(n)!.table } : s.info.get(n);
    const clamp = clamps.get(n);
    return info?.kind === 'act' && clamp ? { kind: 'act', table: { ...info.table, ...(clamp.min !== undefined ? { min: clamp.min } : {}), ...(clamp.max !== undefined ? { max: clamp.max } : {}) } } : info;
  };
  const dataOf = (n: number): string[] => (gates.has(n) ? [gates.get(n)!.x] : s.data.get(n) ?? []);
  const nodeOf = (n: number): GraphNode => clamps.get(n)?.last ?? gates.get(n)?.last ?? graph.nodes[n];
  for (const n of graph.order) {
    const info = infoOf(n);
    const node = graph.nodes[n];
    const data = s.data.get(n) ?? [];
    if (!info || info.kind === 'unsupported') continue;
    if (absorbed.has(n)) {
      // The /6 after a gate's Mul: its readers read the activation layer.
      if (gates.has(graph.producer.get(data[0] ?? '') ?? -1)) canon.set(node.outputs[0], root(data[0]));
      continue;
    }
    if (info.kind === 'act' && info.table.fn === 'clip' && (node.op === 'Max' || node.op === 'Min')) {
      // The table activation before it, read by it alone: its table takes the clamp.
      const act = graph.producer.get(root(data[0]));
      const c = info.table[node.op === 'Max' ? 'min' : 'max'];
      const clamp = act === undefined ? undefined : clamps.get(act) ?? { last: node };
      if (c !== undefined && act !== undefined && clamp && infoOf(act)?.kind === 'act' && readers.get(data[0]) === 1 && clamp[node.op === 'Max' ? 'min' : 'max'] === undefined) {
        clamps.set(act, { ...clamp, [node.op === 'Max' ? 'min' : 'max']: c, last: node });
        canon.set(node.outputs[0], root(data[0]));
        continue;
      }
    }
    if (info.kind === 'alias') {
      const from = root(data[0]);
      canon.set(node.outputs[0], from);
      if (info.reshape && changesLayout(s.shapes.get(data[0]) ?? [], s.shapes.get(node.outputs[0]) ?? [])) {
        out.report('onnxUnsupportedOp', node.op, node.name, `: it changes the layout ([${s.shapes.get(data[0])?.join(', ') ?? '?'}] → [${s.shapes.get(node.outputs[0])?.join(', ') ?? '?'}])`);
      }
      if (info.act) attachActivation(graph, s, node, from, info, acts, out);
      continue;
    }
    if (info.kind === 'mul' && root(data[0]) === root(data[1])) {
      // x·f(x) where f passes through (a Relu, a Clip): no gate onnxGate.ts knows (HardSwish, Swish).
      out.report('onnxUnsupportedOp', node.op, node.name, ': x·f(x) with f other than HardSwish, HardSigmoid or Sigmoid (the firmware runs HardSwish and Swish gates)');
      continue;
    }
    layers.push(n);
  }
  if (out.errors > 0) return undefined;

  const producer = new Map<string, number>([[root(s.input), -1]]);
  const drafts: Draft[] = [];
  for (const n of executionOrder(layers, (n) => dataOf(n).map(root), (n) => graph.nodes[n].outputs[0], (v) => size(s.shapes.get(v)))) {
    const node = nodeOf(n);
    const raw = dataOf(n);
    const data = raw.map(root);
    const sources = data.map((d) => producer.get(d));
    if (sources.some((d) => d === undefined)) return fail(out, 'onnxInput', `${node.op} '${node.name}' reads '${data[sources.indexOf(undefined)]}', which no layer makes`);
    const info = infoOf(n) as LayerInfo;
    // The dims this node reads (after any view of its source: a TensorFlow NHWC input reshaped to NCHW).
    const dims = raw.map((d) => s.shapes.get(d) ?? []);
    // An SE scale's full-size tensor first: it is the one the layer's input shape describes.
    const order = info.kind === 'mul' && size(dims[1]) > size(dims[0]) ? [1, 0] : dims.map((_, i) => i);
    const made = graph.nodes[n].outputs[0];
    drafts.push({ node, info, act: acts.get(made) ?? 'none', sources: order.map((i) => sources[i]!), in: dims[order[0]], out: s.shapes.get(made) ?? [] });
    producer.set(made, drafts.length - 1);
  }
  if (drafts.length === 0) return fail(out, 'onnxInput', 'it has no Conv, pooling or Gemm/MatMul layer');
  if (graph.outputs.length !== 1) return fail(out, 'onnxInput', `it has ${graph.outputs.length} outputs`);
  const last = producer.get(root(graph.outputs[0]));
  if (last !== drafts.length - 1) return fail(out, 'onnxInput', `the graph output '${graph.outputs[0]}' is not made by its last layer`);
  return fuseResiduals(drafts, out);
}

/**
 * The order the layers run in, which sets what is live at each step: ONNX's order is any
 * topological one (exporters often start a branch early and keep its tensor for the whole backbone).
 * Greedy by memory: of the layers whose inputs are ready, the one that adds the fewest bytes (its
 * output less the inputs it reads last) runs next; ties keep the file's order. A chain keeps its order.
 */
function executionOrder(layers: number[], reads: (n: number) => string[], writes: (n: number) => string, bytes: (v: string) => number): number[] {
  const readers = new Map<string, number>();
  for (const n of layers) for (const v of new Set(reads(n))) readers.set(v, (readers.get(v) ?? 0) + 1);
  const made = new Set(layers.map(writes));
  const ready = new Set<string>([...readers.keys()].filter((v) => !made.has(v)));
  const left = [...layers];
  const order: number[] = [];
  while (left.length > 0) {
    let pick = -1;
    let best = Infinity;
    for (const [i, n] of left.entries()) {
      const inputs = [...new Set(reads(n))];
      if (!inputs.every((v) => ready.has(v))) continue;
      const delta = bytes(writes(n)) - inputs.reduce((sum, v) => sum + (readers.get(v) === 1 ? bytes(v) : 0), 0);
      if (delta < best) [pick, best] = [i, delta];
    }
    if (pick < 0) return [...order, ...left];
    const [n] = left.splice(pick, 1);
    for (const v of new Set(reads(n))) readers.set(v, readers.get(v)! - 1);
    ready.add(writes(n));
    order.push(n);
  }
  return order;
}

function fail(out: Reporter, id: 'onnxInput', why: string): undefined {
  out.report(id, why);
  return undefined;
}

const chainKinds = new Set(['conv', 'pool']);
/** A table activation may run inside the fused run; the shortcut is added by its last conv. */
const innerKinds = new Set([...chainKinds, 'act']);

/**
 * Can an Add be fused into this layer: a conv the kernels with a fused add run (model/fusedAdd.ts).
 * After any other (a pool, a 1×3 or grouped conv) the Add stays a layer of its own.
 */
function takesAdd(d: Draft): boolean {
  if (d.info.kind !== 'conv') return false;
  const { group, cout, rows, cols } = d.info;
  const cin = d.in[1];
  const window = (a: AxisWindow) => ({ k: a.k, s: a.s, p: a.begin, pEnd: a.end });
  const depthwise = group > 1 && group === cin;
  return takesFusedAdd({ kind: depthwise ? 'dwconv' : 'conv', groups: depthwise ? 1 : group, rows: window(rows), cols: window(cols), inC: cin, outC: cout });
}

/**
 * Fuses each Add of x and y where y ends a run of single-input conv/pool layers that starts from x
 * (y a conv that takes a fused add),
 * nothing else reads x or the run's inner tensors, and the run overlaps no other residual block.
 * The fused Add disappears; its readers read the run's last layer.
 */
function fuseResiduals(drafts: Draft[], out: Reporter): Walk {
  const readers = new Map<number, number[]>();
  drafts.forEach((d, i) => d.sources.forEach((src) => readers.set(src, [...(readers.get(src) ?? []), i])));
  const only = (t: number, rs: number[]) => {
    const r = readers.get(t) ?? [];
    return r.length === rs.length && rs.every((x) => r.includes(x));
  };
  const fused = new Map<number, number>();
  const taken = new Set<number>();
  const residuals: [number, number][] = [];
  for (const [a, add] of drafts.entries()) {
    if (add.info.kind !== 'add' || add.sources[0] === add.sources[1]) continue;
    for (const [y, x] of [[add.sources[0], add.sources[1]], [add.sources[1], add.sources[0]]]) {
      if (y < 0 || !takesAdd(drafts[y]) || !only(y, [a])) continue;
      let f = y;
      while (f > 0 && drafts[f].sources.length === 1 && drafts[f].sources[0] !== x && drafts[f].sources[0] === f - 1 && innerKinds.has(drafts[f - 1].info.kind) && only(f - 1, [f])) f--;
      const run = Array.from({ length: y - f + 1 }, (_, i) => f + i);
      if (drafts[f].sources.length !== 1 || drafts[f].sources[0] !== x || !only(x, [f, a]) || run.some((i) => taken.has(i))) continue;
      run.forEach((i) => taken.add(i));
      residuals.push([f, y + 1]);
      fused.set(a, y);
      if (add.act !== 'none') out.report('onnxApproximated', add.node.op, add.node.name, 'an activation after the residual Add is analysed as free (the firmware applies activations before the add)');
      break;
    }
  }
  // Drop the fused adds: renumber the drafts, their readers read the run's last layer instead.
  const index = new Map<number, number>([[-1, -1]]);
  const kept: Draft[] = [];
  drafts.forEach((d, i) => {
    if (!fused.has(i)) index.set(i, kept.push(d) - 1);
  });
  const target = (src: number): number => index.get(fused.has(src) ? fused.get(src)! : src)!;
  for (const d of kept) d.sources = d.sources.map(target);
  return { drafts: kept, residuals: residuals.map(([f, e]) => [index.get(f)!, index.get(e - 1)! + 1] as [number, number]).sort((p, q) => p[0] - q[0]) };
}

function attachActivation(graph: Graph, s: Shapes, node: GraphNode, target: string, info: Extract<NodeInfo, { kind: 'alias' }>, acts: Map<string, Activation>, out: Reporter): void {
  const producer = graph.producer.get(target);
  const kind = producer === undefined ? undefined : s.info.get(producer)?.kind;
  if (kind !== undefined && kind !== 'alias' && kind !== 'unsupported') {
    if (info.act && !acts.has(target)) acts.set(target, info.act);
  } else if (info.act) {
    out.report('onnxApproximated', node.op, node.name, 'an activation on the graph input is analysed as free');
  }
}

function size(dims: number[] | undefined): number {
  return (dims ?? []).reduce((a, b) => a * b, 1);
}

/** A reshape the IR cannot express: neither a view of the same elements nor a flatten for a fully connected layer. */
export function changesLayout(from: number[], to: number[]): boolean {
  return !isView(from, to) && !isFlatten(to);
}

/** A reshape that keeps the element order: the dims other than 1 are the same, in order. */
function isView(from: number[], to: number[]): boolean {
  const a = from.filter((d) => d !== 1);
  const b = to.filter((d) => d !== 1);
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isFlatten(dims: number[]): boolean {
  return dims.length === 2 && dims[0] === 1;
}
