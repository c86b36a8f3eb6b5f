import { Block, bytesOf, Layer, Model, Shape } from '../model/ir';
import { opRules } from '../model/ops';
import { keepsShortcut, stepTotal } from './memory';

/**
 * Regions along one axis (rows or columns) for every patch of every stage layer, inclusive and
 * clipped to the tensor, flattened as `[l * parts + i]` for layer l and patch i. Rows and columns
 * are independent, so a P×Q grid needs only P row ranges and Q column ranges per layer.
 */
export interface AxisRegions {
  parts: number;
  layers: number;
  /** Input rows (or columns) that patch i of layer l reads. */
  inLo: Int32Array;
  inHi: Int32Array;
  /** Output rows (or columns) that patch i of layer l writes. */
  outLo: Int32Array;
  outHi: Int32Array;
}

export type Axis = 'rows' | 'cols';

function extent(shape: Shape, axis: Axis): number {
  return axis === 'rows' ? shape.h : shape.w;
}

/**
 * Back-propagates each patch's output rows through the stage (layers [0, end)): rows [a, b] of a
 * layer's output need input rows [a·s − p, b·s − p + k − 1], clipped to the tensor. The first layer
 * of a block with a shortcut also reads what the shortcut adds at the block output. When k < s,
 * some rows are read by no window; they go to the patch before them (or the last patch), so the
 * regions tile every tensor as layer by layer computes it, and a 1×1 grid is exactly layer by layer.
 * A stage that starts later (`start`, its first layer) fills only its own layers.
 */
export function axisRegions(model: Model, end: number, axis: Axis, parts: number, start = 0): AxisRegions {
  const size = end * parts;
  const r: AxisRegions = { parts, layers: end, inLo: new Int32Array(size), inHi: new Int32Array(size), outLo: new Int32Array(size), outHi: new Int32Array(size) };
  const total = extent(model.layers[end - 1].output, axis);
  for (let i = 0; i < parts; i++) {
    r.outLo[(end - 1) * parts + i] = Math.floor((i * total) / parts);
    r.outHi[(end - 1) * parts + i] = Math.floor(((i + 1) * total) / parts) - 1;
  }
  for (let l = end - 1; l >= start; l--) {
    const layer = model.layers[l];
    const window = layer[axis];
    const inEnd = extent(layer.input, axis) - 1;
    const block = model.blocks[layer.block];
    const joinsShortcut = block.shortcut && block.firstLayer === l;
    const base = l * parts;
    for (let i = 0; i < parts; i++) {
      let lo = Math.max(0, r.outLo[base + i] * window.s - window.p);
      let hi = Math.min(inEnd, r.outHi[base + i] * window.s - window.p + window.k - 1);
      if (joinsShortcut) {
        const last = (block.endLayer - 1) * parts + i;
        lo = Math.min(lo, r.outLo[last]);
        hi = Math.max(hi, r.outHi[last]);
      }
      r.inLo[base + i] = lo;
      r.inHi[base + i] = hi;
    }
    // Rows no window reads (k < s, or little padding) still belong to some patch.
    r.inLo[base] = 0;
    r.inHi[base + parts - 1] = inEnd;
    for (let i = 0; i + 1 < parts; i++) r.inHi[base + i] = Math.max(r.inHi[base + i], r.inLo[base + i + 1] - 1);
    if (l > start) {
      r.outLo.set(r.inLo.subarray(base, base + parts), base - parts);
      r.outHi.set(r.inHi.subarray(base, base + parts), base - parts);
    }
  }
  return r;
}

/** One stage layer across all patches. */
export interface PatchLayer {
  /** Largest input region of any patch, rows × columns. */
  maxInput: [number, number];
  /** Largest output region of any patch. */
  maxOutput: [number, number];
  /** Σ output pixels over patches ÷ output pixels of the layer: 1 means no recomputation. */
  recompute: number;
  /** MACs summed over all patches. */
  macs: number;
  /** Largest per-patch step memory of this layer (stage output buffer not included). */
  peakBytes: number;
  /** What that largest patch holds: its input, output (0 when written over the input or into another buffer) and kept shortcut. */
  peakParts: { inputBytes: number; outputBytes: number; keptBytes: number };
  scratchBytes: number;
}

export interface PatchStage {
  patch: [number, number];
  untilBlock: number;
  /** The stage's first block and layer (0 for MCUNetV2's single stage). */
  fromBlock: number;
  startLayer: number;
  /** One past the stage's last layer. */
  endLayer: number;
  /** The stage output tensor, held whole while the patches run. */
  stageOutputBytes: number;
  /**
   * The stage input, held whole while the patches run: the network input when it is in SRAM
   * (`input … sram`, 0 when streamed), or the previous layer's output for a stage after block 0.
   */
  heldInputBytes: number;
  /** Row and column caches of a stage whose patches share rows or columns (0 without caches). */
  cacheBytes: number;
  perPatchPeakBytes: number;
  /** The layer and patch (row, column) where the per-patch peak is reached. */
  peakLayer: number;
  peakPatch: [number, number];
  /** Stage output + held input + caches + per-patch peak. */
  stagePeakBytes: number;
  macs: number;
  macsLayerByLayer: number;
  scratchBytes: number;
  /** Per stage layer; empty when evaluated with `detail` off (the search). */
  layers: PatchLayer[];
}

/** Memory and MACs of running blocks 0..untilBlock patch by patch on a P×Q grid. */
export function evaluatePatchStage(model: Model, untilBlock: number, patch: readonly [number, number], rows?: AxisRegions, cols?: AxisRegions, detail = true): PatchStage {
  const end = model.blocks[untilBlock].endLayer;
  rows ??= axisRegions(model, end, 'rows', patch[0]);
  cols ??= axisRegions(model, end, 'cols', patch[1]);
  return evaluateRegions(model, 0, untilBlock, patch, rows, cols, detail);
}

/**
 * The per-layer rules (DESIGN.md §3) on each patch's regions, for blocks fromBlock..untilBlock and
 * the regions given (recomputed borders, or the cached ones of cachedRegions.ts). Caches are not
 * counted here (`cacheBytes` 0): the caller adds them.
 */
export function evaluateRegions(model: Model, fromBlock: number, untilBlock: number, patch: readonly [number, number], rows: AxisRegions, cols: AxisRegions, detail = true): PatchStage {
  const start = model.blocks[fromBlock].firstLayer;
  const end = model.blocks[untilBlock].endLayer;
  const [P, Q] = patch;
  const held = start > 0 || model.input.placement === 'sram';
  const stage: PatchStage = {
    patch: [P, Q],
    untilBlock,
    fromBlock,
    startLayer: start,
    endLayer: end,
    stageOutputBytes: bytesOf(model.layers[end - 1].output),
    heldInputBytes: !held ? 0 : start > 0 ? bytesOf(model.layers[start - 1].output) : bytesOf(model.input.shape),
    cacheBytes: 0,
    perPatchPeakBytes: 0,
    peakLayer: start,
    peakPatch: [0, 0],
    stagePeakBytes: 0,
    macs: 0,
    macsLayerByLayer: 0,
    scratchBytes: 0,
    layers: [],
  };
  for (let l = start; l < end; l++) {
    const layer = model.layers[l];
    const e = evaluateLayer(layer, model.blocks[layer.block], start, l === end - 1, held, rows, cols);
    const perPixel = opRules[layer.kind].macsPerPixel(layer);
    stage.macs += e.outRows * e.outCols * perPixel;
    stage.macsLayerByLayer += layer.output.h * layer.output.w * perPixel;
    stage.scratchBytes = Math.max(stage.scratchBytes, e.scratch);
    if (e.peak > stage.perPatchPeakBytes) {
      stage.perPatchPeakBytes = e.peak;
      stage.peakLayer = l;
      stage.peakPatch = [e.peakRow, e.peakCol];
    }
    if (detail) {
      stage.layers.push({
        maxInput: [e.maxInRows, e.maxInCols],
        maxOutput: [e.maxOutRows, e.maxOutCols],
        recompute: (e.outRows * e.outCols) / (layer.output.h * layer.output.w),
        macs: e.outRows * e.outCols * perPixel,
        peakBytes: e.peak,
        peakParts: { inputBytes: e.peakIn, outputBytes: e.peak - e.peakIn - e.peakKept, keptBytes: e.peakKept },
        scratchBytes: e.scratch,
      });
    }
  }
  stage.stagePeakBytes = stage.stageOutputBytes + stage.heldInputBytes + stage.perPatchPeakBytes;
  return stage;
}

/**
 * One layer over all patches. Interior patches share their region lengths, so the per-patch loop
 * runs over distinct row tuples × distinct column tuples (in, out, kept lengths). The buffers are
 * reused: the search evaluates millions of layers and must not allocate per layer.
 */
const maxParts = 64;
const rowTuples = new Int32Array(4 * maxParts);
const colTuples = new Int32Array(4 * maxParts);
const evaluation = { peak: 0, peakIn: 0, peakKept: 0, peakRow: 0, peakCol: 0, scratch: 0, outRows: 0, outCols: 0, maxInRows: 0, maxInCols: 0, maxOutRows: 0, maxOutCols: 0 };

/** Fills `tuples` with distinct (in, out, kept, first patch) lengths; returns their count. */
function axisTuples(r: AxisRegions, l: number, keptLayer: number, tuples: Int32Array): { count: number; outSum: number; maxIn: number; maxOut: number } {
  let count = 0;
  let outSum = 0;
  let maxIn = 0;
  let maxOut = 0;
  for (let i = 0; i < r.parts; i++) {
    const at = l * r.parts + i;
    // Cached regions may be empty at a layer (a patch row with no new rows there).
    const inLen = Math.max(0, r.inHi[at] - r.inLo[at] + 1);
    const outLen = Math.max(0, r.outHi[at] - r.outLo[at] + 1);
    const keptLen = keptLayer < 0 ? 0 : Math.max(0, r.inHi[keptLayer * r.parts + i] - r.inLo[keptLayer * r.parts + i] + 1);
    outSum += outLen;
    if (inLen > maxIn) maxIn = inLen;
    if (outLen > maxOut) maxOut = outLen;
    let u = 0;
    while (u < count && !(tuples[4 * u] === inLen && tuples[4 * u + 1] === outLen && tuples[4 * u + 2] === keptLen)) u++;
    if (u === count) {
      tuples[4 * count] = inLen;
      tuples[4 * count + 1] = outLen;
      tuples[4 * count + 2] = keptLen;
      tuples[4 * count + 3] = i;
      count++;
    }
  }
  return { count, outSum, maxIn, maxOut };
}

/**
 * `start` is the stage's first layer, whose input is streamed or held whole (`held`). A shortcut
 * over a held stage input reads it there instead of keeping a copy; a later stage's fused add then
 * writes a buffer of its own, since the held input is still read by the patches after it.
 */
function evaluateLayer(layer: Layer, block: Block, start: number, last: boolean, held: boolean, rows: AxisRegions, cols: AxisRegions): typeof evaluation {
  const l = layer.index;
  const rules = opRules[layer.kind];
  // A shortcut over the stage's input keeps nothing more: a held input is read where it is (and a
  // later stage's fused add then writes a buffer of its own, since the patches after it still read
  // the held input); a streamed network input is in flash (and the sum needs its own buffer).
  const overStage = block.firstLayer === start;
  const keeps = keepsShortcut(layer, block) && !overStage;
  const intoKept = layer.writesShortcut && !(overStage && (!held || start > 0));
  const keptLayer = keeps ? block.firstLayer : -1;
  const r = axisTuples(rows, l, keptLayer, rowTuples);
  const c = axisTuples(cols, l, keptLayer, colTuples);
  const e = evaluation;
  e.peak = 0;
  e.peakIn = 0;
  e.peakKept = 0;
  e.peakRow = 0;
  e.peakCol = 0;
  e.scratch = 0;
  for (let u = 0; u < r.count; u++) {
    for (let v = 0; v < c.count; v++) {
      const inRows = rowTuples[4 * u];
      const inCols = colTuples[4 * v];
      const inBytes = l === start ? 0 : inRows * inCols * layer.input.c;
      const outBytes = last || intoKept ? 0 : rowTuples[4 * u + 1] * colTuples[4 * v + 1] * layer.output.c;
      const keptBytes = rowTuples[4 * u + 2] * colTuples[4 * v + 2] * block.input.c;
      const total = stepTotal(layer, inBytes, outBytes, keptBytes);
      if (total > e.peak) {
        e.peak = total;
        e.peakIn = inBytes;
        e.peakKept = keptBytes;
        e.peakRow = rowTuples[4 * u + 3];
        e.peakCol = colTuples[4 * v + 3];
      }
      e.scratch = Math.max(e.scratch, rules.scratchBytes(layer, inRows, inCols));
    }
  }
  e.outRows = r.outSum;
  e.outCols = c.outSum;
  e.maxInRows = r.maxIn;
  e.maxInCols = c.maxIn;
  e.maxOutRows = r.maxOut;
  e.maxOutCols = c.maxOut;
  return e;
}
