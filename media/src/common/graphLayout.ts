import type { GraphViewNode } from '../../../server/src/core/services/graphTypes';

// Where the graph view puts each node: a layered drawing of our own (a DAG library would be the
// page's largest dependency for a few dozen lines). A node's row is one below its deepest source,
// so the two sides of a branch share rows and stand side by side; its column is its first source's
// when free (a chain stays straight), else the nearest free one to the right. Pure: the tests run it.

/** Pixels. */
export const nodeWidth = 250;
export const columnGap = 70;
export const rowGap = 26;
export const lineHeight = 16;
const padding = 8;
/** Room right of the last column for the `until=` labels of the split points. */
export const labelRoom = 150;

export interface Placed {
  /** −1 for the network input, else the index into the nodes. */
  index: number;
  row: number;
  column: number;
  /** Text lines of the box (the first is the title). */
  lines: string[];
  x: number;
  y: number;
  height: number;
}

export interface Edge {
  from: Placed;
  to: Placed;
  /** Rows between them beyond one: drawn as an arc beside the boxes it would cross. */
  skips: number;
}

export interface Layout {
  /** The input first, then the nodes in their order. */
  placed: Placed[];
  edges: Edge[];
  width: number;
  height: number;
  /** Top of each row, and one past the last row's bottom (for the bands drawn across rows). */
  rowTops: number[];
}

/** Characters of a box's line before it is cut (the full text is in the node's tooltip). */
export const lineChars = 36;

export function layoutGraph(input: string, nodes: readonly GraphViewNode[], linesOf: (node: GraphViewNode) => string[]): Layout {
  const rows = [0];
  const columns = [0];
  const taken = new Map<number, Set<number>>([[0, new Set([0])]]);
  const rowOf = (s: number) => (s < 0 ? rows[0] : rows[s + 1]);
  const columnOf = (s: number) => (s < 0 ? columns[0] : columns[s + 1]);
  for (const node of nodes) {
    const row = 1 + Math.max(0, ...node.sources.map(rowOf));
    const want = node.sources.length ? columnOf(node.sources[0]) : 0;
    const used = taken.get(row) ?? new Set<number>();
    let column = want;
    while (used.has(column)) column++;
    used.add(column);
    taken.set(row, used);
    rows.push(row);
    columns.push(column);
  }
  const allLines = [[input], ...nodes.map(linesOf)];
  const rowCount = Math.max(...rows) + 1;
  const rowHeights = new Array<number>(rowCount).fill(0);
  allLines.forEach((lines, i) => (rowHeights[rows[i]] = Math.max(rowHeights[rows[i]], boxHeight(lines.length))));
  const rowTops = [rowGap];
  for (const h of rowHeights) rowTops.push(rowTops[rowTops.length - 1] + h + rowGap);
  const placed = allLines.map((lines, i): Placed => ({
    index: i - 1,
    row: rows[i],
    column: columns[i],
    lines,
    x: columnGap / 2 + columns[i] * (nodeWidth + columnGap),
    y: rowTops[rows[i]],
    height: boxHeight(lines.length),
  }));
  const edges = nodes.flatMap((node, i) => node.sources.map((s) => ({ from: placed[s + 1], to: placed[i + 1], skips: rows[i + 1] - rowOf(s) - 1 })));
  const width = (Math.max(...columns) + 1) * (nodeWidth + columnGap) + labelRoom;
  return { placed, edges, width, height: rowTops[rowTops.length - 1], rowTops };
}

function boxHeight(lines: number): number {
  return 2 * padding + lines * lineHeight;
}

/** Cuts a line to {@link lineChars}, with an ellipsis. */
export function fit(text: string, chars = lineChars): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

/** A long text in lines of at most `chars`, broken at spaces, at most `max` lines (the last cut). */
export function wrap(text: string, max: number, chars = lineChars): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.length <= max ? lines.map((l) => fit(l, chars)) : [...lines.slice(0, max - 1), fit(`${lines[max - 1]} ${lines.slice(max).join(' ')}`, chars)];
}

/**
 * The SVG path of an edge: straight down into the next row, a curve across columns, and beside the
 * boxes (an arc to the right) when it skips rows, so that a shortcut never hides behind the boxes.
 */
export function edgePath(edge: Edge): string {
  const { from, to } = edge;
  if (edge.skips === 0 || from.column !== to.column) {
    const [x1, y1, x2, y2] = [from.x + nodeWidth / 2, from.y + from.height, to.x + nodeWidth / 2, to.y];
    const mid = (y1 + y2) / 2;
    return `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`;
  }
  const right = from.x + nodeWidth;
  const bulge = Math.min(columnGap - 12, 22 + 4 * Math.min(edge.skips, 6));
  const [y1, y2] = [from.y + from.height / 2, to.y + to.height / 2];
  return `M${right},${y1} C${right + bulge},${y1} ${right + bulge},${y2} ${right},${y2}`;
}
