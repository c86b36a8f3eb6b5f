import { Layer } from '../model/ir';
import { Graph, GraphNode } from './onnxGraph';
import { Shapes } from './onnxShapes';

/**
 * Gating activations written as x·f(x) with ONNX's elementary ops — what exporters emit for
 * HardSwish before opset 14 (x·Clip(x+3, 0, 6)/6, x·HardSigmoid(x)) and for Swish (x·Sigmoid(x)).
 * Found before the walk so that the Mul becomes one `act` layer (a table of x, in place) and f's own
 * nodes make no layer: the table needs the whole function, not its steps.
 */

export interface Gate {
  table: NonNullable<Layer['table']>;
  /** The gate's own nodes and a trailing /6, none of which makes a layer. */
  absorbed: number[];
  /** The node whose output is the activation's (the Mul, or the /6 after it). */
  last: GraphNode;
  /** The gated tensor x. */
  x: string;
}

/** Ops a gate f may be built of (one activation input each; a constant operand where binary). */
const gateOps = new Set(['Add', 'Sub', 'Mul', 'Div', 'Clip', 'HardSigmoid', 'Sigmoid']);

/** Every x·f(x) Mul of the graph whose f is a function the runtime has a table for, by Mul node index. */
export function findGates(graph: Graph, s: Shapes): Map<number, Gate> {
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  const gates = new Map<number, Gate>();
  for (const n of graph.order) {
    const node = graph.nodes[n];
    const data = s.data.get(n) ?? [];
    if (node.op !== 'Mul' || data.length !== 2 || s.info.get(n)?.kind !== 'mul') continue;
    for (const [x, g] of [[data[0], data[1]], [data[1], data[0]]]) {
      const chain = gateChain(graph, s, readers, x, g);
      const gate = chain && classify(graph, readers, node, chain, x);
      if (gate) {
        gates.set(n, gate);
        break;
      }
    }
  }
  return gates;
}

/** The nodes from x to g, each with one activation input read by the next only (at most 5); undefined otherwise. */
function gateChain(graph: Graph, s: Shapes, readers: Map<string, number>, x: string, g: string): GraphNode[] | undefined {
  const chain: GraphNode[] = [];
  for (let v = g; v !== x; ) {
    const p = graph.producer.get(v);
    const node = p === undefined ? undefined : graph.nodes[p];
    const data = p === undefined ? [] : s.data.get(p) ?? [];
    if (!node || !gateOps.has(node.op) || data.length !== 1 || readers.get(v) !== 1 || chain.length === 5) return undefined;
    chain.unshift(node);
    v = data[0];
  }
  return chain.length > 0 ? chain : undefined;
}

function classify(graph: Graph, readers: Map<string, number>, mul: GraphNode, chain: GraphNode[], x: string): Gate | undefined {
  const ops = chain.map((c) => c.op).join(' ');
  const absorbed = chain.map((c) => c.index);
  const gate = (fn: 'hardswish' | 'swish', last = mul, extra: number[] = []): Gate => ({ table: { fn }, absorbed: [...absorbed, ...extra], last, x });
  if (ops === 'Sigmoid') return gate('swish');
  if (ops === 'HardSigmoid') return near(float(chain[0], 'alpha') ?? 0.2, 1 / 6) && near(float(chain[0], 'beta') ?? 0.5, 0.5) ? gate('hardswish') : undefined;
  const [add, clip, scale] = chain;
  if (add.op !== 'Add' || !near(operand(graph, add) ?? NaN, 3) || clip?.op !== 'Clip' || !clipsTo(graph, clip, 0, 6)) return undefined;
  if (chain.length === 3) return isSixth(graph, scale) ? gate('hardswish') : undefined;
  if (chain.length !== 2) return undefined;
  // x·Clip(x+3, 0, 6) then /6: the /6 after the Mul belongs to the activation.
  const after = readers.get(mul.outputs[0]) === 1 ? graph.nodes.find((n) => n.inputs[0] === mul.outputs[0]) : undefined;
  return after && isSixth(graph, after) ? gate('hardswish', after, [after.index]) : undefined;
}

/** Div by 6 or Mul by 1/6. */
function isSixth(graph: Graph, node: GraphNode | undefined): boolean {
  const c = node && operand(graph, node);
  return c !== undefined && ((node!.op === 'Div' && near(c, 6)) || (node!.op === 'Mul' && near(c, 1 / 6)));
}

/** The scalar constant operand of a binary node (its second input). */
function operand(graph: Graph, node: GraphNode): number | undefined {
  const values = graph.consts.get(node.inputs[1] ?? '')?.values;
  return values && values.length === 1 ? values[0] : undefined;
}

function clipsTo(graph: Graph, clip: GraphNode, lo: number, hi: number): boolean {
  const bound = (i: number, attr: string) => (clip.inputs[i] ? graph.consts.get(clip.inputs[i])?.values?.[0] : float(clip, attr));
  return bound(1, 'min') === lo && bound(2, 'max') === hi;
}

function float(node: GraphNode, name: string): number | undefined {
  const a = node.attrs.get(name);
  return a && a.type === 1 ? a.f ?? 0 : undefined;
}

/** Equal as float32 constants are (1/6 is stored rounded). */
function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}
