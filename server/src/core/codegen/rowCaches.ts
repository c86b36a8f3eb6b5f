import { CachedAxisRegions } from '../analysis/cachedRegions';
import { AxisRegions } from '../analysis/patch';
import { Model } from '../model/ir';

/**
 * A stage's row caches as the firmware keeps them (cache=rows): for every stage layer whose input
 * shares rows between patch rows, and every column of patches, a ring of `carried` rows as wide as
 * that column's region. Row r lives in slot r mod carried, so a patch stores only its new rows and
 * nothing ever shifts; the ring always holds the last `carried` rows computed so far, which are all
 * that any later patch reads from it (cachedRegions.ts). Σ ring bytes = the analysis' rowBytes.
 */
export interface RowRing {
  /** Arena offset of column j's ring. */
  start: number[];
  /** Bytes of one row in column j's ring. */
  rowBytes: number[];
  carried: number;
}

/** One contiguous copy between arena offsets (memmove: it may overlap). */
export interface PlannedMove {
  to: number;
  from: number;
  bytes: number;
  /** The buffers (indices into the plan's `buffers`) written and read. */
  into: number;
  outOf: number;
}

/** Lays out the rings of layers [start + 1, end) from `offset` on; returns them and their bytes. */
export function layOutRings(model: Model, start: number, end: number, rows: CachedAxisRegions, cols: AxisRegions, offset: number): { rings: (RowRing | null)[]; bytes: number } {
  const rings: (RowRing | null)[] = new Array(end).fill(null);
  let at = offset;
  for (let l = start + 1; l < end; l++) {
    const carried = rows.carried[l];
    if (carried === 0) continue;
    const c = model.layers[l].input.c;
    const ring: RowRing = { start: [], rowBytes: [], carried };
    for (let j = 0; j < cols.parts; j++) {
      const width = Math.max(0, cols.inHi[l * cols.parts + j] - cols.inLo[l * cols.parts + j] + 1);
      ring.start.push(at);
      ring.rowBytes.push(width * c);
      at += carried * width * c;
    }
    rings[l] = ring;
  }
  return { rings, bytes: at - offset };
}

/**
 * Copies between rows [first, last] of a compact region at `regionStart` (whose first row is
 * `regionRow0`) and column j's ring: one move per run of rows that does not wrap around the ring.
 */
export function ringMoves(ring: RowRing, j: number, first: number, last: number, regionStart: number, regionRow0: number, toRing: boolean, region: number, cache: number): PlannedMove[] {
  const moves: PlannedMove[] = [];
  const rowBytes = ring.rowBytes[j];
  for (let r = first; r <= last && rowBytes > 0; ) {
    const slot = r % ring.carried;
    const run = Math.min(last - r + 1, ring.carried - slot);
    const inRing = ring.start[j] + slot * rowBytes;
    const inRegion = regionStart + (r - regionRow0) * rowBytes;
    const bytes = run * rowBytes;
    moves.push(toRing ? { to: inRing, from: inRegion, bytes, into: cache, outOf: region } : { to: inRegion, from: inRing, bytes, into: region, outOf: cache });
    r += run;
  }
  return moves;
}
