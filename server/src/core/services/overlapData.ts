import { CachedAxisRegions } from '../analysis/cachedRegions';
import { axisRegions, AxisRegions } from '../analysis/patch';
import { stageSpecs, streamSpecs } from '../analysis/plan';
import { stageRegions, streamRegions } from '../analysis/stage';
import { isSingleStage, Model } from '../model/ir';
import { OverlapData, OverlapRun, OverlapTensor } from './panelTypes';

// What the overlap panel draws: the regions of every patch on every tensor of a stage (or of each
// stage and streamed run), taken from the analysis' own region functions, so that the picture is
// the schedule the memory and MACs were counted for.

/** The regions of the schedule's patches (see {@link OverlapData}). */
export function overlapData(model: Model): OverlapData {
  if (isSingleStage(model)) return { ...singleStage(model), runs: [] };
  const runs = [...stageRuns(model), ...streamRuns(model)].sort((a, b) => a.firstLayer - b.firstLayer);
  return { patch: runs[0].patch, tensors: runs[0].tensors, runs };
}

/** MCUNetV2's stage, from the network input to block `untilBlock`'s output. */
function singleStage(model: Model): Pick<OverlapData, 'patch' | 'tensors'> {
  const schedule = model.schedule!;
  const end = model.blocks[schedule.untilBlock].endLayer;
  const [P, Q] = schedule.patch;
  const regions = { rows: axisRegions(model, end, 'rows', P), cols: axisRegions(model, end, 'cols', Q) };
  return { patch: [P, Q], tensors: runTensors(model, 0, end, regions, { rows: false, cols: false }, 'stage') };
}

function stageRuns(model: Model): OverlapRun[] {
  return stageSpecs(model).map((spec, n) => {
    const firstLayer = model.blocks[spec.fromBlock].firstLayer;
    const endLayer = model.blocks[spec.untilBlock].endLayer;
    const cached = { rows: spec.cache !== 'none', cols: spec.cache === 'rows+cols' };
    return {
      label: `stage ${n + 1}: patch=${spec.patch[0]}x${spec.patch[1]}, ${blocks(spec.fromBlock, spec.untilBlock)}, cache=${spec.cache}`,
      kind: 'stage',
      cache: spec.cache,
      patch: [spec.patch[0], spec.patch[1]],
      firstLayer,
      endLayer,
      tensors: runTensors(model, firstLayer, endLayer, stageRegions(model, spec), cached, 'stage'),
    };
  });
}

function streamRuns(model: Model): OverlapRun[] {
  return streamSpecs(model).map((spec) => {
    const firstLayer = model.blocks[spec.fromBlock].firstLayer;
    const endLayer = model.blocks[spec.untilBlock].endLayer;
    const regions = streamRegions(model, spec);
    return {
      label: `stream: ${blocks(spec.fromBlock, spec.untilBlock)}, band=${spec.band} (${regions.rows.parts} bands)`,
      kind: 'stream',
      cache: 'rows',
      patch: [regions.rows.parts, 1],
      firstLayer,
      endLayer,
      tensors: runTensors(model, firstLayer, endLayer, regions, { rows: true, cols: false }, 'run'),
    };
  });
}

function blocks(from: number, until: number): string {
  return from === until ? `block ${from}` : `blocks ${from}–${until}`;
}

/**
 * Tensor t of a run is the input of layer t (t = start: the run's input) or, at t = end, the run's
 * output; on a cached axis of an inner tensor, each patch's cached lines are marked.
 */
function runTensors(model: Model, start: number, end: number, regions: { rows: AxisRegions; cols: AxisRegions }, cached: { rows: boolean; cols: boolean }, noun: 'stage' | 'run'): OverlapTensor[] {
  const tensors: OverlapTensor[] = [];
  for (let t = start; t <= end; t++) {
    const shape = t === 0 ? model.input.shape : model.layers[t - 1].output;
    const dims = `${shape.h}×${shape.w}×${shape.c}`;
    const role = t === end ? ` (${noun} output)` : t === start && t > 0 ? ` (${noun} input)` : '';
    const inner = t > start && t < end;
    tensors.push({
      label: t === 0 ? `input ${dims}` : `${model.layers[t - 1].name} output ${dims}${role}`,
      layer: t - 1,
      size: [shape.h, shape.w],
      rows: axisTensor(model, regions.rows, t, end, 'rows', shape.h),
      cols: axisTensor(model, regions.cols, t, end, 'cols', shape.w),
      cacheRows: inner && cached.rows ? cachedLines(regions.rows as CachedAxisRegions, t) : null,
      cacheCols: inner && cached.cols ? cachedLines(regions.cols as CachedAxisRegions, t) : null,
    });
  }
  return tensors;
}

/**
 * [lo, hi, ownLo, ownHi] per patch on tensor `l`: the input of layer l, the stage output when l = end. A
 * patch's own share is its stage-output rows scaled by the strides from this tensor to the stage
 * output: the shares tile the tensor, and what a region reads beyond its share is its halo.
 */
function axisTensor(model: Model, r: AxisRegions, l: number, end: number, axis: 'rows' | 'cols', size: number): number[] {
  let jump = 1;
  for (let i = l; i < end; i++) jump *= model.layers[i][axis].s;
  const out: number[] = [];
  const lastBase = (end - 1) * r.parts;
  for (let i = 0; i < r.parts; i++) {
    const lo = l < end ? r.inLo[l * r.parts + i] : r.outLo[lastBase + i];
    const hi = l < end ? r.inHi[l * r.parts + i] : r.outHi[lastBase + i];
    const ownLo = Math.min(size - 1, r.outLo[lastBase + i] * jump);
    const ownHi = i === r.parts - 1 ? size - 1 : Math.min(size - 1, (r.outHi[lastBase + i] + 1) * jump - 1);
    out.push(lo, hi, ownLo, ownHi);
  }
  return out;
}

/**
 * [lo, hi] per patch of the lines of layer l's input it reads from the cache: its buffer starts at
 * inLo, and the lines up to the end of the part before's buffer (inHi of part i − 1) were computed
 * by an earlier part (see cachedAxisRegions); the first part takes none.
 */
export function cachedLines(r: CachedAxisRegions, l: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.parts; i++) {
    const at = l * r.parts + i;
    const lo = r.inLo[at];
    const hi = i === 0 ? lo - 1 : Math.min(r.inHi[at], r.inHi[at - 1]);
    out.push(lo, hi);
  }
  return out;
}
