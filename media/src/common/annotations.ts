import { Chart, ChartType, Plugin } from 'chart.js';

// Budget lines, shaded bands and labels drawn on a chart, as a small plugin: chartjs-plugin-annotation
// would do it, at several times the size of these few primitives.

export interface GuideLine {
  axis: 'x' | 'y';
  /** In data units of that axis. */
  value: number;
  color: string;
  label: string;
  dash?: number[];
  /** Where a horizontal line's label sits: 'end' (right, the default) or 'start' (left, clear of a curve rising to the right). */
  labelAt?: 'start' | 'end';
  /** Painted behind the label, so that it stays legible over the bars it crosses (the page's background). */
  labelBackground?: string;
}

export interface Band {
  /** Category indices (a bar chart's x) or values (a linear x), inclusive. */
  from: number;
  to: number;
  color: string;
  label?: string;
}

export interface PointLabel {
  /** The element of dataset `datasetIndex` at `index` gives x; `value` (y units) gives y. */
  datasetIndex: number;
  index: number;
  value: number;
  text: string;
  color: string;
}

export interface AnnotationOptions {
  lines?: GuideLine[];
  bands?: Band[];
  labels?: PointLabel[];
}

declare module 'chart.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface PluginOptionsByType<TType extends ChartType> {
    annotations?: AnnotationOptions;
  }
}

function font(chart: Chart): string {
  const f = chart.options.font ?? Chart.defaults.font;
  return `${f.size ?? 12}px ${f.family ?? 'sans-serif'}`;
}

/** A band's pixel span on x: category slots for category scales, values for linear ones. */
function bandSpan(chart: Chart, band: Band): [number, number] {
  const x = chart.scales.x;
  if (x.type === 'category') {
    const half = (x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 || x.width / 2;
    return [x.getPixelForValue(band.from) - half, x.getPixelForValue(band.to) + half];
  }
  return [x.getPixelForValue(band.from), x.getPixelForValue(band.to)];
}

/** Layout padding that leaves a line above the plot area for band labels. */
export const bandLabelRoom = { top: 20 };

export const annotations: Plugin = {
  id: 'annotations',
  beforeDatasetsDraw(chart, _args, options: AnnotationOptions) {
    const { ctx, chartArea: area } = chart;
    ctx.save();
    ctx.font = font(chart);
    ctx.textBaseline = 'top';
    for (const band of options.bands ?? []) {
      const [left, right] = bandSpan(chart, band);
      const l = Math.max(area.left, left);
      const r = Math.min(area.right, right);
      if (r <= l) continue;
      ctx.fillStyle = band.color;
      ctx.fillRect(l, area.top, r - l, area.bottom - area.top);
      if (band.label) {
        // Above the plot area (the chart leaves room: bandLabelRoom), clear of the bars and labels.
        ctx.fillStyle = String(chart.options.color ?? Chart.defaults.color);
        ctx.textBaseline = 'bottom';
        ctx.fillText(band.label, l + 2, area.top - 3);
      }
    }
    ctx.restore();
  },
  afterDatasetsDraw(chart, _args, options: AnnotationOptions) {
    const { ctx, chartArea: area } = chart;
    ctx.save();
    ctx.font = font(chart);
    for (const line of options.lines ?? []) {
      const scale = chart.scales[line.axis];
      if (!scale) continue;
      const at = scale.getPixelForValue(line.value);
      ctx.strokeStyle = line.color;
      ctx.fillStyle = line.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(line.dash ?? [6, 4]);
      ctx.beginPath();
      if (line.axis === 'y') {
        if (at < area.top || at > area.bottom) continue;
        ctx.moveTo(area.left, at);
        ctx.lineTo(area.right, at);
        ctx.stroke();
        const start = line.labelAt === 'start';
        ctx.textAlign = start ? 'left' : 'right';
        // Below the line at the start: the curve that climbs to it from the left stays above the text.
        ctx.textBaseline = start ? 'top' : 'bottom';
        const x = start ? area.left + 4 : area.right - 4;
        const y = start ? at + 3 : at - 3;
        if (line.labelBackground) {
          const width = ctx.measureText(line.label).width;
          const height = 14;
          ctx.save();
          ctx.fillStyle = line.labelBackground;
          ctx.fillRect(start ? x - 2 : x - width - 2, start ? y - 1 : y - height, width + 4, height + 1);
          ctx.restore();
        }
        ctx.fillText(line.label, x, y);
      } else {
        if (at < area.left || at > area.right) continue;
        ctx.moveTo(at, area.top);
        ctx.lineTo(at, area.bottom);
        ctx.stroke();
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(line.label, at + 4, area.top + 4);
      }
    }
    ctx.setLineDash([]);
    for (const label of options.labels ?? []) {
      const element = chart.getDatasetMeta(label.datasetIndex).data[label.index];
      if (!element) continue;
      const y = Math.max(area.top + 14, chart.scales.y.getPixelForValue(label.value) - 6);
      ctx.fillStyle = label.color;
      ctx.textAlign = element.x > area.right - 120 ? 'right' : 'left';
      ctx.textBaseline = 'bottom';
      ctx.beginPath();
      ctx.arc(element.x, y + 3, 2.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillText(label.text, element.x + (ctx.textAlign === 'right' ? -4 : 4), y);
    }
    ctx.restore();
  },
};
