import { Block, bytesOf, Layer, Model, Shape } from '../model/ir';
import { opRules } from '../model/ops';
import { keepsShortcut, stepMemory } from './memory';

/**
 * Regions along one axis (rows or columns) for every patch: for stage layer l and patch i,
 * `inLo[l][i]..inHi[l][i]` are the input rows it reads and `outLo..outHi` the rows it writes,
 * inclusive, clipped to the tensor. Rows and columns are independent, so a P×Q grid needs one
 * array of P row ranges and one of Q column ranges.
 */
export interface AxisRegions {
  parts: number;
  inLo: Int32Array[];
  inHi: Int32Array[];
  outLo: Int32Array[];
  outHi: Int32Array[];
}

type Axis = 'rows' | 'cols';

function extent(shape: Shape, axis: Axis): number {
  return axis === 'rows' ? shape.h : shape.w;
}

/**
 * Back-propagates each patch's output rows through the stage (layers [0, end)): rows [a, b] of a
 * layer's output need input rows [a·s − p, b·s − p + k − 1], clipped to the tensor. The first layer
 * of a block with a shortcut also reads what the shortcut adds at the block output.
 */
export function axisRegions(model: Model, end: number, axis: Axis, parts: number): AxisRegions {
  const n = end;
  const regions: AxisRegions = {
    parts,
    inLo: Array.from({ length: n }, () => new Int32Array(parts)),
    inHi: Array.from({ length: n }, () => new Int32Array(parts)),
    outLo: Array.from({ length: n }, () => new Int32Array(parts)),
    outHi: Array.from({ length: n }, () => new Int32Array(parts)),
  };
  const total = extent(model.layers[n - 1].output, axis);
  for (let i = 0; i < parts; i++) {
    let a = Math.floor((i * total) / parts);
    let b = Math.floor(((i + 1) * total) / parts) - 1;
    for (let l = n - 1; l >= 0; l--) {
      const layer = model.layers[l];
      const window = layer[axis];
      regions.outLo[l][i] = a;
      regions.outHi[l][i] = b;
      let lo = Math.max(0, a * window.s - window.p);
      let hi = Math.min(extent(layer.input, axis) - 1, b * window.s - window.p + window.k - 1);
      const block = model.blocks[layer.block];
      if (block.shortcut && block.firstLayer === l) {
        const last = block.endLayer - 1;
        lo = Math.min(lo, regions.outLo[last][i]);
        hi = Math.max(hi, regions.outHi[last][i]);
      }
      regions.inLo[l][i] = lo;
      regions.inHi[l][i] = hi;
      a = lo;
      b = hi;
    }
  }
  return regions;
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
  scratchBytes: number;
}

export interface PatchStage {
  patch: [number, number];
  untilBlock: number;
  /** One past the stage's last layer. */
  endLayer: number;
  /** The stage output tensor, held whole while the patches run. */
  stageOutputBytes: number;
  /** The network input when it is held in SRAM (`input … sram`), 0 when streamed. */
  heldInputBytes: number;
  perPatchPeakBytes: number;
  /** The layer and patch (row, column) where the per-patch peak is reached. */
  peakLayer: number;
  peakPatch: [number, number];
  /** Stage output + held input + per-patch peak. */
  stagePeakBytes: number;
  macs: number;
  macsLayerByLayer: number;
  scratchBytes: number;
  layers: PatchLayer[];
}

/** Memory and MACs of running blocks 0..untilBlock patch by patch on a P×Q grid. */
export function evaluatePatchStage(model: Model, untilBlock: number, patch: [number, number], rows?: AxisRegions, cols?: AxisRegions): PatchStage {
  const end = model.blocks[untilBlock].endLayer;
  const [P, Q] = patch;
  rows ??= axisRegions(model, end, 'rows', P);
  cols ??= axisRegions(model, end, 'cols', Q);
  const heldInput = model.input.placement === 'sram';
  const stage: PatchStage = {
    patch: [P, Q],
    untilBlock,
    endLayer: end,
    stageOutputBytes: bytesOf(model.layers[end - 1].output),
    heldInputBytes: heldInput ? bytesOf(model.input.shape) : 0,
    perPatchPeakBytes: 0,
    peakLayer: 0,
    peakPatch: [0, 0],
    stagePeakBytes: 0,
    macs: 0,
    macsLayerByLayer: 0,
    scratchBytes: 0,
    layers: [],
  };
  for (let l = 0; l < end; l++) {
    const layer = model.layers[l];
    const block = model.blocks[layer.block];
    const result = evaluateLayer(layer, block, l === end - 1, heldInput, rows, cols);
    stage.layers.push(result.layer);
    stage.macs += result.layer.macs;
    stage.macsLayerByLayer += layer.output.h * layer.output.w * opRules[layer.kind].macsPerPixel(layer);
    stage.scratchBytes = Math.max(stage.scratchBytes, result.layer.scratchBytes);
    if (result.layer.peakBytes > stage.perPatchPeakBytes) {
      stage.perPatchPeakBytes = result.layer.peakBytes;
      stage.peakLayer = l;
      stage.peakPatch = result.peakPatch;
    }
  }
  stage.stagePeakBytes = stage.stageOutputBytes + stage.heldInputBytes + stage.perPatchPeakBytes;
  return stage;
}

function evaluateLayer(layer: Layer, block: Block, last: boolean, heldInput: boolean, rows: AxisRegions, cols: AxisRegions): { layer: PatchLayer; peakPatch: [number, number] } {
  const l = layer.index;
  const rules = opRules[layer.kind];
  const perPixel = rules.macsPerPixel(layer);
  const keeps = keepsShortcut(layer, block) && !(heldInput && block.firstLayer === 0);
  const k = block.firstLayer;
  let peak = 0;
  let peakPatch: [number, number] = [0, 0];
  let scratch = 0;
  let outRowsSum = 0;
  let outColsSum = 0;
  const maxInput: [number, number] = [0, 0];
  const maxOutput: [number, number] = [0, 0];
  for (let i = 0; i < rows.parts; i++) {
    const inR = rows.inHi[l][i] - rows.inLo[l][i] + 1;
    const outR = rows.outHi[l][i] - rows.outLo[l][i] + 1;
    const keptR = keeps ? rows.inHi[k][i] - rows.inLo[k][i] + 1 : 0;
    outRowsSum += outR;
    maxInput[0] = Math.max(maxInput[0], inR);
    maxOutput[0] = Math.max(maxOutput[0], outR);
    for (let j = 0; j < cols.parts; j++) {
      const inC = cols.inHi[l][j] - cols.inLo[l][j] + 1;
      const outC = cols.outHi[l][j] - cols.outLo[l][j] + 1;
      const inBytes = l === 0 ? 0 : inR * inC * layer.input.c;
      const outBytes = last || layer.writesShortcut ? 0 : outR * outC * layer.output.c;
      const keptBytes = keeps ? keptR * (cols.inHi[k][j] - cols.inLo[k][j] + 1) * block.input.c : 0;
      const patchScratch = rules.scratchBytes(layer, inR, inC);
      const total = stepMemory(layer, inBytes, outBytes, keptBytes, patchScratch).totalBytes;
      if (total > peak) {
        peak = total;
        peakPatch = [i, j];
      }
      scratch = Math.max(scratch, patchScratch);
    }
  }
  for (let j = 0; j < cols.parts; j++) {
    outColsSum += cols.outHi[l][j] - cols.outLo[l][j] + 1;
    maxInput[1] = Math.max(maxInput[1], cols.inHi[l][j] - cols.inLo[l][j] + 1);
    maxOutput[1] = Math.max(maxOutput[1], cols.outHi[l][j] - cols.outLo[l][j] + 1);
  }
  const pixels = layer.output.h * layer.output.w;
  return {
    layer: {
      maxInput,
      maxOutput,
      recompute: (outRowsSum * outColsSum) / pixels,
      macs: outRowsSum * outColsSum * perPixel,
      peakBytes: peak,
      scratchBytes: scratch,
    },
    peakPatch,
  };
}
