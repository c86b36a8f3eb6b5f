import { Activation, OpAst } from '../language/ast';
import { Range } from '../language/diagnostics';
import { GraphOpSpec, ImportedBlock, ImportedOp } from '../model/build';
import { ElementKind, GraphKind, Layer, LayerRole } from '../model/ir';
import { Reporter } from './onnxGraph';
import { AxisWindow, NodeInfo } from './onnxShapes';
import { Draft, Walk } from './onnxWalk';

/**
 * The last pass of the ONNX import: groups the walked layers into blocks like the .pnet ops they
 * match (`mbconv` = expand 1x1 → depthwise → project 1x1, residual blocks, squeeze-and-excitation
 * = global pool → 1x1 convs → scale) and turns each layer into the op the model builder takes.
 */

const isPointwise = (d: Draft | undefined) => d?.info.kind === 'conv' && d.info.group === 1 && d.info.rows.k === 1 && d.info.cols.k === 1 && d.info.rows.s === 1 && d.info.cols.s === 1;
const isDepthwise = (d: Draft | undefined) => d?.info.kind === 'conv' && d.info.group === d.in[1] && d.info.cout === d.in[1] && d.info.group > 1;

/**
 * Blocks as a .pnet would write them: every residual block; between them an `mbconv` where expand
 * 1x1 → depthwise → project 1x1 (or depthwise → project) follow, a squeeze-and-excitation block
 * (global pool → 1x1 convs → scale of the pooled tensor), and one block per other layer.
 */
export function toBlocks(walk: Walk, range: Range, out: Reporter): ImportedBlock[] | undefined {
  const d = walk.drafts;
  const blocks: ImportedBlock[] = [];
  let ok = true;
  const chained = (i: number) => d[i] !== undefined && d[i].sources.length === 1 && d[i].sources[0] === i - 1;
  const make = (first: number, n: number, residual: boolean, roles?: LayerRole[], label?: string): void => {
    const ds = d.slice(first, first + n);
    const ops = ds.map((x, k) => {
      const op = toOp(x, first + k, range, out);
      if (!op) ok = false;
      return { ...(op as ImportedOp), ...(roles ? { role: roles[k] } : {}) };
    });
    blocks.push({ ops, residual, label: label ?? (residual ? `residual block (${n} layers)` : singleLabel(ds[0])) });
  };
  let i = 0;
  for (const [start, end] of [...walk.residuals, [d.length, d.length] as [number, number]]) {
    while (i < start) {
      const se = squeezeExcite(d, i, chained);
      const mb3 = isPointwise(d[i]) && isDepthwise(d[i + 1]) && isPointwise(d[i + 2]) && chained(i + 1) && chained(i + 2) && i + 3 <= start;
      const mb2 = isDepthwise(d[i]) && isPointwise(d[i + 1]) && chained(i + 1) && i + 2 <= start;
      const n = se && i + se <= start ? se : mb3 ? 3 : mb2 ? 2 : 1;
      const ds = d.slice(i, i + n);
      const mb = mbconvRoles(ds);
      if (se && n === se) make(i, n, false, ['pool', ...ds.slice(1, -1).map((x): LayerRole => (x.info.kind === 'act' ? 'act' : 'se')), 'mul'], seLabel(ds));
      else make(i, n, false, mb, mb && mbconvLabel(ds));
      i += n;
    }
    if (end > start) {
      const ds = d.slice(start, end);
      const mb = mbconvRoles(ds);
      make(start, end - start, true, mb, mb && mbconvLabel(ds));
    }
    i = end;
  }
  return ok ? blocks : undefined;
}

/** Length of the squeeze-and-excitation run that starts at `i` (0: none); its gate (HardSigmoid, Sigmoid) is an `act` layer. */
function squeezeExcite(d: Draft[], i: number, chained: (i: number) => boolean): number {
  if (d[i]?.info.kind !== 'gpool') return 0;
  let j = i + 1;
  while ((d[j]?.info.kind === 'conv' || (d[j]?.info.kind === 'act' && j > i + 1)) && chained(j)) j++;
  const scale = d[j];
  const ok = j > i + 1 && scale?.info.kind === 'mul' && scale.sources[0] === d[i].sources[0] && scale.sources[1] === j - 1;
  return ok ? j - i + 1 : 0;
}

function seLabel(ds: Draft[]): string {
  const widths = ds.slice(1, -1).filter((x) => x.info.kind === 'conv').map((x) => x.out[1]);
  return `se ${ds[0].in[1]}→${widths.join('→')}`;
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
    case 'convT': return `convT k${window(info.rows.k, info.cols.k)} s${window(info.rows.s, info.cols.s)}`;
    case 'concat': return `concat ${d.sources.length}`;
    case 'resize': return `resize ×${+(d.out[2] / d.in[2]).toFixed(2)}`;
    case 'mul': return 'scale';
    case 'add': return 'add';
    case 'act': return `act ${info.table.fn}`;
    case 'softmax': return 'softmax';
  }
}

function window(r: number, c: number): string {
  return r === c ? String(r) : `${r}x${c}`;
}

/**
 * The op of one layer: for a conv, pool or fc the values the parser would give (plus kw/sw/pw for
 * non-square windows); for a graph op its spec. `sources` only when it reads other than the layer
 * before it.
 */
function toOp(d: Draft, index: number, range: Range, out: Reporter): ImportedOp | undefined {
  const values = new Map<string, number | string>();
  const info = d.info;
  const sources = d.sources.length === 1 && d.sources[0] === index - 1 ? {} : { sources: d.sources };
  const place = (op: OpAst['op']): OpAst => ({ kind: 'op', op, values, valueRanges: new Map([...values.keys()].map((k) => [k, range])), headRange: range, range, line: range.start.line });
  if (info.kind === 'conv' || info.kind === 'pool') {
    const p = irPad(d, info.rows, out);
    const pc = irPad(d, info.cols, out);
    if (p === undefined || pc === undefined) return undefined;
    values.set('k', info.rows.k).set('s', info.rows.s).set('pad', p);
    if (info.cols.k !== info.rows.k || info.cols.s !== info.rows.s || pc !== p) values.set('kw', info.cols.k).set('sw', info.cols.s).set('pw', pc);
  }
  switch (info.kind) {
    case 'conv': {
      const op = isDepthwise(d) ? 'dwconv' : 'conv';
      if (op === 'conv') values.set('out', info.cout).set('groups', info.group);
      values.set('act', d.act);
      return { op: place(op), node: d.node.name, ...sources };
    }
    case 'pool':
      values.set('mode', info.mode);
      return { op: place('pool'), node: d.node.name, ...sources };
    case 'gpool':
      values.set('mode', 'global');
      return { op: place('pool'), node: d.node.name, ...sources };
    case 'fc':
      values.set('out', info.cout).set('act', d.act);
      return { op: place('fc'), node: d.node.name, ...sources };
    default:
      return { op: place('conv'), node: d.node.name, sources: d.sources, graph: graphSpec(d, info) };
  }
}

function graphSpec(d: Draft, info: Extract<NodeInfo, { kind: GraphKind | ElementKind }>): GraphOpSpec {
  const output = d.out.length === 4 ? { h: d.out[2], w: d.out[3], c: d.out[1] } : { h: 1, w: 1, c: d.out[d.out.length - 1] ?? 1 };
  if (info.kind === 'act') return { kind: 'act', output, act: 'none', table: clamped(info.table, d.act) };
  if (info.kind === 'softmax') return { kind: 'softmax', output, act: d.act, ...(info.map ? { softmaxMap: true } : {}) };
  if (info.kind !== 'convT') return { kind: info.kind, output, act: d.act };
  return { kind: 'convT', output, act: d.act, rows: { k: info.rows.k, s: info.rows.s, p: info.rows.begin }, cols: { k: info.cols.k, s: info.cols.s, p: info.cols.begin }, groups: info.group };
}

/** A Relu or Clip(0, 6) after a table activation becomes its table's clamp (the table runs no fused activation). */
function clamped(table: NonNullable<Layer['table']>, act: Activation): NonNullable<Layer['table']> {
  if (act === 'none') return table;
  const min = Math.max(table.min ?? 0, 0);
  const max = act === 'relu6' ? Math.min(table.max ?? 6, 6) : table.max;
  return { ...table, min, ...(max !== undefined ? { max } : {}) };
}

/**
 * The IR pads both sides alike. Asymmetric ONNX padding (TensorFlow's SAME with stride 2) is analysed
 * with the padding that gives ONNX's output length, preferring the leading one (it fixes which input
 * rows each output reads), and reported.
 */
function irPad(d: Draft, w: AxisWindow, out: Reporter): number | undefined {
  const fits = (p: number) => Math.floor((w.n + 2 * p - w.k) / w.s) + 1 === w.out;
  if (w.begin === w.end && fits(w.begin)) return w.begin;
  // A pool's ceil_mode pads the end by up to s − 1 more: those paddings are tried after the given ones.
  const extra = Array.from({ length: w.s }, (_, i) => Math.max(w.begin, w.end) + i + 1);
  const p = [w.begin, w.end, Math.floor((w.begin + w.end) / 2), Math.ceil((w.begin + w.end) / 2), ...extra].find(fits);
  if (p === undefined) {
    out.report('onnxShape', d.node.op, d.node.name, `padding ${w.begin}+${w.end} with a ${w.k} window and stride ${w.s} on ${w.n} gives ${w.out}, which no symmetric padding gives`);
    return undefined;
  }
  const given = w.begin === w.end ? `padding ${w.begin} with ceil_mode` : `asymmetric padding ${w.begin}+${w.end}`;
  out.report('onnxApproximated', d.node.op, d.node.name, `${given} is analysed as ${p} on both sides (same output length ${w.out})`);
  return p;
}
