import { rangeOf } from '../language/diagnostics';
import { findGates } from './onnxGate';
import { GraphNode, readGraph, Reporter } from './onnxGraph';
import { inferShapes, InputFix, NodeInfo, Shapes } from './onnxShapes';
import { changesLayout } from './onnxWalk';

/**
 * What an ONNX import with errors got to, node by node, for the .onnx page to draw instead of a
 * blank: one unsupported node (PP-OCR's recognizer has one Transpose before its sequence head) must
 * not hide the dozens of layers before it. The layers whose shapes are known are `imported` (aliases
 * and activations fold into the layer before them, as the walk folds them), a node an error names
 * is `failed`, and everything that reads from a failed node is `notImported`.
 */

export interface PartialNode {
  /** The node's index in the ONNX graph. */
  index: number;
  name: string;
  op: string;
  info: NodeInfo | undefined;
  /** NCHW dims of its output; undefined when unknown. */
  out?: number[];
  /** Indices into the partial nodes (−1: the graph input). */
  sources: number[];
  /** The activation tensors it reads (constants left out). */
  reads: string[];
  state: 'imported' | 'failed' | 'notImported';
}

export interface PartialImport {
  /** NCHW dims of the graph input; undefined when the import stopped before it. */
  input?: number[];
  nodes: PartialNode[];
}

/** Marks a value that depends on a node that failed. */
const unreached = -2;

/**
 * The graph's nodes as far as the import gets. `failing`: the node names the import's errors name
 * (a shape error leaves no trace in the shapes). Undefined when the bytes are not a graph.
 */
export function partialImport(bytes: Uint8Array, fix: InputFix | undefined, failing: ReadonlySet<string>): PartialImport | undefined {
  // The errors were reported by the import itself; these passes run again only for their results.
  const out = new Reporter(rangeOf(0, 0, 0));
  const graph = readGraph(bytes, out);
  if (!graph) return undefined;
  const shapes = inferShapes(graph, fix, out);
  if (!shapes) return { nodes: [] };
  const producer = new Map<string, number>([[shapes.input, -1]]);
  const nodes: PartialNode[] = [];
  const source = (value: string) => producer.get(value) ?? unreached;
  // As the walk: a gate's Mul (x·f(x)) is one activation layer of x, and f's own nodes make none.
  const gates = findGates(graph, shapes);
  const absorbed = new Set([...gates.values()].flatMap((g) => g.absorbed));
  for (const n of graph.order) {
    const node = graph.nodes[n];
    const data = gates.has(n) ? [gates.get(n)!.x] : shapes.data.get(n);
    if (!data) continue; // folded into a constant
    const info = shapes.info.get(n);
    const sources = [...new Set(data.map(source))];
    const setOutputs = (index: number) => node.outputs.forEach((o) => o && producer.set(o, index));
    if (failing.has(node.name) || fails(node, info, data, shapes)) {
      setOutputs(nodes.push({ index: n, name: node.name, op: node.op, info, out: shapes.shapes.get(node.outputs[0]), sources: sources.filter((s) => s !== unreached), reads: data, state: 'failed' }) - 1);
    } else if (!info || sources.includes(unreached) || sources.some((s) => s >= 0 && nodes[s].state !== 'imported')) {
      setOutputs(nodes.push({ index: n, name: node.name, op: node.op, info, sources: sources.filter((s) => s !== unreached), reads: data, state: 'notImported' }) - 1);
    } else if (absorbed.has(n) || (!gates.has(n) && (info.kind === 'alias' || (info.kind === 'mul' && sources.length === 1)))) {
      // A view, a clamp or an activation folded into the layer before, or a gate's own step: no layer of its own.
      setOutputs(sources[0]);
    } else {
      setOutputs(nodes.push({ index: n, name: node.name, op: node.op, info, out: shapes.shapes.get(node.outputs[0]), sources, reads: data, state: 'imported' }) - 1);
    }
  }
  return { input: shapes.shapes.get(shapes.input), nodes };
}

/** Unsupported, or its shape could not be inferred from known inputs, or a reshape the IR cannot express. */
function fails(node: GraphNode, info: NodeInfo | undefined, data: string[], s: Shapes): boolean {
  const known = data.every((d) => s.shapes.has(d));
  if (info?.kind === 'unsupported' || (!info && known)) return true;
  return info?.kind === 'alias' && !!info.reshape && changesLayout(s.shapes.get(data[0]) ?? [], s.shapes.get(node.outputs[0]) ?? []);
}

/** The node names an import's error messages name (`Transpose node 'p2o.Transpose.0' is not supported yet`). */
export function namedNodes(messages: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const message of messages) for (const m of message.matchAll(/ node '([^']+)'/g)) names.add(m[1]);
  return names;
}
