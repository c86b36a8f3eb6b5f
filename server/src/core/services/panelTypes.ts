import type { Range } from '../language/diagnostics';
import type { GraphView } from './graphTypes';

// What the chart panels draw: plain JSON computed by panelData.ts from one analysed document
// version, sent by the server (`patchwise/panelData`) and posted by the client to the webviews.
// Types only, so that the client and the webview scripts import them without the engine.
// Sizes are bytes, lines one-based (as in the report), layer and candidate references indices.

/** The parts of the panel data a request asks for; the schedule search runs only for 'schedules'. */
export type PanelSection = 'memory' | 'overlap' | 'schedules';
export const panelSections: readonly PanelSection[] = ['memory', 'overlap', 'schedules'];

export interface PanelData {
  uri: string;
  version: number;
  /** Null when no model could be built; `problem` then says why. */
  model: ModelSummary | null;
  /** Why there is nothing to chart, or what the charts cannot show (errors, nothing fits). */
  problem: string | null;
  /** Error diagnostics in the document: the charts show what could still be built. */
  errorCount: number;
  /** Every layer, in order; empty without a model. */
  layers: PanelLayer[];
  /** Null unless asked for and the document has a schedule. */
  overlap: OverlapData | null;
  /** Null unless asked for and the model has no errors. */
  schedules: ScheduleSpace | null;
  /**
   * With 'memory': the blocks as a graph (branches, split points, the schedule's stages); on the
   * .onnx page of a model whose import stopped part way, what it got to. Null without either.
   */
  graph: GraphView | null;
}

export interface ModelSummary {
  name: string;
  /** Rows, columns, channels. */
  input: [number, number, number];
  inputInSram: boolean;
  target: string;
  sramBytes: number;
  flashBytes: number;
  /** Activation peak with the schedule, and the layer where it is reached first. */
  peakBytes: number;
  peakLayer: number;
  layerByLayerPeakBytes: number;
  layerByLayerPeakLayer: number;
  weightsBytes: number;
  /** With the schedule, and the whole network layer by layer. */
  macs: number;
  macsLayerByLayer: number;
  schedule: ScheduleSummary | null;
}

export interface ScheduleSummary {
  patch: [number, number];
  untilBlock: number;
  /** One past the stage's last layer. */
  endLayer: number;
  /** The stage output buffer, held whole while the patches run. */
  stageOutputBytes: number;
  /** The network input when held in SRAM during the stage (0 when streamed). */
  heldInputBytes: number;
  /** Input pixels of an interior patch, rows × columns. */
  inputPatch: [number, number];
  /** Patch-stage MACs ÷ its layer-by-layer MACs − 1, and the same for the whole network. */
  overheadStage: number;
  overheadTotal: number;
  /** One-based line of the schedule statement. */
  line: number;
}

/** Bytes live during one step, by what holds them; scratch is beside the activations (not in the peak). */
export interface MemoryParts {
  inputBytes: number;
  outputBytes: number;
  /** Tensors kept for a later layer: a block input held for its shortcut, a branch held for its reader. */
  keptBytes: number;
  /** The stage output buffer (and the network input held in SRAM) during the patch stage. */
  stageBytes: number;
  scratchBytes: number;
}

export interface PanelLayer {
  name: string;
  block: number;
  /** `mbconv e6 k3 s2`: the block's label. */
  blockLabel: string;
  op: string;
  line: number;
  out: [number, number, number];
  k: number;
  s: number;
  macs: number;
  weightsBytes: number;
  layerByLayer: MemoryParts;
  /** With the schedule: the largest patch's step plus the stage buffers in the stage, else as layer by layer. */
  scheduled: MemoryParts;
  /** Receptive field size of the layer's output in input pixels, rows and columns. */
  rf: [number, number];
  /** Σ patch outputs ÷ the layer's output in the patch stage (1: no recomputation); 1 after it. */
  recompute: number;
  inPatchStage: boolean;
}

/**
 * The patches' regions on every tensor of the patch stage: the network input, then the output of
 * each stage layer (the last is the stage output). Per axis, a flat list of four numbers per patch: the region it reads (inclusive,
 * clipped to the tensor) and its own share, the rows it would read without overlap (its output
 * rows times the strides to the stage output); the rest of the region is the halo.
 */
export interface OverlapData {
  patch: [number, number];
  tensors: OverlapTensor[];
  /**
   * A schedule beyond one MCUNetV2 stage: each stage and streamed run, in network order (`patch`
   * and `tensors` above are then the first one's). Empty for a single MCUNetV2 stage.
   */
  runs: OverlapRun[];
}

/** One patch stage or streamed run of a schedule beyond MCUNetV2, drawn from the analysis' regions. */
export interface OverlapRun {
  /** `stage 1: patch=4x4, blocks 0–4, cache=rows`, `stream: blocks 5–6, band=2 (14 bands)`. */
  label: string;
  kind: 'stage' | 'stream';
  cache: 'none' | 'rows' | 'rows+cols';
  /** Patch rows × columns; a streamed run is bands × 1. */
  patch: [number, number];
  /** The run's first layer and one past its last. */
  firstLayer: number;
  endLayer: number;
  /** Its input (the first layer's input, held whole or streamed), each inner tensor, its output. */
  tensors: OverlapTensor[];
}

export interface OverlapTensor {
  /** `input 224×224×3`, `block2.dw output 56×56×96`, `block4.project output 28×28×32 (stage output)`. */
  label: string;
  /** The layer that computes this tensor; −1 for the network input. */
  layer: number;
  /** Rows, columns. */
  size: [number, number];
  /** [lo, hi, ownLo, ownHi] for each of the P patch rows. */
  rows: number[];
  /** [lo, hi, ownLo, ownHi] for each of the Q patch columns. */
  cols: number[];
  /**
   * On a cached axis of a run's inner tensor: [lo, hi] per patch, the lines of its region it takes
   * from the cache (hi < lo: none); the rest of the region the layer before computes anew. Null on
   * recomputed axes, on a run's input (held whole or streamed) and on its output.
   */
  cacheRows: number[] | null;
  cacheCols: number[] | null;
}

/**
 * Every schedule the search evaluated, in columns (candidate i across the arrays). Layer by layer is
 * candidate 0, with patch 0×0 and untilBlock −1.
 */
export interface ScheduleSpace {
  budgetBytes: number;
  macsLayerByLayer: number;
  patchRows: number[];
  patchCols: number[];
  untilBlock: number[];
  peakBytes: number[];
  macs: number[];
  /** Candidates on the Pareto front of (peak, MACs), by rising peak. */
  pareto: number[];
  /** Fewest MACs within the budget; −1 when nothing fits. */
  best: number;
  /** The document's schedule; −1 when it is outside the searched grid (then see ModelSummary). */
  current: number;
  /** Why nothing fits, when nothing does. */
  reason: string | null;
  /** Writing a schedule: replace `range` with prefix + statement + suffix (or with '' for layer by layer). */
  edit: { range: Range; prefix: string; suffix: string };
}
