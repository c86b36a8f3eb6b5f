import { splitPoints } from '../analysis/search';
import { PartialImport, PartialNode } from '../import/onnxPartial';
import { Model } from '../model/ir';
import { sourcesOf } from '../model/ops';
import { GraphView, GraphViewNode } from './graphTypes';

/**
 * The graph view's data (what Netron users look for): the blocks in execution order with the blocks
 * they read, so that branches, skips and concatenations show; where a patch stage may end (the
 * schedule search's split points, the blocks the PW2014/PW2015 rules allow `until=` to name); and
 * the current schedule's stages. For an import with errors, the ONNX nodes as far as it got.
 */

/** Beyond this many nodes the drawing stops (a page of 2,000 boxes is already more than anyone reads). */
export const maxGraphNodes = 2000;

/** The blocks of a built model. */
export function modelGraph(model: Model): GraphView {
  const blockOf = model.layers.map((l) => l.block);
  const splits = new Set(splitPoints(model));
  const stages = model.stages ?? (model.schedule ? [model.schedule] : []);
  const stageOf = (block: number) => stages.findIndex((s) => block >= (s.fromBlock ?? 0) && block <= s.untilBlock) + 1;
  const nodes = model.blocks.slice(0, maxGraphNodes).map((block): GraphViewNode => {
    const layers = model.layers.slice(block.firstLayer, block.endLayer);
    // What the block reads from outside itself: the blocks of those layers (−1: the input).
    const outside = layers.flatMap((l) => sourcesOf(l)).filter((s) => s < block.firstLayer || s >= block.endLayer);
    return {
      name: `block${block.index}`,
      label: block.label,
      onnxNodes: layers.flatMap((l) => (l.node ? [l.node] : [])).slice(0, 4),
      out: [block.output.h, block.output.w, block.output.c],
      sources: [...new Set(outside.map((s) => (s < 0 ? -1 : blockOf[s])))],
      shortcut: block.shortcut,
      state: 'imported',
      why: null,
      splitAfter: splits.has(block.index),
      stage: stageOf(block.index),
      line: block.line + 1,
    };
  });
  const { h, w, c } = model.input.shape;
  const written = stages.map((s) => `patch=${s.patch[0]}x${s.patch[1]} ${s.fromBlock ? `from=block${s.fromBlock} ` : ''}until=block${s.untilBlock}`);
  return { input: [h, w, c], nodes, partial: null, omitted: Math.max(0, model.blocks.length - maxGraphNodes), stages: written };
}

/**
 * An import with errors: its imported layers and failed nodes one by one, and what could not be
 * imported after them as one node (hundreds of grey boxes would say no more than their count).
 * `errors`: the import's error messages, for each failed node's reason.
 */
export function partialGraph(partial: PartialImport, errors: readonly string[]): GraphView {
  const shown = partial.nodes.filter((n) => n.state !== 'notImported');
  const rest = partial.nodes.filter((n) => n.state === 'notImported');
  const index = new Map<number, number>();
  const nodes: GraphViewNode[] = [];
  partial.nodes.forEach((n, i) => {
    if (n.state === 'notImported' || nodes.length >= maxGraphNodes) return;
    index.set(i, nodes.length);
    nodes.push({
      name: n.name,
      label: nodeLabel(n),
      onnxNodes: [n.name],
      out: imageOf(n.out),
      sources: n.sources.flatMap((s) => (s < 0 ? [-1] : index.has(s) ? [index.get(s)!] : [])),
      shortcut: false,
      state: n.state,
      why: n.state === 'failed' ? (errors.find((e) => e.includes(`'${n.name}'`)) ?? null) : null,
      splitAfter: false,
      stage: 0,
      line: null,
    });
  });
  if (rest.length > 0 && nodes.length < maxGraphNodes) nodes.push(restNode(rest, index));
  const failed = shown.filter((n) => n.state === 'failed').map((n) => n.name);
  return {
    input: imageOf(partial.input),
    nodes,
    partial: sentence(shown.length - failed.length, failed, rest.length),
    omitted: Math.max(0, shown.length + (rest.length ? 1 : 0) - nodes.length),
    stages: [],
  };
}

/** The nodes after a failure as one; its edges come from the failed and the imported nodes they read. */
function restNode(rest: readonly PartialNode[], index: ReadonlyMap<number, number>): GraphViewNode {
  const feeding = new Set(rest.flatMap((n) => n.sources).filter((s) => s < 0 || index.has(s)).map((s) => (s < 0 ? -1 : index.get(s)!)));
  return {
    name: '…',
    label: `${plural(rest.length, 'node')} not imported: ${opCounts(rest)}`,
    onnxNodes: rest.slice(0, 4).map((n) => n.name),
    out: null,
    sources: [...feeding].sort((a, b) => a - b),
    shortcut: false,
    state: 'notImported',
    why: null,
    splitAfter: false,
    stage: 0,
    line: null,
  };
}

/** `40 layers imported; 'p2o.Transpose.0' could not be; 138 nodes after it not imported`. */
function sentence(imported: number, failed: readonly string[], rest: number): string {
  const named = failed.slice(0, 3).map((n) => `'${n}'`).join(', ') + (failed.length > 3 ? ` and ${failed.length - 3} more` : '');
  const parts = [`${plural(imported, 'layer')} imported`, failed.length ? `${named} could not be` : 'no node is named by the errors'];
  if (rest) parts.push(`${plural(rest, 'node')} after ${failed.length === 1 ? 'it' : 'them'} not imported`);
  return parts.join('; ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `Conv 3×3 s2`, `Conv 3×3 depthwise`, `MaxPool 2×2 s2`, `Transpose`. */
function nodeLabel(n: PartialNode): string {
  const info = n.info;
  if (!info || (info.kind !== 'conv' && info.kind !== 'pool' && info.kind !== 'convT')) return n.op;
  const { rows, cols } = info;
  const stride = rows.s > 1 || cols.s > 1 ? ` s${rows.s === cols.s ? rows.s : `${rows.s}×${cols.s}`}` : '';
  const depthwise = info.kind !== 'pool' && info.group > 1 ? (info.group === info.cout ? ' depthwise' : ` g${info.group}`) : '';
  return `${n.op} ${rows.k}×${cols.k}${stride}${depthwise}`;
}

/** `MatMul ×40, Add ×30, Transpose ×4, …`: the commonest ops first. */
function opCounts(nodes: readonly PartialNode[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return sorted.slice(0, 5).map(([op, k]) => `${op} ×${k}`).join(', ') + (sorted.length > 5 ? ', …' : '');
}

/** NCHW (or NC) dims as rows × columns × channels; null when not an image. */
function imageOf(dims: number[] | undefined): [number, number, number] | null {
  if (!dims) return null;
  if (dims.length === 4) return [dims[2], dims[3], dims[1]];
  return dims.length === 2 ? [1, 1, dims[1]] : null;
}
