import { CacheMode } from '../language/ast';
import { Model } from '../model/ir';
import { CachedAxisRegions, cachedAxisRegions } from './cachedRegions';
import { axisRegions, AxisRegions, evaluateRegions, PatchStage } from './patch';

/** A patch stage as the analysis takes it: blocks fromBlock..untilBlock on a P×Q grid. */
export interface StageSpec {
  fromBlock: number;
  untilBlock: number;
  patch: readonly [number, number];
  cache: CacheMode;
}

/** The regions of a stage along both axes, by cache mode (recomputed axes as MCUNetV2's). */
export interface StageRegions {
  rows: AxisRegions | CachedAxisRegions;
  cols: AxisRegions | CachedAxisRegions;
}

export function stageRegions(model: Model, spec: StageSpec): StageRegions {
  const start = model.blocks[spec.fromBlock].firstLayer;
  const end = model.blocks[spec.untilBlock].endLayer;
  const [P, Q] = spec.patch;
  const rows = spec.cache === 'none' ? axisRegions(model, end, 'rows', P, start) : cachedAxisRegions(model, start, end, 'rows', P);
  const cols = spec.cache === 'rows+cols' ? cachedAxisRegions(model, start, end, 'cols', Q) : axisRegions(model, end, 'cols', Q, start);
  return { rows, cols };
}

/** Row and column caches of a stage, per stage layer's input tensor (the stage input needs none). */
export interface StageCaches {
  /** Bytes of each layer's input caches, indexed by layer (0 outside the stage and at its start). */
  perLayer: Float64Array;
  rowBytes: number;
  colBytes: number;
}

/**
 * The caches patches in raster order need. `rows`: a patch keeps, for the patch below it, the lines
 * it shares with it; since the columns are recomputed, each column of patches has its own slice,
 * as wide as that column's region (overlapping columns are stored once per slice).
 * `rows+cols`: the row cache spans the tensor's width once; the patch to the right also gets the
 * columns it shares, over the rows of the region (including the lines it takes from the row cache,
 * which the patch before it has already replaced by the lines of the next patch row).
 */
export function stageCaches(model: Model, spec: StageSpec, regions: StageRegions, detail = true): StageCaches {
  const start = model.blocks[spec.fromBlock].firstLayer;
  const end = model.blocks[spec.untilBlock].endLayer;
  // The search needs only the totals: no per-layer array for each of its evaluations.
  const caches: StageCaches = { perLayer: detail ? new Float64Array(end) : noLayers, rowBytes: 0, colBytes: 0 };
  if (spec.cache === 'none') return caches;
  const rows = regions.rows as CachedAxisRegions;
  const { cols } = regions;
  for (let l = start + 1; l < end; l++) {
    const layer = model.layers[l];
    const c = layer.input.c;
    let rowBytes = 0;
    let colBytes = 0;
    if (spec.cache === 'rows') {
      let width = 0;
      for (let j = 0; j < cols.parts; j++) width += Math.max(0, cols.inHi[l * cols.parts + j] - cols.inLo[l * cols.parts + j] + 1);
      rowBytes = rows.carried[l] * width * c;
    } else {
      rowBytes = rows.carried[l] * layer.input.w * c;
      let height = 0;
      for (let i = 0; i < rows.parts; i++) height = Math.max(height, rows.inHi[l * rows.parts + i] - rows.inLo[l * rows.parts + i] + 1);
      colBytes = (cols as CachedAxisRegions).carried[l] * height * c;
    }
    if (detail) caches.perLayer[l] = rowBytes + colBytes;
    caches.rowBytes += rowBytes;
    caches.colBytes += colBytes;
  }
  return caches;
}

const noLayers = new Float64Array(0);

export interface StageResult extends PatchStage {
  cache: CacheMode;
  caches: StageCaches;
}

/**
 * Memory and MACs of one stage of any kind. The caches live for the whole stage, beside the stage
 * input and output buffers: stage peak = held input + stage output + caches + per-patch peak.
 */
export function evaluateStage(model: Model, spec: StageSpec, regions = stageRegions(model, spec), detail = true): StageResult {
  const stage = evaluateRegions(model, spec.fromBlock, spec.untilBlock, spec.patch, regions.rows, regions.cols, detail) as StageResult;
  const caches = stageCaches(model, spec, regions, detail);
  stage.cacheBytes = caches.rowBytes + caches.colBytes;
  stage.stagePeakBytes += stage.cacheBytes;
  stage.cache = spec.cache;
  stage.caches = caches;
  return stage;
}

/** Blocks fromBlock..untilBlock run band by band of `band` output rows (a streamed run). */
export interface StreamSpec {
  fromBlock: number;
  untilBlock: number;
  band: number;
}

export interface StreamResult {
  spec: StreamSpec;
  /** Bands: ⌈output rows / band⌉, split as evenly as patch rows are. */
  bands: number;
  startLayer: number;
  endLayer: number;
  /** Row caches of every layer inside the run (the full width: one column of patches). */
  cacheBytes: number;
  /** max over bands of: input rows still to be read + output rows written so far + caches + the band's largest step. */
  peakBytes: number;
  peakBand: number;
  peakLayer: number;
  macs: number;
  macsLayerByLayer: number;
  scratchBytes: number;
}

/**
 * A streamed run: a stage of full-width row bands with row caches, whose input and output share
 * the memory they leave. The input rows no later band reads are freed after each band, and each
 * band's output rows are allocated when the band starts; the network input, when streamed, costs
 * nothing. Every row is computed once, so the MACs are the layer-by-layer ones.
 */
export function evaluateStream(model: Model, spec: StreamSpec): StreamResult {
  const start = model.blocks[spec.fromBlock].firstLayer;
  const end = model.blocks[spec.untilBlock].endLayer;
  const input = start > 0 ? model.layers[start - 1].output : model.input.shape;
  const output = model.layers[end - 1].output;
  const { rows, cols } = streamRegions(model, spec);
  const bands = rows.parts;
  const stageSpec: StageSpec = { fromBlock: spec.fromBlock, untilBlock: spec.untilBlock, patch: [bands, 1], cache: 'rows' };
  const caches = stageCaches(model, stageSpec, { rows, cols }, false);
  const cacheBytes = caches.rowBytes + caches.colBytes;
  const held = start > 0 || model.input.placement === 'sram';
  const result: StreamResult = { spec, bands, startLayer: start, endLayer: end, cacheBytes, peakBytes: 0, peakBand: 0, peakLayer: start, macs: 0, macsLayerByLayer: 0, scratchBytes: 0 };
  const band = bandView(rows);
  const lowest = streamInputLowest(rows, start, input.h);
  for (let b = 0; b < bands; b++) {
    band.pick(b);
    const steps = evaluateRegions(model, spec.fromBlock, spec.untilBlock, [1, 1], band.regions, cols, false);
    const inputRows = held ? input.h - lowest[b] : 0;
    const outputRows = rows.outHi[(end - 1) * bands + b] + 1;
    const total = inputRows * input.w * input.c + outputRows * output.w * output.c + cacheBytes + steps.perPatchPeakBytes;
    if (total > result.peakBytes) {
      result.peakBytes = total;
      result.peakBand = b;
      result.peakLayer = steps.peakLayer;
    }
    result.macs += steps.macs;
    result.macsLayerByLayer = steps.macsLayerByLayer;
    result.scratchBytes = Math.max(result.scratchBytes, steps.scratchBytes);
  }
  return result;
}

/** The regions of a streamed run: its bands as a one-column stage with row caches. */
export function streamRegions(model: Model, spec: StreamSpec): { rows: CachedAxisRegions; cols: AxisRegions } {
  const start = model.blocks[spec.fromBlock].firstLayer;
  const end = model.blocks[spec.untilBlock].endLayer;
  const bands = Math.ceil(model.layers[end - 1].output.h / spec.band);
  return { rows: cachedAxisRegions(model, start, end, 'rows', bands), cols: axisRegions(model, end, 'cols', 1, start) };
}

/**
 * For each band of a streamed run, the lowest input row that band or a later one reads: the rows
 * below it are free. A band may read nothing at the first layer (its rows there all came before,
 * its region empty, starting past what it would read) while a later band still reads lower rows,
 * such as the one that computes a row no window reads: so the lowest is taken over the bands that
 * read, not from the band's own region start.
 */
export function streamInputLowest(rows: CachedAxisRegions, start: number, height: number): Int32Array {
  const bands = rows.parts;
  const lowest = new Int32Array(bands);
  let low = height;
  for (let b = bands - 1; b >= 0; b--) {
    const at = start * bands + b;
    if (rows.inLo[at] <= rows.inHi[at]) low = Math.min(low, rows.inLo[at]);
    lowest[b] = low;
  }
  return lowest;
}

/** One band of cached row regions seen as a one-part axis, reusing its arrays. */
function bandView(rows: CachedAxisRegions): { regions: AxisRegions; pick(b: number): void } {
  const n = rows.layers;
  const regions: AxisRegions = { parts: 1, layers: n, inLo: new Int32Array(n), inHi: new Int32Array(n), outLo: new Int32Array(n), outHi: new Int32Array(n) };
  return {
    regions,
    pick(b: number) {
      for (let l = 0; l < n; l++) {
        const at = l * rows.parts + b;
        regions.inLo[l] = rows.inLo[at];
        regions.inHi[l] = rows.inHi[at];
        regions.outLo[l] = rows.outLo[at];
        regions.outHi[l] = rows.outHi[at];
      }
    },
  };
}
