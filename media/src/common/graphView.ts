import type { GraphView, GraphViewNode } from '../../../server/src/core/services/graphTypes';
import { columnGap, edgePath, fit, labelRoom, layoutGraph, nodeWidth, Placed, wrap } from './graphLayout';
import { byId } from './page';

// The graph view under the memory chart (a .pnet's panel, an .onnx page): the blocks as boxes in execution order with their edges (a
// branch side by side, a shortcut as an arc beside the boxes), a dashed cut under each block a patch
// stage may end after, the current schedule's stage shaded; for an import with errors, the nodes it
// took, the ones that failed (with the error) and the rest greyed. SVG with CSS classes only: the
// page's policy refuses inline styles, and the theme's variables restyle it when the theme changes.

const svgNs = 'http://www.w3.org/2000/svg';

/** `reveal`: goes to a block's line (a .pnet's memory panel), on a click on its box. */
export function showGraph(graph: GraphView | null, reveal: (line: number) => void): void {
  const section = byId('graphSection');
  section.hidden = !graph || graph.nodes.length === 0;
  if (!graph || section.hidden) return;
  const info = [graph.partial ? `What the import got to: ${graph.partial}.` : `${graph.nodes.length} blocks in execution order.`];
  if (graph.omitted) info.push(`${graph.omitted} more are not drawn.`);
  byId('graphInfo').textContent = info.join(' ');
  // A key only for what this graph has: no stage in a partial import, no failure in a model that imported.
  const has: Record<string, boolean> = {
    imported: graph.nodes.some((n) => n.state === 'imported'),
    stage: graph.nodes.some((n) => n.stage > 0),
    split: graph.nodes.some((n) => n.splitAfter),
    failed: graph.nodes.some((n) => n.state === 'failed'),
    notImported: graph.nodes.some((n) => n.state === 'notImported'),
  };
  byId('graphLegend').querySelectorAll<HTMLElement>('[data-key]').forEach((item) => (item.hidden = !has[item.dataset.key ?? '']));
  byId('graph').replaceChildren(draw(graph, reveal));
}

function draw(graph: GraphView, reveal: (line: number) => void): SVGSVGElement {
  const input = graph.input ? `input ${graph.input.join('×')}` : 'input';
  // Boxes of blocks are titled by block; in a partial import they are ONNX nodes, named on line two.
  const blocks = graph.partial === null;
  const layout = layoutGraph(input, graph.nodes, (node) => linesOf(node, blocks));
  const svg = element('svg', { width: layout.width, height: layout.height, viewBox: `0 0 ${layout.width} ${layout.height}`, role: 'img', 'aria-label': 'Graph of the imported blocks' });
  svg.append(arrowMarker());
  stageBands(graph, layout.placed, layout.rowTops, layout.width).forEach((band) => svg.append(band));
  const edges = element('g', { class: 'graph-edges' });
  for (const edge of layout.edges) {
    const failed = edge.to.index >= 0 && graph.nodes[edge.to.index].state !== 'imported';
    edges.append(element('path', { d: edgePath(edge), class: `graph-edge${edge.skips && edge.from.column === edge.to.column ? ' skip' : ''}${failed ? ' lost' : ''}`, 'marker-end': 'url(#graphArrow)' }));
  }
  svg.append(edges);
  for (const placed of layout.placed) svg.append(box(placed, placed.index < 0 ? undefined : graph.nodes[placed.index], reveal));
  for (const placed of layout.placed) if (placed.index >= 0 && graph.nodes[placed.index].splitAfter) svg.append(splitCut(placed, graph.nodes[placed.index], layout.width));
  return svg;
}

function linesOf(node: GraphViewNode, block: boolean): string[] {
  const title = block ? `${node.name} · ${node.label}` : node.label;
  const detail = [node.out ? node.out.join('×') : '', node.shortcut ? '+ shortcut' : '', block ? '' : node.name].filter(Boolean).join(' · ');
  if (node.state === 'failed') return [fit(title), ...(detail ? [fit(detail)] : []), ...wrap(node.why ?? 'could not be imported', 3)];
  if (node.state === 'notImported') {
    // `138 nodes not imported: Add ×23, …`: the count as the title, the ops under it.
    const [count, ops] = node.label.split(': ');
    return [fit(count), ...(ops ? wrap(ops, 2) : [])];
  }
  return [fit(title), fit(detail)];
}

function box(placed: Placed, node: GraphViewNode | undefined, reveal: (line: number) => void): SVGGElement {
  const line = node?.line ?? null;
  const classes = ['graph-node', node ? node.state : 'input', node?.stage ? 'stage' : '', line ? 'link' : ''].filter(Boolean).join(' ');
  const g = element('g', { class: classes, transform: `translate(${placed.x},${placed.y})`, 'data-name': node?.name ?? 'input' });
  const title = element('title', {});
  title.textContent = node ? tooltip(node) : placed.lines[0];
  g.append(title, element('rect', { width: nodeWidth, height: placed.height, rx: node ? 4 : placed.height / 2 }));
  placed.lines.forEach((text, i) => {
    const t = element('text', { x: 10, y: 8 + 12 + i * 16, class: i === 0 ? 'title' : node?.state === 'failed' && i > 1 ? 'why' : 'detail' });
    t.textContent = text;
    g.append(t);
  });
  if (line) g.addEventListener('click', () => reveal(line));
  return g;
}

/**
 * Where a stage may end: a cut across the whole drawing in the gap under the block (no branch
 * crosses a split point, so it cuts one edge), its `until=` in the gutter on the right.
 */
function splitCut(placed: Placed, node: GraphViewNode, width: number): SVGGElement {
  const g = element('g', { class: 'graph-cut' });
  const y = placed.y + placed.height + 13;
  g.append(element('line', { x1: 4, y1: y, x2: width - labelRoom, y2: y, class: 'graph-split' }));
  const label = element('text', { x: width - labelRoom + 6, y: y + 4, class: 'graph-split-label' });
  label.textContent = `until=${node.name}`;
  g.append(label);
  return g;
}

function tooltip(node: GraphViewNode): string {
  const lines = [`${node.name}: ${node.label}`];
  if (node.out) lines.push(`output ${node.out.join('×')}`);
  if (node.onnxNodes.length && node.onnxNodes[0] !== node.name) lines.push(`ONNX nodes: ${node.onnxNodes.join(', ')}`);
  if (node.why) lines.push(node.why);
  if (node.splitAfter) lines.push(`A patch stage may end here (until=${node.name}).`);
  if (node.stage) lines.push(`Runs patch by patch (stage ${node.stage} of the schedule).`);
  return lines.join('\n');
}

/** A shaded band behind the rows of each stage of the current schedule, labelled. */
function stageBands(graph: GraphView, placed: Placed[], rowTops: number[], width: number): SVGGElement[] {
  const rows = new Map<number, [number, number]>();
  for (const p of placed) {
    const stage = p.index >= 0 ? graph.nodes[p.index].stage : 0;
    if (!stage) continue;
    const [lo, hi] = rows.get(stage) ?? [p.row, p.row];
    rows.set(stage, [Math.min(lo, p.row), Math.max(hi, p.row)]);
  }
  return [...rows].map(([stage, [lo, hi]]) => {
    const g = element('g', { class: 'graph-stage' });
    const top = rowTops[lo] - 8;
    g.append(element('rect', { x: 4, y: top, width: width - 8, height: rowTops[hi + 1] - top - 10, rx: 6 }));
    // Right of the first column, where a stage's blocks are (a stage is a chain from its input), in two
    // short lines: one long line would run over the boxes or out of a one-column drawing.
    const x = columnGap / 2 + nodeWidth + 10;
    [`patch stage${rows.size > 1 ? ` ${stage}` : ''}`, graph.stages[stage - 1] ?? ''].forEach((line, i) => {
      const label = element('text', { x, y: top + 22 + i * 14 });
      label.textContent = line;
      g.append(label);
    });
    return g;
  });
}

function arrowMarker(): SVGDefsElement {
  const defs = element('defs', {});
  const marker = element('marker', { id: 'graphArrow', viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(element('path', { d: 'M0,0 L8,4 L0,8 z', class: 'graph-arrow' }));
  defs.append(marker);
  return defs;
}

function element<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, String(value));
  return e;
}
