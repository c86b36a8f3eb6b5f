import { maxOf } from '../arrays';
import { Diagnostic } from '../language/diagnostics';
import { bytesOf, isSingleStage, Model } from '../model/ir';
import { macs, weightBytes } from '../model/ops';
import { CacheMode } from '../language/ast';
import { layerByLayer, peakOf, StepMemory } from './memory';
import { axisRegions, PatchLayer } from './patch';
import { evaluatePlan, PlanResult, stageSpecs, streamSpecs } from './plan';
import { StageResult, StreamResult } from './stage';
import { LayerReceptiveField, receptiveFields } from './receptiveField';

/** Everything the analysis knows about one model; the CLI's `--json` prints it as is. */
export interface AnalysisReport {
  model: string;
  input: { h: number; w: number; c: number; placement: 'stream' | 'sram' };
  target: { name: string; sramBytes: number; flashBytes: number; source: Model['targetSource'] };
  macs: {
    /** The whole network run layer by layer. */
    total: number;
    /** The patch stage (all stages together) with the schedule (clipped border patches); 0 without a schedule. */
    patchStage: number;
    /** The same layers run layer by layer; 0 without a schedule. */
    patchStageLayerByLayer: number;
    /** The whole network with the schedule. */
    scheduled: number;
  };
  perLayer: { peakBytes: number; peakBlock: number; peakLayer: string };
  schedule: ScheduleReport | null;
  /** Activation peak with the schedule (without: the per-layer peak). Scratch is not included. */
  peakBytes: number;
  peakBlock: number;
  /** Largest scratch buffer of any step (im2col, depthwise channel plane). */
  scratchBytes: number;
  fits: boolean;
  fitsSram: boolean;
  fitsFlash: boolean;
  /** Budget minus use; negative when over. */
  sramMarginBytes: number;
  flashMarginBytes: number;
  weightsBytes: number;
  blocks: BlockReport[];
  layers: LayerReport[];
  diagnostics: Diagnostic[];
}

export interface ScheduleReport {
  patch: [number, number];
  untilBlock: number;
  /**
   * Input pixels the largest patch reads, rows × columns: the regions as the stage computes them,
   * clipped at the input's borders (a 1×2 grid's patch is never taller than the input).
   */
  inputPatch: [number, number];
  stageOutputBytes: number;
  perPatchPeakBytes: number;
  /** Block and layer where the per-patch peak is reached. */
  perPatchPeakBlock: number;
  perPatchPeakLayer: string;
  stagePeakBytes: number;
  /** Layer-by-layer peak of the blocks after the stage (0 when the stage is the whole network). */
  laterPeakBytes: number;
  laterPeakBlock: number;
  /** Patch-stage MACs ÷ the same layers' layer-by-layer MACs − 1. */
  overheadStage: number;
  /** Scheduled MACs ÷ layer-by-layer MACs of the whole network − 1. */
  overheadTotal: number;
  /**
   * Only for schedules beyond MCUNetV2's single stage (caches, a later start, several stages):
   * every patch stage, the first one first. Its figures are also the fields above, except that
   * `stagePeakBytes` is then the largest stage peak and `laterPeakBytes` the peak of all the
   * layers outside the stages.
   */
  stages?: StageReport[];
  /** Streamed runs, when the schedule has `schedule stream` lines. */
  streams?: StreamReport[];
}

/** One streamed run of blocks. */
export interface StreamReport {
  fromBlock: number;
  untilBlock: number;
  band: number;
  bands: number;
  rowCacheBytes: number;
  /** Input rows still to read + output rows so far + caches + the band's largest step, at its worst band. */
  peakBytes: number;
  peakBand: number;
  peakBlock: number;
  macs: number;
}

/** One patch stage of a schedule with its caches. */
export interface StageReport {
  patch: [number, number];
  fromBlock: number;
  untilBlock: number;
  cache: CacheMode;
  /** The stage's input when held whole (the previous layer's output, or the input in SRAM). */
  heldInputBytes: number;
  stageOutputBytes: number;
  /** Row caches and column caches, all layers together. */
  rowCacheBytes: number;
  colCacheBytes: number;
  perPatchPeakBytes: number;
  perPatchPeakBlock: number;
  stagePeakBytes: number;
  macs: number;
  macsLayerByLayer: number;
  overheadStage: number;
}

export interface BlockReport {
  index: number;
  name?: string;
  label: string;
  line: number;
  in: [number, number, number];
  out: [number, number, number];
  shortcut: boolean;
  macs: number;
  weightsBytes: number;
  /** Largest step of the block run layer by layer. */
  peakBytesLayerByLayer: number;
  inPatchStage: boolean;
  /** With the schedule: per-patch peak + stage buffers in the stage, layer-by-layer peak after it. */
  peakBytes: number;
}

export interface LayerReport {
  name: string;
  block: number;
  op: string;
  /** One-based source line. */
  line: number;
  in: [number, number, number];
  out: [number, number, number];
  k: number;
  s: number;
  macs: number;
  weightsBytes: number;
  memory: StepMemory;
  rf: { size: number; jump: number; start: number; cols?: { size: number; jump: number; start: number } };
  inPatchStage: boolean;
  patch?: PatchLayer;
}

/** Analyses a built model against its target (DESIGN.md §3). */
export function analyzeModel(model: Model, diagnostics: Diagnostic[] = []): AnalysisReport {
  const steps = layerByLayer(model);
  const rfs = receptiveFields(model.layers);
  const perLayerPeak = peakOf(steps);
  const layerMacs = model.layers.map(macs);
  const totalMacs = sum(layerMacs);
  const weightsBytes = sum(model.layers.map(weightBytes));
  const plan = model.stages?.length || model.streams?.length ? evaluatePlan(model, stageSpecs(model), steps, true, streamSpecs(model)) : undefined;
  const stage = plan?.stages[0];
  const later = plan?.outside;
  const peakBytes = plan ? plan.peakBytes : perLayerPeak.bytes;
  const peakLayer = plan ? plan.peakLayer : perLayerPeak.layer;
  const scheduledMacs = plan ? plan.macs : totalMacs;
  const scratch = plan ? plan.scratchBytes : Math.max(0, maxOf(steps.map((s) => s.scratchBytes)));
  const stageOf = (i: number) => plan?.stages.find((s) => i >= s.startLayer && i < s.endLayer);
  const { sramBytes, flashBytes } = model.target;
  return {
    model: model.name,
    input: { ...model.input.shape, placement: model.input.placement },
    target: { name: model.target.name, sramBytes, flashBytes, source: model.targetSource },
    macs: {
      total: totalMacs,
      patchStage: sum((plan?.stages ?? []).map((x) => x.macs)),
      patchStageLayerByLayer: sum((plan?.stages ?? []).map((x) => x.macsLayerByLayer)),
      scheduled: scheduledMacs,
    },
    perLayer: { peakBytes: perLayerPeak.bytes, peakBlock: model.layers[perLayerPeak.layer].block, peakLayer: model.layers[perLayerPeak.layer].name },
    schedule: plan && stage && later ? scheduleReport(model, plan, totalMacs) : plan && later ? streamsOnlyReport(model, plan, totalMacs) : null,
    peakBytes,
    peakBlock: model.layers[peakLayer].block,
    scratchBytes: scratch,
    fits: peakBytes <= sramBytes && weightsBytes <= flashBytes,
    fitsSram: peakBytes <= sramBytes,
    fitsFlash: weightsBytes <= flashBytes,
    sramMarginBytes: sramBytes - peakBytes,
    flashMarginBytes: flashBytes - weightsBytes,
    weightsBytes,
    blocks: blockReports(model, steps, layerMacs, plan?.stages ?? [], plan?.streams ?? []),
    layers: model.layers.map((layer, i) => ({
      name: layer.name,
      block: layer.block,
      op: layer.kind,
      line: layer.line + 1,
      in: [layer.input.h, layer.input.w, layer.input.c],
      out: [layer.output.h, layer.output.w, layer.output.c],
      k: layer.rows.k,
      s: layer.rows.s,
      macs: layerMacs[i],
      weightsBytes: weightBytes(layer),
      memory: steps[i],
      rf: rfReport(rfs[i]),
      inPatchStage: stageOf(i) !== undefined,
      ...(stageOf(i) ? { patch: stageOf(i)!.layers[i - stageOf(i)!.startLayer] } : {}),
    })),
    diagnostics,
  };
}

/** The widest input region (rows or columns) any of a stage's `parts` patches reads at its first layer. */
function largestInputSpan(model: Model, stage: StageResult, axis: 'rows' | 'cols', parts: number): number {
  const regions = axisRegions(model, stage.endLayer, axis, parts, stage.startLayer);
  let widest = 0;
  for (let i = 0; i < parts; i++) {
    const at = stage.startLayer * parts + i;
    widest = Math.max(widest, regions.inHi[at] - regions.inLo[at] + 1);
  }
  return widest;
}

function scheduleReport(model: Model, plan: PlanResult, totalMacs: number): ScheduleReport {
  const stage = plan.stages[0];
  const later = plan.outside;
  const [P, Q] = stage.patch;
  return {
    patch: [P, Q],
    untilBlock: stage.untilBlock,
    inputPatch: [largestInputSpan(model, stage, 'rows', P), largestInputSpan(model, stage, 'cols', Q)],
    stageOutputBytes: stage.stageOutputBytes,
    perPatchPeakBytes: stage.perPatchPeakBytes,
    perPatchPeakBlock: model.layers[stage.peakLayer].block,
    perPatchPeakLayer: model.layers[stage.peakLayer].name,
    stagePeakBytes: maxOf(plan.stages.map((s) => s.stagePeakBytes)),
    laterPeakBytes: later.layer < 0 ? 0 : later.bytes,
    laterPeakBlock: later.layer < 0 ? -1 : model.layers[later.layer].block,
    overheadStage: sum(plan.stages.map((x) => x.macs)) / sum(plan.stages.map((x) => x.macsLayerByLayer)) - 1,
    overheadTotal: plan.macs / totalMacs - 1,
    ...(isSingleStage(model) ? {} : { stages: plan.stages.map((s) => stageReport(model, s)) }),
    ...(plan.streams.length > 0 ? { streams: plan.streams.map((s) => streamReport(model, s)) } : {}),
  };
}

function streamReport(model: Model, s: StreamResult): StreamReport {
  return { ...s.spec, bands: s.bands, rowCacheBytes: s.cacheBytes, peakBytes: s.peakBytes, peakBand: s.peakBand, peakBlock: model.layers[s.peakLayer].block, macs: s.macs };
}

/** A schedule of streamed runs only: the stage fields describe the first run. */
function streamsOnlyReport(model: Model, plan: PlanResult, totalMacs: number): ScheduleReport {
  const first = plan.streams[0];
  const later = plan.outside;
  const out = model.layers[first.endLayer - 1].output;
  return {
    patch: [first.bands, 1],
    untilBlock: first.spec.untilBlock,
    inputPatch: [model.input.shape.h, model.input.shape.w],
    stageOutputBytes: bytesOf(out),
    perPatchPeakBytes: 0,
    perPatchPeakBlock: model.layers[first.peakLayer].block,
    perPatchPeakLayer: model.layers[first.peakLayer].name,
    stagePeakBytes: maxOf(plan.streams.map((s) => s.peakBytes)),
    laterPeakBytes: later.layer < 0 ? 0 : later.bytes,
    laterPeakBlock: later.layer < 0 ? -1 : model.layers[later.layer].block,
    overheadStage: 0,
    overheadTotal: plan.macs / totalMacs - 1,
    stages: [],
    streams: plan.streams.map((s) => streamReport(model, s)),
  };
}

function stageReport(model: Model, s: StageResult): StageReport {
  return {
    patch: [s.patch[0], s.patch[1]],
    fromBlock: s.fromBlock,
    untilBlock: s.untilBlock,
    cache: s.cache,
    heldInputBytes: s.heldInputBytes,
    stageOutputBytes: s.stageOutputBytes,
    rowCacheBytes: s.caches.rowBytes,
    colCacheBytes: s.caches.colBytes,
    perPatchPeakBytes: s.perPatchPeakBytes,
    perPatchPeakBlock: model.layers[s.peakLayer].block,
    stagePeakBytes: s.stagePeakBytes,
    macs: s.macs,
    macsLayerByLayer: s.macsLayerByLayer,
    overheadStage: s.macs / s.macsLayerByLayer - 1,
  };
}

function blockReports(model: Model, steps: StepMemory[], layerMacs: number[], stages: readonly StageResult[], streams: readonly StreamResult[]): BlockReport[] {
  return model.blocks.map((block) => {
    const stage = stages.find((s) => block.index >= s.fromBlock && block.index <= s.untilBlock);
    const stream = streams.find((s) => block.index >= s.spec.fromBlock && block.index <= s.spec.untilBlock);
    const range = steps.slice(block.firstLayer, block.endLayer);
    const lblPeak = maxOf(range.map((s) => s.totalBytes));
    const buffers = stage ? stage.stageOutputBytes + stage.heldInputBytes + stage.cacheBytes : 0;
    const stagePeak = stage ? buffers + maxOf(stage.layers.slice(block.firstLayer - stage.startLayer, block.endLayer - stage.startLayer).map((l) => l.peakBytes)) : 0;
    return {
      index: block.index,
      ...(block.name ? { name: block.name } : {}),
      label: block.label,
      line: block.line + 1,
      in: [block.input.h, block.input.w, block.input.c],
      out: [block.output.h, block.output.w, block.output.c],
      shortcut: block.shortcut,
      macs: sum(layerMacs.slice(block.firstLayer, block.endLayer)),
      weightsBytes: sum(model.layers.slice(block.firstLayer, block.endLayer).map(weightBytes)),
      peakBytesLayerByLayer: lblPeak,
      inPatchStage: stage !== undefined,
      // A streamed block: the run's peak (its bands are not split by block).
      peakBytes: stage ? stagePeak : stream ? stream.peakBytes : lblPeak,
    };
  });
}

function rfReport(rf: LayerReceptiveField): LayerReport['rf'] {
  const same = rf.rows.size === rf.cols.size && rf.rows.jump === rf.cols.jump && rf.rows.start === rf.cols.start;
  return same ? { ...rf.rows } : { ...rf.rows, cols: { ...rf.cols } };
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
