import { Chart, LinearScale, LineElement, LogarithmicScale, PointElement, ScatterController, Tooltip, TooltipItem } from 'chart.js';
import type { PanelData, ScheduleSpace } from '../../server/src/core/services/panelTypes';
import { maxOf, minOf } from '../../server/src/core/arrays';
import { formatKiB, formatMacs } from '../../server/src/core/units';
import { annotations } from './common/annotations';
import { connect, exposeCharts } from './common/host';
import { LegendEntry, renderLegend } from './common/legend';
import { applyChartTheme, byId, fileName, kib, scheduleName, showCharts, showHeader } from './common/page';
import { onThemeChange, readTheme, Theme, withAlpha } from './common/theme';

// The schedule explorer: every (split point, P×Q) schedule the search evaluated as a point of peak
// SRAM against MACs (or MAC overhead), the Pareto front as a line, the budget as a vertical line,
// the document's schedule and the best fitting one marked. Clicking a point (or a row of the front's
// table) asks the extension to write that schedule into the model.

Chart.register(ScatterController, PointElement, LineElement, LinearScale, LogarithmicScale, Tooltip, annotations);

type YAxis = 'macs' | 'overhead';
/** 'front': the vertical range around the Pareto front, where the choices are; 'all': every point. */
type Range = 'front' | 'all';
interface State {
  yAxis: YAxis;
  range: Range;
}

/** A point on the chart and the candidate it stands for (−1: the document's own, off the grid). */
interface Point {
  x: number;
  y: number;
  candidate: number;
}

let data: PanelData | null = null;
let theme: Theme = readTheme();
let scatter: Chart<'scatter', Point[]> | undefined;

const host = connect<State>({ yAxis: 'macs', range: 'front' }, (message) => {
  if (message.type === 'data') {
    data = message.data;
    render();
  }
});

const yAxisSelect = byId<HTMLSelectElement>('yAxis');
yAxisSelect.value = host.state.yAxis;
yAxisSelect.addEventListener('change', () => {
  host.saveState({ yAxis: yAxisSelect.value as YAxis });
  render();
});
const rangeSelect = byId<HTMLSelectElement>('range');
rangeSelect.value = host.state.range;
rangeSelect.addEventListener('change', () => {
  host.saveState({ range: rangeSelect.value as Range });
  render();
});
onThemeChange(() => {
  theme = readTheme();
  scatter?.destroy();
  scatter = undefined;
  render();
});

function render(): void {
  if (!data) return;
  const model = data.model;
  const space = data.schedules;
  if (!model || !space) {
    // The search runs only on a model without errors (a broken model has no meaningful schedules),
    // and not on one too deep to chart (data.problem says so).
    const why = model && data.layers.length > 0 ? 'Schedules are searched once the model has no errors (see Problems).' : data.problem;
    showHeader(`Schedules: ${model?.name ?? fileName(data)}`, '', why);
    showCharts(false);
    return;
  }
  showCharts(true);
  const best = space.best >= 0 ? `best that fits (fewest MACs): ${nameOf(space, space.best)} (${formatKiB(space.peakBytes[space.best])}, ${overhead(space, space.macs[space.best])} MACs)` : 'nothing fits';
  showHeader(`Schedules: ${model.name}`, `${space.patchRows.length} schedules · SRAM budget ${formatKiB(space.budgetBytes)} · ${best}`, data.problem);
  applyChartTheme(theme);
  drawScatter(data, space);
  drawFront(data, space);
  exposeCharts({ scatter });
}

function nameOf(space: ScheduleSpace, i: number): string {
  return space.patchRows[i] ? scheduleName([space.patchRows[i], space.patchCols[i]], space.untilBlock[i]) : 'layer by layer';
}

function overhead(space: ScheduleSpace, macs: number): string {
  const percent = (100 * macs) / space.macsLayerByLayer - 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%`;
}

/**
 * Every schedule spans orders of magnitude of MACs (a late split on a fine grid costs 35× a good one):
 * that view is logarithmic, and its overhead axis reads MACs as a percentage of layer by layer (100 %
 * is layer by layer), which a log scale can show; the front's view stays linear in overhead.
 */
const logView = () => host.state.range === 'all';

function yValue(space: ScheduleSpace, macs: number): number {
  if (host.state.yAxis === 'macs') return macs / 1e6;
  return logView() ? (100 * macs) / space.macsLayerByLayer : (100 * macs) / space.macsLayerByLayer - 100;
}

function point(space: ScheduleSpace, i: number): Point {
  return { x: kib(space.peakBytes[i]), y: yValue(space, space.macs[i]), candidate: i };
}

/** The document's schedule: a candidate, or (a grid finer than the search's) its own figures. */
function currentPoint(data: PanelData, space: ScheduleSpace): Point {
  if (space.current >= 0) return point(space, space.current);
  return { x: kib(data.model!.peakBytes), y: yValue(space, data.model!.macs), candidate: -1 };
}

/**
 * The vertical range around the front: schedules that split late on fine grids cost many times
 * the MACs of any sensible choice, and on a full axis they squash the front into one line.
 */
function frontRange(points: Point[]): { min?: number; max?: number } {
  if (points.length === 0) return {};
  const ys = points.map((p) => p.y);
  const lo = minOf(ys);
  const hi = maxOf(ys);
  const pad = Math.max(hi - lo, Math.abs(hi) * 0.02, 1) * 0.4;
  // Round to a tick step so that the axis ends on round numbers.
  const step = 10 ** Math.floor(Math.log10((hi - lo + 2 * pad) / 5));
  return { min: Math.floor((lo - pad) / step) * step, max: Math.ceil((hi + pad) / step) * step };
}

function drawScatter(data: PanelData, space: ScheduleSpace): void {
  const all = space.peakBytes.map((_, i) => point(space, i));
  const colors = { fits: theme.palette.blue, over: withAlpha(theme.muted, 0.45), front: theme.palette.green, current: theme.palette.orange, best: theme.palette.purple };
  const datasets = [
    { label: 'current schedule', data: [currentPoint(data, space)], pointStyle: 'rectRot' as const, pointRadius: 9, pointHoverRadius: 11, backgroundColor: colors.current, borderColor: theme.foreground, borderWidth: 1, order: 0 },
    { label: 'best that fits (fewest MACs)', data: space.best >= 0 ? [point(space, space.best)] : [], pointStyle: 'triangle' as const, pointRadius: 8, pointHoverRadius: 10, backgroundColor: colors.best, borderColor: theme.foreground, borderWidth: 1, order: 1 },
    { label: 'Pareto front', data: space.pareto.map((i) => all[i]), showLine: true, borderColor: colors.front, backgroundColor: colors.front, pointRadius: 3, borderWidth: 2, order: 2 },
    { label: 'fits the budget', data: all.filter((p) => space.peakBytes[p.candidate] <= space.budgetBytes), backgroundColor: withAlpha(colors.fits, 0.6), borderWidth: 0, pointRadius: 2.5, order: 3 },
    { label: 'over budget', data: all.filter((p) => space.peakBytes[p.candidate] > space.budgetBytes), backgroundColor: colors.over, borderWidth: 0, pointRadius: 2.5, order: 4 },
  ];
  const legend: LegendEntry[] = [
    { label: 'fits the budget', color: colors.fits, marker: 'point' },
    { label: 'over budget', color: colors.over, marker: 'point' },
    { label: 'Pareto front', color: colors.front, marker: 'line' },
    { label: 'current schedule', color: colors.current, marker: 'box' },
    { label: 'best that fits (fewest MACs)', color: colors.best, marker: 'box' },
    { label: 'SRAM budget', color: theme.danger, marker: 'line' },
  ];
  renderLegend(byId('scatterLegend'), legend);
  const log = logView() ? ', log scale' : '';
  const yTitle = host.state.yAxis === 'macs' ? `MACs (millions${log})` : logView() ? 'MACs vs layer by layer (%, log scale; 100 = layer by layer)' : 'MAC overhead vs layer by layer (%)';
  const options = {
    parsing: false as const,
    interaction: { mode: 'nearest' as const, intersect: true },
    scales: {
      x: { type: 'linear' as const, beginAtZero: true, title: { display: true, text: 'peak SRAM (KiB)' } },
      y: logView() ? { type: 'logarithmic' as const, title: { display: true, text: yTitle } } : { type: 'linear' as const, ...frontRange([...datasets[2].data, ...datasets[0].data]), title: { display: true, text: yTitle } },
    },
    plugins: {
      legend: { display: false },
      tooltip: {
        // A schedule is drawn by up to three datasets (all, front, marker): name it once.
        filter: (item: TooltipItem<'scatter'>, index: number, items: TooltipItem<'scatter'>[]) =>
          items.findIndex((other) => (other.raw as Point).candidate === (item.raw as Point).candidate) === index,
        callbacks: {
          label: (item: TooltipItem<'scatter'>) => describePoint(data, space, item.raw as Point),
        },
      },
      annotations: { lines: [{ axis: 'x' as const, value: kib(space.budgetBytes), color: theme.danger, label: `SRAM budget ${formatKiB(space.budgetBytes)}` }] },
    },
    onClick: (event: { native: Event | null }) => {
      if (!scatter || !event.native) return;
      const hit = scatter.getElementsAtEventForMode(event.native, 'nearest', { intersect: true }, true)[0];
      if (!hit) return;
      const p = scatter.data.datasets[hit.datasetIndex].data[hit.index];
      if (p.candidate >= 0) apply(data, space, p.candidate);
    },
    onHover: (event: { native: Event | null }, elements: unknown[]) => {
      const target = event.native?.target as HTMLElement | undefined;
      if (target) target.style.cursor = elements.length ? 'pointer' : 'default';
    },
  };
  if (scatter) {
    scatter.data = { datasets };
    scatter.options = options;
    scatter.update();
  } else {
    scatter = new Chart(byId<HTMLCanvasElement>('scatterChart'), { type: 'scatter', data: { datasets }, options });
  }
}

function describePoint(data: PanelData, space: ScheduleSpace, p: Point): string {
  if (p.candidate < 0) {
    const s = data.model!.schedule;
    return `${s ? scheduleName(s.patch, s.untilBlock) : 'layer by layer'} (the document's): peak ${formatKiB(data.model!.peakBytes)}, ${formatMacs(data.model!.macs)} MACs`;
  }
  const i = p.candidate;
  return `${nameOf(space, i)}: peak ${formatKiB(space.peakBytes[i])}, ${formatMacs(space.macs[i])} MACs (${overhead(space, space.macs[i])})`;
}

function apply(data: PanelData, space: ScheduleSpace, i: number): void {
  const patch: [number, number] | null = space.patchRows[i] ? [space.patchRows[i], space.patchCols[i]] : null;
  host.post({ type: 'applySchedule', version: data.version, patch, untilBlock: patch ? space.untilBlock[i] : null });
}

/** The Pareto front as a table: the same choices as the chart, reachable with the keyboard. */
function drawFront(data: PanelData, space: ScheduleSpace): void {
  const rows = space.pareto.map((i) => {
    const tr = document.createElement('tr');
    if (i === space.current) tr.className = 'current';
    const cells = [nameOf(space, i) + (i === space.current ? ' (current)' : ''), formatKiB(space.peakBytes[i]), formatMacs(space.macs[i]), overhead(space, space.macs[i])];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Apply';
    button.disabled = i === space.current;
    button.title = space.peakBytes[i] > space.budgetBytes ? 'Over the budget' : 'Write this schedule into the model';
    button.addEventListener('click', () => apply(data, space, i));
    const td = document.createElement('td');
    td.append(button);
    tr.append(td);
    return tr;
  });
  byId('front').querySelector('tbody')!.replaceChildren(...rows);
}
