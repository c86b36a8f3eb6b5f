import { Layer, LayerKind, Model, Window } from './ir';

/**
 * Each kind of layer answers its own resource questions. Weights are int8 with an int32 bias per
 * output channel; activations are int8, so element counts are bytes.
 */
export interface OpRules {
  /** Multiply-accumulates for one output pixel (all output channels). */
  macsPerPixel(layer: Layer): number;
  /** Flash bytes: int8 weights + int32 biases. */
  weightBytes(layer: Layer): number;
  /** Scratch bytes beside the activations when the layer's input region is rows × cols. */
  scratchBytes(layer: Layer, inRows: number, inCols: number): number;
}

const convRules: OpRules = {
  macsPerPixel: (l) => l.rows.k * l.cols.k * (l.input.c / l.groups) * l.output.c,
  weightBytes: (l) => l.rows.k * l.cols.k * (l.input.c / l.groups) * l.output.c + 4 * l.output.c,
  // Two im2col columns of int16 (the CMSIS-NN s8 convolution's buffer); a 1×1 conv needs none.
  scratchBytes: (l) => (l.rows.k === 1 && l.cols.k === 1 ? 0 : 2 * 2 * l.rows.k * l.cols.k * (l.input.c / l.groups)),
};

const depthwiseRules: OpRules = {
  macsPerPixel: (l) => l.rows.k * l.cols.k * l.output.c,
  weightBytes: (l) => l.rows.k * l.cols.k * l.output.c + 4 * l.output.c,
  // One input channel plane is copied aside before its outputs are written (over it, in place).
  scratchBytes: (_l, inRows, inCols) => inRows * inCols,
};

const poolRules: OpRules = {
  macsPerPixel: () => 0,
  weightBytes: () => 0,
  scratchBytes: () => 0,
};

/** Elementwise ops, concatenation and resizing: no weights, and their MACs are not counted. */
const dataRules: OpRules = poolRules;

/**
 * A transposed convolution scatters every input pixel through its k×k kernel: k²·Cin/groups·Cout
 * MACs per input pixel, spread over the output pixels.
 */
const transposedRules: OpRules = {
  macsPerPixel: (l) => (l.rows.k * l.cols.k * (l.input.c / l.groups) * l.output.c * l.input.h * l.input.w) / (l.output.h * l.output.w),
  weightBytes: convRules.weightBytes,
  scratchBytes: () => 0,
};

const fcRules: OpRules = {
  macsPerPixel: (l) => l.input.h * l.input.w * l.input.c * l.output.c,
  weightBytes: (l) => l.input.h * l.input.w * l.input.c * l.output.c + 4 * l.output.c,
  scratchBytes: () => 0,
};

export const opRules: Record<LayerKind, OpRules> = {
  conv: convRules,
  dwconv: depthwiseRules,
  pool: poolRules,
  gpool: poolRules,
  fc: fcRules,
  add: dataRules,
  mul: dataRules,
  concat: dataRules,
  resize: dataRules,
  convT: transposedRules,
  act: dataRules,
  pad: dataRules,
  softmax: dataRules,
};

export function macs(layer: Layer): number {
  return Math.round(layer.output.h * layer.output.w * opRules[layer.kind].macsPerPixel(layer));
}

export function weightBytes(layer: Layer): number {
  return opRules[layer.kind].weightBytes(layer);
}

export function scratchBytes(layer: Layer, inRows = layer.input.h, inCols = layer.input.w): number {
  return opRules[layer.kind].scratchBytes(layer, inRows, inCols);
}

/** Output length along one axis: ⌊(n + p + pEnd − k)/s⌋ + 1 (may be ≤ 0 when the window does not fit). */
export function outputLength(n: number, window: Window): number {
  return Math.floor((n + window.p + (window.pEnd ?? window.p) - window.k) / window.s) + 1;
}

/**
 * Can the layer run on a part of its input (patch by patch)? Windowed layers and table activations
 * (a 1×1 window) of a chain can; global ops need the whole tensor, and the graph ops of imported
 * models are analysed layer by layer only.
 */
export function isPatchable(layer: Layer): boolean {
  return (layer.kind === 'conv' || layer.kind === 'dwconv' || layer.kind === 'pool' || layer.kind === 'act') && layer.sources === undefined;
}

/** The layers a layer reads (−1: the network input). */
export function sourcesOf(layer: Layer): readonly number[] {
  return layer.sources ?? [layer.index - 1];
}

/** The block shortcut a fused-add layer reads (its block's input), or undefined. */
export function shortcutOf(model: Model, layer: Layer): number | undefined {
  return layer.writesShortcut ? sourcesOf(model.layers[model.blocks[layer.block].firstLayer])[0] : undefined;
}

/**
 * For each layer, the layer outputs it is the last to read (as a source or as a fused add's
 * shortcut): what runs a model whole can drop them once it has run.
 */
export function freedAfter(model: Model): number[][] {
  const last = new Int32Array(model.layers.length).fill(-1);
  for (const layer of model.layers) {
    const shortcut = shortcutOf(model, layer);
    for (const s of shortcut === undefined ? sourcesOf(layer) : [...sourcesOf(layer), shortcut]) if (s >= 0) last[s] = layer.index;
  }
  const freed: number[][] = model.layers.map(() => []);
  last.forEach((reader, s) => reader >= 0 && freed[reader].push(s));
  return freed;
}

/** Layers that run whole, layer by layer: the graph ops and the element ops (table activations, pad, softmax). */
const graphKinds = new Set<LayerKind>(['add', 'mul', 'concat', 'resize', 'convT', 'act', 'pad', 'softmax']);

/** Why blocks 0..untilBlock cannot run patch by patch: the first layer in the way. */
export type StageBlocker =
  /**
   * Inside the stage: a global op (global pooling, fc), a graph op (add, concat, SE scale, a table
   * activation of a branch…), or a conv or pool that starts a second branch (it reads other than the
   * layer before it). A chain's table activations run inside stages.
   */
  | { why: 'global' | 'graph' | 'branch'; layer: Layer }
  /** `reader`, after the stage, reads `layer`'s output from inside it (a branch crosses the cut). */
  | { why: 'tapped'; layer: Layer | undefined; reader: Layer };

export function stageBlocker(model: Model, untilBlock: number, fromBlock = 0): StageBlocker | undefined {
  const first = model.blocks[fromBlock].firstLayer;
  const end = model.blocks[untilBlock].endLayer;
  for (let i = first; i < end; i++) {
    const layer = model.layers[i];
    if (!isPatchable(layer)) return { why: layer.sources === undefined ? 'global' : graphKinds.has(layer.kind) ? 'graph' : 'branch', layer };
  }
  // The stage's input (the network input for a first stage) and its inner tensors die with it.
  for (let i = end; i < model.layers.length; i++) {
    const reader = model.layers[i];
    const inside = sourcesOf(reader).find((s) => s >= first - 1 && s < end - 1);
    if (inside !== undefined) return { why: 'tapped', layer: model.layers[inside], reader };
  }
  return undefined;
}
