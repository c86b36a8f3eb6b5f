import type { OverlapTensor } from '../../../server/src/core/services/panelTypes';
import { Theme, withAlpha } from '../common/theme';

// One tensor of the patch stage drawn to scale, with every patch's region on it as a translucent
// rectangle (overlaps come out darker). The patch under the pointer, or picked with the arrow keys,
// shows its own share solid and its halo hatched; the others fade. On a cached axis, the lines a
// patch takes from the cache are striped in the cache colour (horizontal stripes for the row cache,
// vertical for the column cache): the rest of its region is computed anew.

/** A patch's region and own share on one axis: [lo, hi, ownLo, ownHi], inclusive. */
type Span = [number, number, number, number];

/** Lines [lo, hi] a patch takes from a cache on one axis (hi < lo: none). */
export type CacheSpan = [number, number];

/** The row and column caches' colours, shared by the drawing and the legend. */
export function cacheColors(theme: Theme): { rows: string; cols: string } {
  return { rows: theme.palette.red, cols: theme.palette.yellow };
}

export interface PatchFocus {
  row: number;
  col: number;
}

function spans(flat: number[]): Span[] {
  const out: Span[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) out.push([flat[i], flat[i + 1], flat[i + 2], flat[i + 3]]);
  return out;
}

export class RegionsView {
  private tensor: OverlapTensor | undefined;
  private rows: Span[] = [];
  private cols: Span[] = [];
  private cacheRows: CacheSpan[] | null = null;
  private cacheCols: CacheSpan[] | null = null;
  private focus: PatchFocus | null = null;
  private theme: Theme | undefined;
  /** Tensor pixels → CSS pixels, and the drawing's offset in the canvas. */
  private scale = 1;
  private origin = { x: 0, y: 0 };

  constructor(private readonly canvas: HTMLCanvasElement, private readonly onFocus: (focus: PatchFocus | null) => void) {
    canvas.tabIndex = 0;
    canvas.addEventListener('mousemove', (e) => this.setFocus(this.patchAt(e.offsetX, e.offsetY)));
    canvas.addEventListener('mouseleave', () => this.setFocus(null));
    canvas.addEventListener('keydown', (e) => this.onKey(e));
  }

  show(tensor: OverlapTensor, theme: Theme): void {
    this.tensor = tensor;
    this.rows = spans(tensor.rows);
    this.cols = spans(tensor.cols);
    this.cacheRows = tensor.cacheRows && pairs(tensor.cacheRows);
    this.cacheCols = tensor.cacheCols && pairs(tensor.cacheCols);
    this.theme = theme;
    if (this.focus && (this.focus.row >= this.rows.length || this.focus.col >= this.cols.length)) this.focus = null;
    this.draw();
    this.onFocus(this.focus);
  }

  /** The focused patch's region and share, as a tensor's rows and columns. */
  describe(focus: PatchFocus): { rows: Span; cols: Span; cacheRows: CacheSpan | null; cacheCols: CacheSpan | null } {
    return { rows: this.rows[focus.row], cols: this.cols[focus.col], cacheRows: this.cacheRows?.[focus.row] ?? null, cacheCols: this.cacheCols?.[focus.col] ?? null };
  }

  private setFocus(focus: PatchFocus | null): void {
    if (focus?.row === this.focus?.row && focus?.col === this.focus?.col) return;
    this.focus = focus;
    this.draw();
    this.onFocus(focus);
  }

  private onKey(e: KeyboardEvent): void {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[e.key];
    if (e.key === 'Escape') this.setFocus(null);
    if (!move) return;
    e.preventDefault();
    const at = this.focus ?? { row: 0, col: 0 };
    const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
    this.setFocus(this.focus ? { row: clamp(at.row + move[0], this.rows.length), col: clamp(at.col + move[1], this.cols.length) } : at);
  }

  /**
   * The patch whose own share holds this point (shares tile the tensor), or null outside it. On a
   * cached axis, the patch that computes the line: the lines computed anew tile it there.
   */
  private patchAt(x: number, y: number): PatchFocus | null {
    if (!this.tensor) return null;
    const col = Math.floor((x - this.origin.x) / this.scale);
    const row = Math.floor((y - this.origin.y) / this.scale);
    const owner = (spans: Span[], cached: CacheSpan[] | null, at: number) =>
      spans.findIndex((s, i) => (cached ? at >= Math.max(s[0], cached[i][1] + 1) && at <= s[1] : at >= s[2] && at <= s[3]));
    const r = owner(this.rows, this.cacheRows, row);
    const c = owner(this.cols, this.cacheCols, col);
    return r >= 0 && c >= 0 ? { row: r, col: c } : null;
  }

  private palette(row: number, col: number): string {
    const p = this.theme!.palette;
    // Neighbours never share a colour, so each overlap shows as a mix of two.
    return [p.blue, p.green, p.orange, p.purple][(row % 2) * 2 + (col % 2)];
  }

  draw(): void {
    const { tensor, theme } = this;
    if (!tensor || !theme) return;
    const box = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(box.width * ratio);
    this.canvas.height = Math.round(box.height * ratio);
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, box.width, box.height);
    const [h, w] = tensor.size;
    const margin = 4;
    this.scale = Math.min((box.width - 2 * margin) / w, (box.height - 2 * margin) / h);
    this.origin = { x: (box.width - w * this.scale) / 2, y: (box.height - h * this.scale) / 2 };
    const rect = (rows: [number, number], cols: [number, number]): [number, number, number, number] => [
      this.origin.x + cols[0] * this.scale,
      this.origin.y + rows[0] * this.scale,
      (cols[1] - cols[0] + 1) * this.scale,
      (rows[1] - rows[0] + 1) * this.scale,
    ];
    ctx.fillStyle = withAlpha(theme.foreground, 0.06);
    ctx.fillRect(...rect([0, h - 1], [0, w - 1]));
    const focus = this.focus;
    for (let r = 0; r < this.rows.length; r++) {
      for (let c = 0; c < this.cols.length; c++) {
        const faded = focus !== null && !(focus.row === r && focus.col === c);
        const color = this.palette(r, c);
        ctx.fillStyle = withAlpha(color, faded ? 0.08 : 0.22);
        ctx.strokeStyle = withAlpha(color, faded ? 0.3 : 0.9);
        ctx.lineWidth = theme.lineWidth;
        const area = rect([this.rows[r][0], this.rows[r][1]], [this.cols[c][0], this.cols[c][1]]);
        ctx.fillRect(...area);
        ctx.strokeRect(area[0] + 0.5, area[1] + 0.5, area[2] - 1, area[3] - 1);
      }
    }
    if (this.cacheRows || this.cacheCols) this.drawCaches(ctx, rect, focus);
    if (focus) this.drawFocus(ctx, rect, focus);
    ctx.strokeStyle = theme.foreground;
    ctx.lineWidth = theme.lineWidth;
    ctx.strokeRect(...rect([0, h - 1], [0, w - 1]));
  }

  /** Each patch's cached lines over its region's other axis, striped; the focused patch's strongest. */
  private drawCaches(ctx: CanvasRenderingContext2D, rect: (rows: [number, number], cols: [number, number]) => [number, number, number, number], focus: PatchFocus | null): void {
    const colors = cacheColors(this.theme!);
    for (let r = 0; r < this.rows.length; r++) {
      for (let c = 0; c < this.cols.length; c++) {
        const alpha = focus === null ? 0.75 : focus.row === r && focus.col === c ? 1 : 0.2;
        const rows: [number, number] = [this.rows[r][0], this.rows[r][1]];
        const cols: [number, number] = [this.cols[c][0], this.cols[c][1]];
        const byRows = this.cacheRows?.[r];
        if (byRows && byRows[1] >= byRows[0]) stripes(ctx, rect(byRows, cols), colors.rows, alpha, 'horizontal');
        const byCols = this.cacheCols?.[c];
        if (byCols && byCols[1] >= byCols[0]) stripes(ctx, rect(rows, byCols), colors.cols, alpha, 'vertical');
      }
    }
  }

  private drawFocus(ctx: CanvasRenderingContext2D, rect: (rows: [number, number], cols: [number, number]) => [number, number, number, number], focus: PatchFocus): void {
    const theme = this.theme!;
    const rows = this.rows[focus.row];
    const cols = this.cols[focus.col];
    const color = this.palette(focus.row, focus.col);
    const region = rect([rows[0], rows[1]], [cols[0], cols[1]]);
    // On a cached axis, the solid part is the lines the patch computes anew (after its cached ones).
    const fresh = (span: Span, cached: CacheSpan | undefined): [number, number] => (cached ? [Math.max(span[0], cached[1] + 1), span[1]] : [span[2], span[3]]);
    const own = rect(fresh(rows, this.cacheRows?.[focus.row]), fresh(cols, this.cacheCols?.[focus.col]));
    // The halo: the region minus the own share (even-odd fill of the two rectangles), hatched.
    ctx.save();
    ctx.beginPath();
    ctx.rect(...region);
    ctx.rect(...own);
    ctx.clip('evenodd');
    ctx.strokeStyle = withAlpha(color, 0.9);
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let d = -region[3]; d < region[2]; d += 6) {
      ctx.moveTo(region[0] + d, region[1] + region[3]);
      ctx.lineTo(region[0] + d + region[3], region[1]);
    }
    ctx.stroke();
    ctx.restore();
    ctx.fillStyle = withAlpha(color, 0.6);
    ctx.fillRect(...own);
    ctx.strokeStyle = theme.focus;
    ctx.lineWidth = 2;
    ctx.strokeRect(region[0] + 1, region[1] + 1, region[2] - 2, region[3] - 2);
  }
}

function pairs(flat: number[]): CacheSpan[] {
  const out: CacheSpan[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** A translucent fill with stripes every 4 CSS pixels along one direction. */
function stripes(ctx: CanvasRenderingContext2D, area: [number, number, number, number], color: string, alpha: number, direction: 'horizontal' | 'vertical'): void {
  const [x, y, w, h] = area;
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  ctx.fillStyle = withAlpha(color, 0.3 * alpha);
  ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = withAlpha(color, alpha);
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  if (direction === 'horizontal') {
    for (let d = 1; d < h; d += 4) {
      ctx.moveTo(x, y + d);
      ctx.lineTo(x + w, y + d);
    }
  } else {
    for (let d = 1; d < w; d += 4) {
      ctx.moveTo(x + d, y);
      ctx.lineTo(x + d, y + h);
    }
  }
  ctx.stroke();
  ctx.restore();
}
