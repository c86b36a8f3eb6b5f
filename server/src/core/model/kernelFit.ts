import { Range } from '../language/diagnostics';
import { Layer, Model, Window } from './ir';

// Which kernels and which runtime take a layer: the fused-add kernels (pw_conv_s8, pw_conv_1x1_s8,
// pw_dwconv_s8: square windows, symmetric padding), the chain runtime's patch plan, or the graph
// runtime layer by layer (its any-window kernels take the rest). The importers fuse an Add only into
// a layer a fused-add kernel takes; the analysis' search and the firmware check ask where each runs.

/** The parts of a layer that decide it. */
export interface FusableLayer {
  kind: string;
  groups: number;
  rows: Window;
  cols: Window;
  inC: number;
  outC: number;
}

/** Its parts as the predicates below take them. */
export function fitOf(l: Layer): FusableLayer {
  return { kind: l.kind, groups: l.groups, rows: l.rows, cols: l.cols, inC: l.input.c, outC: l.output.c };
}

/** Rows and columns with the same k, stride and leading padding (padding past the end may differ). */
const sameAxes = (rows: Window, cols: Window) => rows.k === cols.k && rows.s === cols.s && rows.p === cols.p;

/** The same padding after the last row (column) as before the first. */
const symmetric = (w: Window) => (w.pEnd ?? w.p) === w.p;

const square = (l: FusableLayer) => sameAxes(l.rows, l.cols) && symmetric(l.rows) && symmetric(l.cols);

/** A conv the specialised kernels run: square, k ≤ 7, no groups, symmetric padding. */
export function specialisedConvWindow(l: FusableLayer): boolean {
  return l.kind === 'conv' && square(l) && l.rows.k <= 7 && l.groups === 1;
}

/** A depthwise conv the specialised kernel runs: square, k = 1, 3, 5 or 7, stride ≤ 2, no multiplier. */
export function specialisedDepthwiseWindow(l: FusableLayer): boolean {
  return l.kind === 'dwconv' && square(l) && [1, 3, 5, 7].includes(l.rows.k) && l.rows.s <= 2 && l.outC === l.inC;
}

/**
 * A depthwise conv the chain runtime's kernel runs, which can write over its input: square rows
 * and columns (padding past the end may differ: the kernel reads it as padding), k = 1, 3, 5 or 7,
 * stride ≤ 2, no multiplier (one input channel's is a plain conv).
 */
export function chainDepthwiseWindow(l: FusableLayer): boolean {
  return l.kind === 'dwconv' && sameAxes(l.rows, l.cols) && [1, 3, 5, 7].includes(l.rows.k) && l.rows.s <= 2 && (l.outC === l.inC || l.inC === 1);
}

/** Can a shortcut add be fused into this layer (the firmware then adds it as the layer writes)? */
export function takesFusedAdd(l: FusableLayer): boolean {
  return specialisedConvWindow(l) || specialisedDepthwiseWindow(l);
}

/** A conv whose rows and columns differ (DS-CNN's 10×4 stem), or wider than 7: the square kernels cannot take it. */
export function windowConv(l: Layer): boolean {
  return l.kind === 'conv' && (!sameAxes(l.rows, l.cols) || l.rows.k > 7);
}

/**
 * A layer the chain runtime's kernels cannot express: its model runs on the graph runtime, layer by
 * layer. The chain takes a conv with any window (pw_conv_window_s8 past the square k ≤ 7 kernels)
 * unless it is grouped, or fuses the shortcut add after other than a square k ≤ 7 window; a
 * depthwise conv with a square window k = 1, 3, 5 or 7, stride ≤ 2 and leading padding, without
 * multiplier; pooling with any window (rows and columns each with their own k, stride and padding);
 * table activations; and the chain kinds. The graph runtime's any-window kernels take the rest.
 * Trailing padding (pEnd, TFLite's SAME at stride 2) needs nothing: the kernels read every row and
 * column past the tensor's end as padding, and the output's size says how far.
 */
function needsGraphRuntime(l: Layer): boolean {
  if (l.kind === 'conv') return l.groups > 1 || (l.writesShortcut && !(sameAxes(l.rows, l.cols) && l.rows.k <= 7));
  if (l.kind === 'dwconv') return !chainDepthwiseWindow(fitOf(l));
  return !chainKinds.has(l.kind);
}

/** Does the layer read the layer before it (or name no source: a chain layer)? */
const readsLayerBefore = (l: Layer) => l.sources === undefined || (l.sources.length === 1 && l.sources[0] === l.index - 1);

const chainKinds = new Set<Layer['kind']>(['conv', 'dwconv', 'pool', 'gpool', 'fc', 'softmax', 'act']);

/** What makes the model a graph for the runtime: its first layer the chain kernels cannot run, or a branch. */
export function whyGraph(model: Model): string {
  const l = model.layers.find(needsGraphRuntime);
  if (!l) return 'layers read other than the layer before';
  if (!chainKinds.has(l.kind)) return `${l.name}: ${l.kind}`;
  if (l.kind === 'dwconv' && l.output.c !== l.input.c) return `${l.name}: depth multiplier ${l.output.c / l.input.c}`;
  if (l.kind === 'conv' && l.groups > 1) return `${l.name}: grouped convolution (groups=${l.groups})`;
  if (l.writesShortcut) return `${l.name}: a shortcut added after a ${l.rows.k}×${l.cols.k} ${l.kind}`;
  const pad = (w: Layer['rows']) => (w.pEnd === undefined ? `${w.p}` : `${w.p}/${w.pEnd}`);
  return `${l.name}: a ${l.rows.k}×${l.cols.k} window, stride ${l.rows.s}×${l.cols.s}, padding ${pad(l.rows)} × ${pad(l.cols)}`;
}

/**
 * Does the model run on the graph runtime (generateGraph.ts) rather than the chain's patch plan? A
 * model whose layers each read the one before (an importer may name that source) is a chain.
 */
export function runsAsGraph(model: Model): boolean {
  return !model.layers.every(readsLayerBefore) || model.layers.some(needsGraphRuntime);
}

/**
 * The first layer after a model's last patch stage or streamed run; 0 without any. In a graph model
 * the layers before it run on the chain runtime's plan, the rest layer by layer on the graph's.
 */
export function stagesEnd(model: Model): number {
  const runs = [...(model.stages ?? []), ...(model.streams ?? [])];
  return runs.reduce((end, r) => Math.max(end, model.blocks[r.untilBlock].endLayer), 0);
}

/**
 * How many leading layers of a graph model the chain runtime can run: its patch stages, and what
 * runs before them, must end within them (the schedule search proposes no other). A chain: all of
 * its layers (what its runtime cannot run, it cannot run with or without a stage).
 */
export function chainRunnableLayers(model: Model): number {
  if (!runsAsGraph(model)) return model.layers.length;
  const first = model.layers.findIndex((l) => !readsLayerBefore(l) || needsGraphRuntime(l));
  const end = first < 0 ? model.layers.length : first;
  return chainProblems(prefixModel(model, Math.max(1, end))).reduce((n, p) => Math.min(n, p.layer), end);
}

/** The model's first `end` layers and their blocks: the chain a graph model's stages run on. */
export function prefixModel(model: Model, end: number): Model {
  return { ...model, layers: model.layers.slice(0, end), blocks: model.blocks.slice(0, model.layers[end - 1].block + 1) };
}

/**
 * What the chain runtime cannot run, where, and at which layer (its kernels take every layer that
 * needs no graph runtime: what is left is a shortcut no kernel adds, and maps too large).
 */
export function chainProblems(model: Model): { range: Range; what: string; layer: number }[] {
  const problems: { range: Range; what: string; layer: number }[] = [];
  for (const layer of model.layers) {
    const say = (range: Range, what: string) => problems.push({ range, what, layer: layer.index });
    const block = model.blocks[layer.block];
    const where = `${layer.name}`;
    if (layer.writesShortcut && (layer.kind === 'pool' || layer.kind === 'gpool' || layer.kind === 'fc' || layer.kind === 'act')) say(block.range, `${where}: a shortcut added after ${layer.kind}`);
    if (block.shortcut && block.index === 0 && layer.index === block.firstLayer) say(block.range, `block 0 adds a shortcut over the network input`);
    if (layer.output.h > 32767 || layer.output.w > 32767) say(layer.range, `${where}: maps larger than 32767 pixels a side`);
  }
  return problems;
}
