import { Diagnostic, diagnostic } from '../language/diagnostics';
import { isGraph } from '../analysis/memory';
import { Layer, Model } from '../model/ir';
import { windowConv } from './generate';
import { specialisedConv, specialisedDepthwise } from './generateGraph';
import { chainDepthwiseWindow } from '../model/fusedAdd';

const depthwiseKernels = new Set([1, 3, 5, 7]);

/**
 * What the C runtime cannot run, each as an error on the model line: the analysis covers more
 * than the kernels do.
 */
export function checkRuntimeSupport(model: Model): Diagnostic[] {
  return runsAsGraph(model) ? checkGraphSupport(model) : checkChainSupport(model);
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
  const square = l.rows.k === l.cols.k && l.rows.s === l.cols.s && l.rows.p === l.cols.p;
  if (l.kind === 'conv') return l.groups > 1 || (l.writesShortcut && !(square && l.rows.k <= 7));
  if (l.kind === 'dwconv') return !chainDepthwiseWindow({ ...l, inC: l.input.c, outC: l.output.c });
  return !chainKinds.has(l.kind);
}

const chainKinds = new Set<Layer['kind']>(['conv', 'dwconv', 'pool', 'gpool', 'fc', 'softmax', 'act']);

/** What makes the model a graph for the runtime: its first layer the chain kernels cannot run, or a branch. */
function whyGraph(model: Model): string {
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
  const chain = model.layers.every((l) => l.sources === undefined || (l.sources.length === 1 && l.sources[0] === l.index - 1));
  return (isGraph(model) && !chain) || model.layers.some(needsGraphRuntime);
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
  const chain = (l: Layer) => (l.sources === undefined || (l.sources.length === 1 && l.sources[0] === l.index - 1)) && !needsGraphRuntime(l);
  const first = model.layers.findIndex((l) => !chain(l));
  const end = first < 0 ? model.layers.length : first;
  return chainProblems(prefixModel(model, Math.max(1, end))).reduce((n, p) => Math.min(n, p.layer), end);
}

/** The model's first `end` layers and their blocks: the chain a graph model's stages run on. */
export function prefixModel(model: Model, end: number): Model {
  return { ...model, layers: model.layers.slice(0, end), blocks: model.blocks.slice(0, model.layers[end - 1].block + 1) };
}

/**
 * A graph (an imported model whose layers read other than the layer before) runs layer by layer
 * (generateGraph.ts): the any-window kernels take any convolution, except where a specialised
 * kernel is needed (a fused shortcut add, a depthwise conv written in place). Its patch stages
 * and what runs before them must be a chain the chain runtime runs.
 */
function checkGraphSupport(model: Model): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const say = (range: Diagnostic['range'], what: string) => problems.push(diagnostic('unsupportedByRuntime', range, what));
  const scheduled = model.schedule ?? model.stages?.[0] ?? model.streams?.[0];
  const end = stagesEnd(model);
  if (scheduled && end > 0) {
    const prefix = prefixModel(model, end);
    const why = runsAsGraph(prefix) ? whyGraph(prefix) : chainProblems(prefix)[0]?.what;
    if (why) say(scheduled.range, `a patch stage over ${why}: the layers up to the last stage run on the chain runtime (end the stages before it, or remove the schedule line)`);
  }
  for (const layer of model.layers.slice(end)) {
    const where = layer.name;
    if (layer.writesShortcut && !(layer.kind === 'conv' ? specialisedConv(layer) : layer.kind === 'dwconv' && specialisedDepthwise(layer))) say(layer.range, `${where}: a shortcut added after a ${layer.kind} the specialised kernels do not run`);
    if (layer.kind === 'dwconv' && layer.inPlace && !specialisedDepthwise(layer)) say(layer.range, `${where}: depthwise k=${layer.rows.k}×${layer.cols.k} s=${layer.rows.s} in place`);
    if (layer.output.h > 32767 || layer.output.w > 32767) say(layer.range, `${where}: maps larger than 32767 pixels a side`);
  }
  return problems;
}

function checkChainSupport(model: Model): Diagnostic[] {
  return chainProblems(model).map((p) => diagnostic('unsupportedByRuntime', p.range, p.what));
}

/** What the chain runtime cannot run, where, and at which layer. */
function chainProblems(model: Model): { range: Diagnostic['range']; what: string; layer: number }[] {
  const problems: { range: Diagnostic['range']; what: string; layer: number }[] = [];
  for (const layer of model.layers) {
    const say = (range: Diagnostic['range'], what: string) => problems.push({ range, what, layer: layer.index });
    const block = model.blocks[layer.block];
    const where = `${layer.name}`;
    if (layer.kind === 'conv' && layer.groups > 1) say(layer.range, `${where}: grouped convolution (groups=${layer.groups})`);
    if (layer.kind === 'conv' && layer.rows.k > 7 && !windowConv(layer)) say(layer.range, `${where}: convolution k=${layer.rows.k} (the runtime has k ≤ 7)`);
    if (layer.kind === 'dwconv' && !depthwiseKernels.has(layer.rows.k)) say(layer.range, `${where}: depthwise k=${layer.rows.k} (the runtime has k = 1, 3, 5, 7)`);
    if (layer.kind === 'dwconv' && layer.output.c !== layer.input.c && layer.input.c !== 1) say(layer.range, `${where}: depthwise with depth multiplier ${layer.output.c / layer.input.c}`);
    if (layer.kind === 'dwconv' && layer.rows.s > 2) say(layer.range, `${where}: depthwise stride ${layer.rows.s} (the runtime has s = 1, 2)`);
    if (layer.writesShortcut && (layer.kind === 'pool' || layer.kind === 'gpool' || layer.kind === 'fc' || layer.kind === 'act')) say(block.range, `${where}: a shortcut added after ${layer.kind}`);
    if (block.shortcut && block.index === 0 && layer.index === block.firstLayer) say(block.range, `block 0 adds a shortcut over the network input`);
    if (layer.output.h > 32767 || layer.output.w > 32767) say(layer.range, `${where}: maps larger than 32767 pixels a side`);
  }
  return problems;
}
