import { CachedAxisRegions } from '../analysis/cachedRegions';
import { AxisRegions } from '../analysis/patch';
import { Model } from '../model/ir';

// A stage's caches as the firmware keeps them. Patches run in raster order; the lines a patch shares
// with later ones are kept in rings, where line r lives in slot r mod carried, so that a patch stores
// only its new lines and nothing ever shifts: a ring holds the last `carried` lines computed so far,
// which are all that any later patch reads from it (cachedRegions.ts). Their bytes are the analysis'.
//   cache=rows: per layer and column of patches, a ring of rows as wide as that column's region.
//   cache=rows+cols: per layer, a ring of rows across the tensor's width, and a ring of columns as
//   tall as the tallest region, which the patch to the right reads its shared columns from (over
//   all its rows: the row ring's lines there were already replaced by the patch to the left).

/** One copy of `rows` rows of `bytes` bytes between arena offsets (memmove: it may overlap). */
export interface PlannedMove {
  to: number;
  from: number;
  bytes: number;
  rows: number;
  toStride: number;
  fromStride: number;
  /** The buffers (indices into the plan's `buffers`) written and read. */
  into: number;
  outOf: number;
}

/** Where pixel (r, x) of a tensor is stored, and the bytes from one row to the next. */
export interface Grid {
  at(r: number, x: number): number;
  stride: number;
  buffer: number;
}

/** The rings of one stage layer's input, for the patch in column j. */
export interface LayerRings {
  /** Row ring: slot s at start + s·stride, column x at (x − col0)·c. */
  rows: { start: number; stride: number; col0: number; n: number } | null;
  /** Column ring (rows+cols): row r at start + (r − the patch row's first region row)·stride, slot s at s·c. */
  cols: { start: number; stride: number; n: number } | null;
  buffer: number;
}

export interface StageRings {
  /** By layer, then column of patches (one entry per column for cache=rows, the same for rows+cols). */
  layers: (LayerRings[] | null)[];
  bytes: number;
}

const width = (r: AxisRegions, l: number, k: number) => Math.max(0, r.inHi[l * r.parts + k] - r.inLo[l * r.parts + k] + 1);

/** Lays out the rings of layers [start + 1, end) from `offset` on; `buffer(l, start, size)` names them. */
export function layOutRings(model: Model, start: number, end: number, rows: CachedAxisRegions, cols: AxisRegions | CachedAxisRegions, both: boolean, offset: number, buffer: (l: number, at: number, size: number) => number): StageRings {
  const layers: (LayerRings[] | null)[] = new Array(end).fill(null);
  let at = offset;
  for (let l = start + 1; l < end; l++) {
    const c = model.layers[l].input.c;
    const n = rows.carried[l];
    const m = both ? (cols as CachedAxisRegions).carried[l] : 0;
    if (n === 0 && m === 0) continue;
    const first = at;
    const perColumn: Omit<LayerRings, 'buffer'>[] = [];
    if (both) {
      const rowRing = n > 0 ? { start: at, stride: model.layers[l].input.w * c, col0: 0, n } : null;
      at += n * model.layers[l].input.w * c;
      let height = 0;
      for (let i = 0; i < rows.parts; i++) height = Math.max(height, width(rows, l, i));
      const colRing = m > 0 ? { start: at, stride: m * c, n: m } : null;
      at += m * height * c;
      for (let j = 0; j < cols.parts; j++) perColumn.push({ rows: rowRing, cols: colRing });
    } else {
      for (let j = 0; j < cols.parts; j++) {
        const w = width(cols, l, j);
        perColumn.push({ rows: { start: at, stride: w * c, col0: cols.inLo[l * cols.parts + j], n }, cols: null });
        at += n * w * c;
      }
    }
    const index = buffer(l, first, at - first);
    layers[l] = perColumn.map((r) => ({ ...r, buffer: index }));
  }
  return { layers, bytes: at - offset };
}

/** [lo, hi] cut where slot (line mod n) wraps around. */
function runs(lo: number, hi: number, n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = lo; a <= hi; ) {
    const b = Math.min(hi, a + (n - (a % n)) - 1);
    out.push([a, b]);
    a = b + 1;
  }
  return out;
}

/** Rows [r0, r1] × columns [x0, x1] from one grid to another; one contiguous copy when both are compact there. */
export function move(to: Grid, from: Grid, r0: number, r1: number, x0: number, x1: number, c: number): PlannedMove | null {
  if (r1 < r0 || x1 < x0) return null;
  const bytes = (x1 - x0 + 1) * c;
  const rows = r1 - r0 + 1;
  const whole = to.stride === bytes && from.stride === bytes;
  return { to: to.at(r0, x0), from: from.at(r0, x0), bytes: whole ? bytes * rows : bytes, rows: whole ? 1 : rows, toStride: to.stride, fromStride: from.stride, into: to.buffer, outOf: from.buffer };
}

/** Rows [r0, r1] × columns [x0, x1] between a region and a layer's row ring, one move per run that does not wrap. */
export function rowRingMoves(rings: LayerRings, region: Grid, r0: number, r1: number, x0: number, x1: number, c: number, toRing: boolean): PlannedMove[] {
  const ring = rings.rows;
  if (!ring || x1 < x0) return [];
  const moves: PlannedMove[] = [];
  for (const [a, b] of runs(r0, r1, ring.n)) {
    const grid: Grid = { at: (r, x) => ring.start + (r % ring.n) * ring.stride + (x - ring.col0) * c, stride: ring.stride, buffer: rings.buffer };
    moves.push(toRing ? move(grid, region, a, b, x0, x1, c)! : move(region, grid, a, b, x0, x1, c)!);
  }
  return moves;
}

/** Rows [r0, r1] × columns [x0, x1] between a region and a layer's column ring (whose first row is `row0`). */
export function colRingMoves(rings: LayerRings, region: Grid, row0: number, r0: number, r1: number, x0: number, x1: number, c: number, toRing: boolean): PlannedMove[] {
  const ring = rings.cols;
  if (!ring || r1 < r0) return [];
  const moves: PlannedMove[] = [];
  for (const [a, b] of runs(x0, x1, ring.n)) {
    const grid: Grid = { at: (r, x) => ring.start + (r - row0) * ring.stride + (x % ring.n) * c, stride: ring.stride, buffer: rings.buffer };
    moves.push(toRing ? move(grid, region, r0, r1, a, b, c)! : move(region, grid, r0, r1, a, b, c)!);
  }
  return moves;
}
