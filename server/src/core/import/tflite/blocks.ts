import { OpAst } from '../../language/ast';
import { Range } from '../../language/diagnostics';
import { ImportedBlock, ImportedOp } from '../../model/build';
import { LayerRole } from '../../model/ir';
import { TflLayer } from './walk';
import { takesFusedAdd } from '../../model/kernelFit';

/**
 * The last passes of the TFLite import: an ADD that closes a chain of convolutions back to the
 * chain's input becomes that chain's shortcut (a residual block, the add fused into its last conv,
 * as a .pnet mbconv writes it), then the layers are grouped into blocks like the .pnet ops they
 * match and each becomes the op the model builder takes.
 */

const chainKinds = new Set(['conv', 'dwconv', 'pool']);

/** Fuses identity shortcuts; returns the layers left and the residual runs as [first, end). */
export function fuseResiduals(layers: TflLayer[], inputC: number): { layers: TflLayer[]; residuals: [number, number][] } {
  // The add is fused only into a conv the kernels with a fused add run (model/fusedAdd.ts).
  const takesAdd = (l: TflLayer) => {
    const inC = l.sources[0] < 0 ? inputC : layers[l.sources[0]].out.c;
    return takesFusedAdd({ kind: l.kind, groups: l.kind === 'dwconv' ? 1 : l.groups, rows: l.rows, cols: l.cols, inC, outC: l.out.c });
  };
  const readers = new Map<number, number[]>();
  layers.forEach((l, i) => l.sources.forEach((s) => readers.set(s, [...(readers.get(s) ?? []), i])));
  const only = (t: number, rs: number[]) => {
    const r = readers.get(t) ?? [];
    return r.length === rs.length && rs.every((x) => r.includes(x));
  };
  const fused = new Map<number, number>();
  const runs: [number, number][] = [];
  for (const [a, add] of layers.entries()) {
    if (add.kind !== 'add' || add.act !== 'none' || add.sources[0] === add.sources[1]) continue;
    for (const [y, x] of [[add.sources[0], add.sources[1]], [add.sources[1], add.sources[0]]]) {
      if (y < 0 || !takesAdd(layers[y]) || !only(y, [a])) continue;
      let f = y;
      while (f > 0 && layers[f].sources[0] === f - 1 && f - 1 !== x && chainKinds.has(layers[f - 1].kind) && only(f - 1, [f])) f--;
      const taken = runs.some(([s, e]) => f < e && s <= y);
      if (layers[f].sources.length !== 1 || layers[f].sources[0] !== x || !only(x, [f, a]) || taken) continue;
      runs.push([f, y + 1]);
      fused.set(a, y);
      layers[y].fusedAdd = add.op;
      break;
    }
  }
  const index = new Map<number, number>([[-1, -1]]);
  const kept: TflLayer[] = [];
  layers.forEach((l, i) => {
    if (!fused.has(i)) index.set(i, kept.push(l) - 1);
  });
  const target = (s: number): number => index.get(fused.get(s) ?? s)!;
  for (const l of kept) l.sources = l.sources.map(target);
  const residuals = runs.map(([f, e]) => [index.get(f)!, index.get(e - 1)! + 1] as [number, number]).sort((p, q) => p[0] - q[0]);
  return { layers: kept, residuals };
}

const isPointwise = (l: TflLayer | undefined) => l?.kind === 'conv' && l.groups === 1 && l.rows.k === 1 && l.cols.k === 1 && l.rows.s === 1 && l.cols.s === 1;
const isDepthwise = (l: TflLayer | undefined) => l?.kind === 'dwconv';

/** Blocks: every residual run; between them an `mbconv` where pw → dw → pw (or dw → pw) follow; one block per other layer. */
export function toBlocks(layers: TflLayer[], residuals: [number, number][], inputChannels: number, range: Range): ImportedBlock[] {
  const blocks: ImportedBlock[] = [];
  const chained = (i: number) => layers[i] !== undefined && layers[i].sources.length === 1 && layers[i].sources[0] === i - 1;
  const make = (first: number, n: number, residual: boolean): void => {
    const ls = layers.slice(first, first + n);
    const roles = mbconvRoles(ls);
    const ops = ls.map((l, k) => ({ ...toOp(l, first + k, range), ...(roles ? { role: roles[k] } : {}) }));
    blocks.push({ ops, residual, label: roles ? mbconvLabel(ls, ls[0].sources[0] < 0 ? inputChannels : layers[ls[0].sources[0]].out.c) : residual ? `residual block (${n} layers)` : singleLabel(ls[0]) });
  };
  let i = 0;
  for (const [start, end] of [...residuals, [layers.length, layers.length] as [number, number]]) {
    while (i < start) {
      const mb3 = isPointwise(layers[i]) && isDepthwise(layers[i + 1]) && isPointwise(layers[i + 2]) && chained(i + 1) && chained(i + 2) && i + 3 <= start;
      const mb2 = isDepthwise(layers[i]) && isPointwise(layers[i + 1]) && chained(i + 1) && i + 2 <= start;
      const n = mb3 ? 3 : mb2 ? 2 : 1;
      make(i, n, false);
      i += n;
    }
    if (end > start) make(start, end - start, true);
    i = end;
  }
  return blocks;
}

function mbconvRoles(ls: TflLayer[]): LayerRole[] | undefined {
  if (ls.length === 3 && isPointwise(ls[0]) && isDepthwise(ls[1]) && isPointwise(ls[2])) return ['expand', 'dw', 'project'];
  if (ls.length === 2 && isDepthwise(ls[0]) && isPointwise(ls[1])) return ['dw', 'project'];
  return undefined;
}

function mbconvLabel(ls: TflLayer[], inputChannels: number): string {
  const dw = ls[ls.length - 2];
  const e = ls.length === 3 ? ls[0].out.c / inputChannels : 1;
  return `mbconv e${Number.isInteger(e) ? e : e.toFixed(2)} k${window(dw.rows.k, dw.cols.k)} s${window(dw.rows.s, dw.cols.s)}`;
}

export function singleLabel(l: TflLayer): string {
  const k = window(l.rows.k, l.cols.k);
  const s = window(l.rows.s, l.cols.s);
  switch (l.kind) {
    case 'conv': return `conv k${k} s${s}${l.groups > 1 ? ` g${l.groups}` : ''}`;
    case 'dwconv': return `dwconv k${k} s${s}${l.out.c > l.groups ? ` m${l.out.c / l.groups}` : ''}`;
    case 'pool': return `pool ${l.poolMode} k${k} s${s}`;
    case 'gpool': return 'pool global';
    case 'fc': return `fc ${l.out.c}`;
    case 'act': return `act ${l.table?.fn}`;
    case 'resize': return `resize ${l.resize?.mode}`;
    case 'concat': return `concat ${l.sources.length}`;
    case 'mul': return 'scale';
    default: return l.kind;
  }
}

function window(r: number, c: number): string {
  return r === c ? String(r) : `${r}x${c}`;
}

/** The op of one layer: a conv, pool or fc as the parser would give it (exact windows beside); any other kind as a graph op. */
function toOp(l: TflLayer, index: number, range: Range): ImportedOp {
  const values = new Map<string, number | string>();
  const sources = l.sources.length === 1 && l.sources[0] === index - 1 ? {} : { sources: l.sources };
  const place = (op: OpAst['op']): OpAst => ({ kind: 'op', op, values, valueRanges: new Map([...values.keys()].map((k) => [k, range])), headRange: range, range, line: range.start.line });
  const windows = { rows: l.rows, cols: l.cols };
  if (l.kind === 'conv' || l.kind === 'dwconv' || l.kind === 'pool') {
    values.set('k', l.rows.k).set('s', l.rows.s).set('pad', l.rows.p);
    if (l.cols.k !== l.rows.k || l.cols.s !== l.rows.s || l.cols.p !== l.rows.p) values.set('kw', l.cols.k).set('sw', l.cols.s).set('pw', l.cols.p);
  }
  switch (l.kind) {
    case 'conv':
      values.set('out', l.out.c).set('groups', l.groups).set('act', l.act);
      return { op: place('conv'), node: l.node, ...sources, ...windows };
    case 'dwconv':
      values.set('out', l.out.c).set('act', l.act);
      return { op: place('dwconv'), node: l.node, ...sources, ...windows };
    case 'pool':
      values.set('mode', l.poolMode ?? 'avg');
      return { op: place('pool'), node: l.node, ...sources, ...windows };
    case 'gpool':
      values.set('mode', 'global');
      return { op: place('pool'), node: l.node, ...sources };
    case 'fc':
      values.set('out', l.out.c).set('act', l.act);
      return { op: place('fc'), node: l.node, ...sources };
    default:
      return {
        op: place('conv'),
        node: l.node,
        sources: l.sources,
        graph: { kind: l.kind, output: l.out, act: l.act, rows: l.rows, cols: l.cols, ...(l.table ? { table: l.table } : {}), ...(l.resize ? { resize: l.resize } : {}) },
      };
  }
}
