import { Activation, OpAst } from '../language/ast';
import { Range } from '../language/diagnostics';
import { ImportedBlock } from '../model/build';
import { LayerRole } from '../model/ir';
import { Graph, GraphNode, Reporter } from './onnxGraph';
import { AxisWindow, NodeInfo, Shapes } from './onnxShapes';

/**
 * The last pass of the ONNX import: walks the graph from its input as a chain of layers (aliases are
 * transparent, activations attach to the layer before them, an Add of a block input and a later
 * tensor closes a residual block) and groups the layers into blocks like the .pnet ops they match
 * (`mbconv` = expand 1x1 → depthwise → project 1x1). Anything the chain IR cannot hold is reported
 * with the node's name.
 */

type LayerInfo = Extract<NodeInfo, { kind: 'conv' | 'pool' | 'gpool' | 'fc' }>;

/** One layer of the chain before it becomes an op: its node, its ONNX input and output dims. */
export interface Draft {
  node: GraphNode;
  info: LayerInfo;
  act: Activation;
  in: number[];
  out: number[];
}

export interface Chain {
  drafts: Draft[];
  /** Residual blocks as [first, end) draft indices. */
  residuals: [number, number][];
}

export function walkChain(graph: Graph, s: Shapes, out: Reporter): Chain | undefined {
  const canon = new Map<string, string>();
  const root = (v: string) => canon.get(v) ?? v;
  const consumers = new Map<string, number[]>();
  const acts = new Map<string, Activation>();
  const runless = new Map<string, string[]>();
  for (const n of graph.order) {
    const info = s.info.get(n);
    const node = graph.nodes[n];
    const data = s.data.get(n) ?? [];
    if (!info) continue;
    if (info.kind === 'alias') {
      const from = root(data[0]);
      canon.set(node.outputs[0], from);
      if (info.reshape && !isView(s.shapes.get(data[0]) ?? [], s.shapes.get(node.outputs[0]) ?? []) && !isFlatten(s.shapes.get(node.outputs[0]) ?? [])) {
        out.report('onnxUnsupportedOp', node.op, node.name, `: it changes the layout ([${s.shapes.get(data[0])?.join(', ')}] → [${s.shapes.get(node.outputs[0])?.join(', ')}])`);
      }
      if (info.act || info.actName) attachActivation(graph, s, node, from, info, acts, runless, out);
      continue;
    }
    for (const d of new Set(data.map(root))) consumers.set(d, [...(consumers.get(d) ?? []), n]);
  }
  for (const [op, names] of runless) out.report('onnxActivation', `${op} (${names.length} node${names.length > 1 ? 's' : ''})`, names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : ''));
  if (out.errors > 0) return undefined;

  const chain: Chain = { drafts: [], residuals: [] };
  const output = graph.outputs.length === 1 ? root(graph.outputs[0]) : undefined;
  if (!output) {
    out.report('onnxInput', `it has ${graph.outputs.length} outputs`);
    return undefined;
  }
  let cur = root(s.input);
  let branch: { start: number; input: string; add: number } | undefined;
  const names = (ns: number[]) => ns.map((n) => `${graph.nodes[n].op} '${graph.nodes[n].name}'`).join(' and ');
  for (let guard = 0; guard <= graph.nodes.length; guard++) {
    const next = consumers.get(cur) ?? [];
    const kinds = next.map((n) => s.info.get(n)?.kind);
    if (next.length === 0) {
      if (branch) return fail(out, 'onnxInput', `the residual branch from '${branch.input}' ends at '${cur}' without reaching its Add`);
      if (cur !== output) return fail(out, 'onnxInput', `the chain ends at '${cur}' but the graph output is '${graph.outputs[0]}'`);
      break;
    }
    if (branch && next.length === 1 && next[0] === branch.add) {
      chain.residuals.push([branch.start, chain.drafts.length]);
      cur = root(graph.nodes[branch.add].outputs[0]);
      branch = undefined;
      continue;
    }
    if (next.length === 1 && kinds[0] !== 'add') {
      cur = emit(graph, s, next[0], acts, chain);
      continue;
    }
    const add = next.find((_, i) => kinds[i] === 'add');
    const layer = next.find((_, i) => kinds[i] !== 'add');
    if (!branch && next.length === 2 && add !== undefined && layer !== undefined) {
      branch = { start: chain.drafts.length, input: cur, add };
      cur = emit(graph, s, layer, acts, chain);
      continue;
    }
    return fail(out, 'onnxBranch', cur, names(next));
  }
  if (chain.drafts.length === 0) return fail(out, 'onnxInput', 'it has no Conv, pooling or Gemm/MatMul layer');
  return chain;
}

function fail(out: Reporter, id: 'onnxInput' | 'onnxBranch', ...args: string[]): undefined {
  out.report(id, ...args);
  return undefined;
}

function emit(graph: Graph, s: Shapes, n: number, acts: Map<string, Activation>, chain: Chain): string {
  const node = graph.nodes[n];
  const info = s.info.get(n) as LayerInfo;
  const input = (s.data.get(n) ?? [])[0];
  chain.drafts.push({ node, info, act: acts.get(node.outputs[0]) ?? 'none', in: s.shapes.get(input) ?? [], out: s.shapes.get(node.outputs[0]) ?? [] });
  return node.outputs[0];
}

function attachActivation(graph: Graph, s: Shapes, node: GraphNode, target: string, info: Extract<NodeInfo, { kind: 'alias' }>, acts: Map<string, Activation>, runless: Map<string, string[]>, out: Reporter): void {
  const producer = graph.producer.get(target);
  const kind = producer === undefined ? undefined : s.info.get(producer)?.kind;
  if (info.actName) runless.set(info.actName, [...(runless.get(info.actName) ?? []), node.name]);
  if (kind === 'conv' || kind === 'fc' || kind === 'pool' || kind === 'gpool') {
    if (info.act && !acts.has(target)) acts.set(target, info.act);
  } else if (info.act) {
    out.report('onnxApproximated', node.op, node.name, kind === 'add' ? 'an activation after the residual Add is analysed as free (the firmware applies activations before the add)' : 'an activation on the graph input is analysed as free');
  }
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

const isPointwise = (d: Draft | undefined) => d?.info.kind === 'conv' && d.info.group === 1 && d.info.rows.k === 1 && d.info.cols.k === 1 && d.info.rows.s === 1 && d.info.cols.s === 1;
const isDepthwise = (d: Draft | undefined) => d?.info.kind === 'conv' && d.info.group === d.in[1] && d.info.cout === d.in[1] && d.info.group > 1;

/**
 * Blocks as a .pnet would write them: every residual block, then in the chain between them an
 * `mbconv` where expand 1x1 → depthwise → project 1x1 (or depthwise → project) follow, and one block
 * per other layer.
 */
export function toBlocks(chain: Chain, range: Range, out: Reporter): ImportedBlock[] | undefined {
  const blocks: ImportedBlock[] = [];
  let ok = true;
  const make = (ds: Draft[], residual: boolean): void => {
    const mb = mbconvRoles(ds);
    const ops = ds.map((d, i) => {
      const op = toOp(d, range, out);
      if (!op) ok = false;
      return { op: op as OpAst, node: d.node.name, ...(mb ? { role: mb[i] } : {}) };
    });
    blocks.push({ ops, residual, label: mb ? mbconvLabel(ds) : residual ? `residual block (${ds.length} layers)` : singleLabel(ds[0]) });
  };
  let i = 0;
  for (const [start, end] of [...chain.residuals, [chain.drafts.length, chain.drafts.length] as [number, number]]) {
    while (i < start) {
      const d = chain.drafts;
      const n = isPointwise(d[i]) && isDepthwise(d[i + 1]) && isPointwise(d[i + 2]) && i + 3 <= start ? 3 : isDepthwise(d[i]) && isPointwise(d[i + 1]) && i + 2 <= start ? 2 : 1;
      make(d.slice(i, i + n), false);
      i += n;
    }
    if (end > start) make(chain.drafts.slice(start, end), true);
    i = end;
  }
  return ok ? blocks : undefined;
}

function mbconvRoles(ds: Draft[]): LayerRole[] | undefined {
  if (ds.length === 3 && isPointwise(ds[0]) && isDepthwise(ds[1]) && isPointwise(ds[2])) return ['expand', 'dw', 'project'];
  if (ds.length === 2 && isDepthwise(ds[0]) && isPointwise(ds[1])) return ['dw', 'project'];
  return undefined;
}

function mbconvLabel(ds: Draft[]): string {
  const dw = ds[ds.length - 2];
  const e = ds.length === 3 ? ds[0].out[1] / ds[0].in[1] : 1;
  const w = dw.info as Extract<NodeInfo, { kind: 'conv' }>;
  return `mbconv e${Number.isInteger(e) ? e : e.toFixed(2)} k${w.rows.k} s${w.rows.s}`;
}

function singleLabel(d: Draft): string {
  const info = d.info;
  switch (info.kind) {
    case 'conv': return `${isDepthwise(d) ? 'dwconv' : 'conv'} k${window(info.rows.k, info.cols.k)} s${window(info.rows.s, info.cols.s)}${info.group > 1 && !isDepthwise(d) ? ` g${info.group}` : ''}`;
    case 'pool': return `pool ${info.mode} k${window(info.rows.k, info.cols.k)} s${window(info.rows.s, info.cols.s)}`;
    case 'gpool': return 'pool global';
    case 'fc': return `fc ${info.cout}`;
  }
}

function window(r: number, c: number): string {
  return r === c ? String(r) : `${r}x${c}`;
}

/** The .pnet op of one layer: values as the parser would give them, plus kw/sw/pw for non-square windows. */
function toOp(d: Draft, range: Range, out: Reporter): OpAst | undefined {
  const values = new Map<string, number | string>();
  const info = d.info;
  if (info.kind === 'conv' || info.kind === 'pool') {
    const p = irPad(d, info.rows, out);
    const pc = irPad(d, info.cols, out);
    if (p === undefined || pc === undefined) return undefined;
    values.set('k', info.rows.k).set('s', info.rows.s).set('pad', p);
    if (info.cols.k !== info.rows.k || info.cols.s !== info.rows.s || pc !== p) values.set('kw', info.cols.k).set('sw', info.cols.s).set('pw', pc);
  }
  let op: OpAst['op'];
  switch (info.kind) {
    case 'conv':
      op = isDepthwise(d) ? 'dwconv' : 'conv';
      if (op === 'conv') values.set('out', info.cout).set('groups', info.group);
      values.set('act', d.act);
      break;
    case 'pool':
      op = 'pool';
      values.set('mode', info.mode);
      break;
    case 'gpool':
      op = 'pool';
      values.set('mode', 'global');
      break;
    case 'fc':
      op = 'fc';
      values.set('out', info.cout).set('act', d.act);
      break;
  }
  const valueRanges = new Map([...values.keys()].map((k) => [k, range]));
  return { kind: 'op', op, values, valueRanges, headRange: range, range, line: range.start.line };
}

/**
 * The IR pads both sides alike. Asymmetric ONNX padding (TensorFlow's SAME with stride 2) is analysed
 * with the padding that gives ONNX's output length, preferring the leading one (it fixes which input
 * rows each output reads), and reported.
 */
function irPad(d: Draft, w: AxisWindow, out: Reporter): number | undefined {
  const fits = (p: number) => Math.floor((w.n + 2 * p - w.k) / w.s) + 1 === w.out;
  if (w.begin === w.end && fits(w.begin)) return w.begin;
  const p = [w.begin, w.end, Math.floor((w.begin + w.end) / 2), Math.ceil((w.begin + w.end) / 2)].find(fits);
  if (p === undefined) {
    out.report('onnxShape', d.node.op, d.node.name, `padding ${w.begin}+${w.end} with a ${w.k} window and stride ${w.s} on ${w.n} gives ${w.out}, which no symmetric padding gives`);
    return undefined;
  }
  out.report('onnxApproximated', d.node.op, d.node.name, `asymmetric padding ${w.begin}+${w.end} is analysed as ${p} on both sides (same output length ${w.out})`);
  return p;
}
