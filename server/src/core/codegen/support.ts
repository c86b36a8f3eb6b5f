import { Diagnostic, diagnostic } from '../language/diagnostics';
import { Model } from '../model/ir';
import { chainProblems, prefixModel, runsAsGraph, stagesEnd, whyGraph } from '../model/kernelFit';
import { specialisedConv, specialisedDepthwise } from './generateGraph';

/**
 * What the C runtime cannot run, each as an error on the model line: the analysis covers more
 * than the kernels do.
 */
export function checkRuntimeSupport(model: Model): Diagnostic[] {
  return runsAsGraph(model) ? checkGraphSupport(model) : checkChainSupport(model);
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
