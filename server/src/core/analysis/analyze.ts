import { maxOf } from '../arrays';
import { Diagnostic } from '../language/diagnostics';
import { Model } from '../model/ir';
import { macs, weightBytes } from '../model/ops';
import { layerByLayer, peakOf, StepMemory } from './memory';
import { axisRegions, evaluatePatchStage, PatchLayer, PatchStage } from './patch';
import { LayerReceptiveField, receptiveFields } from './receptiveField';

/** Everything the analysis knows about one model; the CLI's `--json` prints it as is. */
export interface AnalysisReport {
  model: string;
  input: { h: number; w: number; c: number; placement: 'stream' | 'sram' };
  target: { name: string; sramBytes: number; flashBytes: number; source: Model['targetSource'] };
  macs: {
    /** The whole network run layer by layer. */
    total: number;
    /** The patch stage with the schedule (clipped border patches); 0 without a schedule. */
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
  const stage = model.schedule ? evaluatePatchStage(model, model.schedule.untilBlock, [...model.schedule.patch]) : undefined;
  const later = stage ? peakOf(steps, stage.endLayer) : undefined;
  const peakBytes = stage ? Math.max(stage.stagePeakBytes, later!.bytes) : perLayerPeak.bytes;
  const peakLayer = !stage ? perLayerPeak.layer : later!.bytes > stage.stagePeakBytes ? later!.layer : stage.peakLayer;
  const scheduledMacs = stage ? totalMacs - stage.macsLayerByLayer + stage.macs : totalMacs;
  let scratch = stage?.scratchBytes ?? 0;
  for (let i = stage?.endLayer ?? 0; i < steps.length; i++) scratch = Math.max(scratch, steps[i].scratchBytes);
  const { sramBytes, flashBytes } = model.target;
  return {
    model: model.name,
    input: { ...model.input.shape, placement: model.input.placement },
    target: { name: model.target.name, sramBytes, flashBytes, source: model.targetSource },
    macs: {
      total: totalMacs,
      patchStage: stage?.macs ?? 0,
      patchStageLayerByLayer: stage?.macsLayerByLayer ?? 0,
      scheduled: scheduledMacs,
    },
    perLayer: { peakBytes: perLayerPeak.bytes, peakBlock: model.layers[perLayerPeak.layer].block, peakLayer: model.layers[perLayerPeak.layer].name },
    schedule: stage && later ? scheduleReport(model, stage, later, totalMacs, scheduledMacs) : null,
    peakBytes,
    peakBlock: model.layers[peakLayer].block,
    scratchBytes: scratch,
    fits: peakBytes <= sramBytes && weightsBytes <= flashBytes,
    fitsSram: peakBytes <= sramBytes,
    fitsFlash: weightsBytes <= flashBytes,
    sramMarginBytes: sramBytes - peakBytes,
    flashMarginBytes: flashBytes - weightsBytes,
    weightsBytes,
    blocks: blockReports(model, steps, layerMacs, stage),
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
      inPatchStage: stage !== undefined && i < stage.endLayer,
      ...(stage && i < stage.endLayer ? { patch: stage.layers[i] } : {}),
    })),
    diagnostics,
  };
}

/** The widest input region (rows or columns) any of the stage's `parts` patches reads. */
function largestInputSpan(model: Model, endLayer: number, axis: 'rows' | 'cols', parts: number): number {
  const regions = axisRegions(model, endLayer, axis, parts);
  let widest = 0;
  for (let i = 0; i < parts; i++) widest = Math.max(widest, regions.inHi[i] - regions.inLo[i] + 1);
  return widest;
}

function scheduleReport(model: Model, stage: PatchStage, later: { bytes: number; layer: number }, totalMacs: number, scheduledMacs: number): ScheduleReport {
  const [P, Q] = stage.patch;
  return {
    patch: [P, Q],
    untilBlock: stage.untilBlock,
    inputPatch: [largestInputSpan(model, stage.endLayer, 'rows', P), largestInputSpan(model, stage.endLayer, 'cols', Q)],
    stageOutputBytes: stage.stageOutputBytes,
    perPatchPeakBytes: stage.perPatchPeakBytes,
    perPatchPeakBlock: model.layers[stage.peakLayer].block,
    perPatchPeakLayer: model.layers[stage.peakLayer].name,
    stagePeakBytes: stage.stagePeakBytes,
    laterPeakBytes: later.layer < 0 ? 0 : later.bytes,
    laterPeakBlock: later.layer < 0 ? -1 : model.layers[later.layer].block,
    overheadStage: stage.macs / stage.macsLayerByLayer - 1,
    overheadTotal: scheduledMacs / totalMacs - 1,
  };
}

function blockReports(model: Model, steps: StepMemory[], layerMacs: number[], stage: PatchStage | undefined): BlockReport[] {
  return model.blocks.map((block) => {
    const inStage = stage !== undefined && block.index <= stage.untilBlock;
    const range = steps.slice(block.firstLayer, block.endLayer);
    const lblPeak = maxOf(range.map((s) => s.totalBytes));
    const stagePeak = inStage ? stage!.stageOutputBytes + stage!.heldInputBytes + maxOf(stage!.layers.slice(block.firstLayer, block.endLayer).map((l) => l.peakBytes)) : 0;
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
      inPatchStage: inStage,
      peakBytes: inStage ? stagePeak : lblPeak,
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
