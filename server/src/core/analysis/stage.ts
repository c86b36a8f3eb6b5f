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
