import { Diagnostic, diagnostic } from '../language/diagnostics';
import { isSingleStage, Model } from '../model/ir';

const graphOps: Partial<Record<Model['layers'][number]['kind'], string>> = {
  add: 'an add of two tensors',
  mul: 'a squeeze-and-excitation scale',
  concat: 'a concatenation',
  resize: 'a resize',
  convT: 'a transposed convolution',
};

const depthwiseKernels = new Set([1, 3, 5, 7]);

/**
 * What the C runtime cannot run, each as an error on the model line: the analysis covers more
 * than the kernels do.
 */
export function checkRuntimeSupport(model: Model): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const say = (range: Diagnostic['range'], what: string) => problems.push(diagnostic('unsupportedByRuntime', range, what));
  for (const layer of model.layers) {
    const block = model.blocks[layer.block];
    const where = `${layer.name}`;
    if (layer.kind === 'conv' && layer.groups > 1) say(layer.range, `${where}: grouped convolution (groups=${layer.groups})`);
    if (layer.kind === 'conv' && layer.rows.k > 7) say(layer.range, `${where}: convolution k=${layer.rows.k} (the runtime has k ≤ 7)`);
    if (layer.kind === 'dwconv' && !depthwiseKernels.has(layer.rows.k)) say(layer.range, `${where}: depthwise k=${layer.rows.k} (the runtime has k = 1, 3, 5, 7)`);
    if (layer.kind === 'dwconv' && layer.rows.s > 2) say(layer.range, `${where}: depthwise stride ${layer.rows.s} (the runtime has s = 1, 2)`);
    if (layer.writesShortcut && (layer.kind === 'pool' || layer.kind === 'gpool' || layer.kind === 'fc')) say(block.range, `${where}: a shortcut added after ${layer.kind}`);
    if (block.shortcut && block.index === 0 && layer.index === block.firstLayer) say(block.range, `block 0 adds a shortcut over the network input`);
    if (layer.sources !== undefined) say(layer.range, `${where}: ${graphOps[layer.kind] ?? 'a layer that reads other than the layer before it'} (the runtime runs chains of layers with fused shortcuts)`);
    if (layer.output.h > 32767 || layer.output.w > 32767) say(layer.range, `${where}: maps larger than 32767 pixels a side`);
  }
  if (!isSingleStage(model)) say(scheduleRange(model), beyondSingleStage(model));
  return problems;
}

/** What the patch executor cannot run yet of a schedule beyond MCUNetV2's single stage. */
function beyondSingleStage(model: Model): string {
  const stages = model.stages ?? [];
  const what: string[] = [];
  if (stages.length > 1) what.push(`${stages.length} patch stages`);
  if (stages.some((s) => (s.fromBlock ?? 0) > 0) && stages.length === 1) what.push('a patch stage that starts after block 0');
  if (stages.some((s) => (s.cache ?? 'none') !== 'none')) what.push('cached rows or columns');
  if ((model.streams ?? []).length > 0) what.push('streamed blocks');
  return `${what.join(', ')} (the analysis counts them; the patch executor runs one stage from block 0 with recomputed borders)`;
}

function scheduleRange(model: Model): Diagnostic['range'] {
  const stages = model.stages ?? [];
  const odd = stages.find((s, i) => i > 0 || (s.fromBlock ?? 0) > 0 || (s.cache ?? 'none') !== 'none') ?? model.streams?.[0];
  return (odd ?? model.schedule!).range;
}
