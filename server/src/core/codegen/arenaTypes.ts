import { PlannedMove } from './stageCaches';

// The arena plan's shape: what planArena (arenaPlan.ts) gives generate.ts, the checks and the charts.

/** A rectangle of a tensor in full-tensor coordinates. */
export interface Rect {
  y0: number;
  x0: number;
  rows: number;
  cols: number;
}

/** Where a region is stored: arena (absolute byte offset) or the network input image. */
export interface Place extends Rect {
  space: 'arena' | 'input';
  offset: number;
  /** Bytes from one row of the region to the next. */
  rowStride: number;
}

export interface PlannedStep {
  layer: number;
  /** Patch (row, column) in its patch stage; null for a layer run whole. */
  patch: [number, number] | null;
  in: Place;
  out: Place;
  /** The shortcut added into the output (fused), or null. */
  residual: Place | null;
  /** Copies done before the kernel runs: a row-cached stage assembles the step's input. */
  moves: PlannedMove[];
  /** The buffer the output is written into (a stage output), or −1 for a buffer of its own. */
  into: number;
}

/** A tensor (or patch region) in the arena: JSON for the charts and other tools. */
export interface PlannedBuffer {
  name: string;
  offset: number;
  size: number;
  /** Indices into `steps`: produced by the first (−1: there before the first step), last read by the second. */
  firstStep: number;
  lastStep: number;
  /** A streamed run's input rows freed band by band: the buffer of the whole tensor they are part of. */
  partOf?: number;
}

/**
 * Consecutive steps run the same way: a patch stage (its layers for every patch, patch-major) or
 * layers run whole (`patches` 0).
 */
export interface PlannedRun {
  /** A patch stage, a streamed run (its bands are its patches) or layers run whole. */
  kind: 'stage' | 'stream' | 'whole';
  firstStep: number;
  /** Patches of a patch stage in raster order, or bands of a streamed run; 0 for layers run whole. */
  patches: number;
  /** The layers of one patch (or the layers run whole). */
  layers: number[];
}

export interface ArenaPlan {
  /** Scratch at the start of the arena, so that it is aligned for int16 columns. */
  scratchBytes: number;
  /** Activations after the scratch; equal to the analysis' peak. */
  activationOffset: number;
  activationBytes: number;
  arenaBytes: number;
  /** Patches and layers of the first patch stage (0 and 0 without a schedule). */
  patches: number;
  stageLayers: number;
  /** Arena offset of the network's output tensor (compact, HWC). */
  outputOffset: number;
  /** Patch stages and layers run whole, in execution order. */
  runs: PlannedRun[];
  steps: PlannedStep[];
  buffers: PlannedBuffer[];
}

/** Steps that pw_model_run_stage runs: all up to the end of the last patch stage. */
export function stageStepCount(plan: ArenaPlan): number {
  const last = plan.runs[plan.runs.length - 1];
  const stages = plan.runs.filter((r) => r.kind !== 'whole');
  if (stages.length === 0) return 0;
  return last.kind !== 'whole' ? plan.steps.length : last.firstStep;
}
