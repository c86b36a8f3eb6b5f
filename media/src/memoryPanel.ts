import { BarController, BarElement, CategoryScale, Chart, ChartDataset, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip, TooltipItem } from 'chart.js';
import type { MemoryParts, PanelData, PanelLayer } from '../../server/src/core/services/panelTypes';
import type { Measured } from '../../client/src/panels/messages';
import { formatBytes, formatKiB } from '../../server/src/core/units';
import { annotations, Band, bandLabelRoom, PointLabel } from './common/annotations';
import { connect, exposeCharts } from './common/host';
import { renderLegend } from './common/legend';
import { showGraph } from './common/graphView';
import { showOnnxModel, wireOnnxModel } from './common/onnxModel';
import { applyChartTheme, byId, fileName, kib, scheduleName, showCharts, showHeader } from './common/page';
import { onThemeChange, readTheme, Theme, withAlpha } from './common/theme';

// The memory panel: per layer, the bytes live while it runs, layer by layer (pale) and with the
// schedule (solid), stacked by what holds them; the SRAM budget, the patch stage and the peaks on
// top. Below it, the flash the weights take, layer after layer, against the flash budget.

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Filler, Tooltip, annotations);

type View = 'both' | 'scheduled' | 'layerByLayer';
type Part = keyof MemoryParts;
const parts: readonly Part[] = ['inputBytes', 'outputBytes', 'keptBytes', 'stageBytes', 'scratchBytes'];
const partNames: Record<Part, string> = {
  inputBytes: 'input',
  outputBytes: 'output',
  keptBytes: 'kept for a later layer',
  stageBytes: 'stage output buffer',
  scratchBytes: 'scratch',
};

interface State {
  view: View;
  /** Parts switched off in the legend. */
  hidden: string[];
}

let data: PanelData | null = null;
let highlighted: number | null = null;
let theme: Theme = readTheme();
let memoryChart: Chart<'bar'> | undefined;
let flashChart: Chart<'line'> | undefined;

let measured: Measured | null = null;

// The scheduled bars first: beside the layer-by-layer ones (1,372 KiB for MobileNetV2) they are a
// sliver; the headline keeps the layer-by-layer peak as context, and the view select shows both.
const host = connect<State>({ view: 'scheduled', hidden: [] }, (message) => {
  if (message.type === 'data') {
    data = message.data;
    render();
  } else if (message.type === 'measured') {
    measured = message.measured;
    render();
  } else if (message.type === 'onnxModel') {
    showOnnxModel(message);
  } else {
    highlighted = message.line;
    highlight();
  }
});
wireOnnxModel(host.post);

const viewSelect = byId<HTMLSelectElement>('view');
viewSelect.value = host.state.view;
viewSelect.addEventListener('change', () => {
  host.saveState({ view: viewSelect.value as View });
  render();
});
onThemeChange(() => {
  theme = readTheme();
  memoryChart?.destroy();
  flashChart?.destroy();
  memoryChart = flashChart = undefined;
  render();
});

function partColors(): Record<Part, string> {
  const p = theme.palette;
  // Scratch in the theme's muted grey: yellow beside the stage buffer's orange read as one colour.
  return { inputBytes: p.blue, outputBytes: p.green, keptBytes: p.purple, stageBytes: p.orange, scratchBytes: theme.muted };
}

function render(): void {
  if (!data) return;
  showGraph(data.graph, (line) => host.post({ type: 'reveal', line }));
  const model = data.model;
  // No model, or one too deep to chart: the problem says which.
  if (!model || data.layers.length === 0) {
    showHeader(`Memory: ${model?.name ?? fileName(data)}`, '', data.problem);
    showCharts(false);
    return;
  }
  showCharts(true);
  const schedule = model.schedule;
  const fits = model.peakBytes <= model.sramBytes ? 'fits' : `over by ${formatKiB(model.peakBytes - model.sramBytes)}`;
  const peak = schedule
    ? `peak ${formatKiB(model.peakBytes)} with ${scheduleName(schedule.patch, schedule.untilBlock)} (layer by layer ${formatKiB(model.layerByLayerPeakBytes)})`
    : `peak ${formatKiB(model.peakBytes)} layer by layer (no schedule)`;
  // A model fits only when its weights fit the flash too: the headline says so beside the SRAM.
  const flash = model.weightsBytes <= model.flashBytes ? 'fits' : `over by ${formatBytes(model.weightsBytes - model.flashBytes)}: no firmware fits`;
  showHeader(`Memory: ${model.name}`, `${peak} · SRAM ${formatKiB(model.sramBytes)} (${model.target}): ${fits} · flash: weights ${formatBytes(model.weightsBytes)} of ${formatBytes(model.flashBytes)}: ${flash}${measuredSummary()}`, data.problem);
  viewSelect.parentElement!.hidden = !schedule;
  applyChartTheme(theme);
  drawLegend(data);
  drawMemory(data);
  drawFlash(data);
  exposeCharts({ memory: memoryChart, flash: flashChart });
}

function stacks(data: PanelData): ('layerByLayer' | 'scheduled')[] {
  if (!data.model?.schedule) return ['layerByLayer'];
  return host.state.view === 'both' ? ['layerByLayer', 'scheduled'] : [host.state.view];
}

function memoryDatasets(data: PanelData): ChartDataset<'bar', number[]>[] {
  const colors = partColors();
  const shown = stacks(data);
  return shown.flatMap((stack) =>
    parts.map((part) => ({
      label: partNames[part],
      stack,
      data: data.layers.map((l) => kib(l[stack][part])),
      backgroundColor: stack === 'layerByLayer' && shown.length > 1 ? withAlpha(colors[part], 0.35) : colors[part],
      borderColor: theme.kind === 'highContrast' ? theme.foreground : colors[part],
      borderWidth: theme.kind === 'highContrast' ? 1 : 0,
      hidden: host.state.hidden.includes(part),
    })),
  );
}

function memoryBands(data: PanelData): Band[] {
  const bands: Band[] = [];
  const schedule = data.model!.schedule;
  if (schedule) bands.push({ from: 0, to: schedule.endLayer - 1, color: theme.stage, label: `patch stage: ${schedule.patch[0]}×${schedule.patch[1]} patches` });
  data.layers.forEach((layer, i) => {
    if (layer.line === highlighted) bands.push({ from: i, to: i, color: withAlpha(theme.focus, 0.2) });
  });
  return bands;
}

/** Moves the cursor's band only: the cursor moves often, and the bars have not changed. */
function highlight(): void {
  const annotations = memoryChart?.options.plugins?.annotations;
  if (!memoryChart || !annotations || !data?.model) return;
  annotations.bands = memoryBands(data);
  memoryChart.update('none');
}

function memoryLabels(data: PanelData, datasets: ChartDataset<'bar', number[]>[]): PointLabel[] {
  const model = data.model!;
  const labels: PointLabel[] = [];
  const top = (stack: string) => datasets.findIndex((d) => d.stack === stack);
  const shown = stacks(data);
  if (shown.includes('scheduled')) {
    labels.push({ datasetIndex: top('scheduled'), index: model.peakLayer, value: kib(model.peakBytes), text: `peak ${formatKiB(model.peakBytes)}`, color: theme.foreground });
  }
  if (shown.includes('layerByLayer')) {
    const text = model.schedule ? `layer by layer ${formatKiB(model.layerByLayerPeakBytes)}` : `peak ${formatKiB(model.layerByLayerPeakBytes)}`;
    labels.push({ datasetIndex: top('layerByLayer'), index: Math.max(0, model.layerByLayerPeakLayer), value: kib(model.layerByLayerPeakBytes), text, color: theme.muted });
  }
  return labels;
}

function layerTitle(layer: PanelLayer): string {
  return `${layer.name} (${layer.blockLabel}) · line ${layer.line} · ${layer.out.join('×')}`;
}

function drawMemory(data: PanelData): void {
  const model = data.model!;
  const datasets = memoryDatasets(data);
  const config = {
    data: { labels: data.layers.map((l) => l.name), datasets },
    options: {
      interaction: { mode: 'index' as const, intersect: false },
      layout: { padding: bandLabelRoom },
      scales: {
        x: { stacked: true, ticks: { autoSkip: true, maxRotation: 60 }, title: { display: true, text: 'layer' } },
        y: { stacked: true, beginAtZero: true, suggestedMax: kib(Math.max(model.sramBytes, stacks(data).includes('layerByLayer') ? model.layerByLayerPeakBytes : model.peakBytes)) * 1.08, title: { display: true, text: 'live SRAM (KiB)' } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item: TooltipItem<'bar'>) => (item.parsed.y ?? 0) > 0,
          callbacks: {
            title: (items: TooltipItem<'bar'>[]) => (items.length ? layerTitle(data.layers[items[0].dataIndex]) : ''),
            label: (item: TooltipItem<'bar'>) => `${item.dataset.stack === 'layerByLayer' ? 'layer by layer' : 'scheduled'}: ${item.dataset.label} ${(item.parsed.y ?? 0).toFixed(1)} KiB`,
            footer: (items: TooltipItem<'bar'>[]) => (items.length ? totals(data.layers[items[0].dataIndex], !!model.schedule) : ''),
          },
        },
        annotations: {
          lines: [{ axis: 'y' as const, value: kib(model.sramBytes), color: theme.danger, label: `SRAM budget ${formatKiB(model.sramBytes)} (${model.target})`, labelBackground: withAlpha(theme.background, 0.85) }, ...measuredLines()],
          bands: memoryBands(data),
          labels: memoryLabels(data, datasets),
        },
      },
      onClick: (event: { native: Event | null }) => {
        if (!memoryChart || !event.native) return;
        const hit = memoryChart.getElementsAtEventForMode(event.native, 'index', { intersect: false }, true);
        if (hit.length) host.post({ type: 'reveal', line: data.layers[hit[0].index].line });
      },
    },
  };
  if (memoryChart) {
    memoryChart.data = config.data;
    memoryChart.options = config.options;
    memoryChart.update();
  } else {
    memoryChart = new Chart(byId<HTMLCanvasElement>('memoryChart'), { type: 'bar', ...config });
  }
}

/**
 * The last firmware run (Generate Firmware): its measured arena high-water mark against the
 * prediction (activation peak + scratch), when it ran the model as it is now.
 */
function measuredLines() {
  if (!measured || !data?.model || measured.predictedPeakBytes !== data.model.peakBytes) return [];
  return [{ axis: 'y' as const, value: kib(measured.measuredArenaBytes), color: theme.palette.green, label: `arena measured ${formatKiB(measured.measuredArenaBytes)}`, labelBackground: withAlpha(theme.background, 0.85) }];
}

/** The last firmware run in words, for the summary line (the chart line's label stays short). */
function measuredSummary(): string {
  if (!measured || !data?.model || measured.predictedPeakBytes !== data.model.peakBytes) return '';
  const m = measured;
  const count = m.count !== null ? `, ${m.count.toLocaleString('en')} ${m.unit}` : '';
  const verdict = m.matchesReference ? 'the same bytes as the reference' : 'OUTPUT DIFFERS from the reference';
  return ` · measured on ${m.board}: arena ${formatKiB(m.measuredArenaBytes)} of ${formatKiB(m.predictedArenaBytes)} predicted, ${verdict}${count}`;
}

function totals(layer: PanelLayer, scheduled: boolean): string {
  const sum = (m: MemoryParts) => m.inputBytes + m.outputBytes + m.keptBytes + m.stageBytes;
  const lbl = `layer by layer ${formatKiB(sum(layer.layerByLayer))}`;
  return scheduled ? `${lbl} · scheduled ${formatKiB(sum(layer.scheduled))} (+ ${formatKiB(layer.scheduled.scratchBytes)} scratch)` : `${lbl} (+ ${formatKiB(layer.layerByLayer.scratchBytes)} scratch)`;
}

function drawLegend(data: PanelData): void {
  const colors = partColors();
  const entries = parts.map((part) => ({ id: part, label: partNames[part], color: colors[part], marker: 'box' as const, off: host.state.hidden.includes(part) }));
  const both = stacks(data).length > 1;
  const keys = [
    ...(both ? [{ label: 'pale: layer by layer, solid: with the schedule', color: withAlpha(theme.foreground, 0.35), marker: 'box' as const }] : []),
    { label: 'SRAM budget', color: theme.danger, marker: 'line' as const },
  ];
  renderLegend(byId('memoryLegend'), [...entries, ...keys], (id) => togglePart(id as Part));
}

function togglePart(part: Part): void {
  const hidden = host.state.hidden.includes(part) ? host.state.hidden.filter((p) => p !== part) : [...host.state.hidden, part];
  host.saveState({ hidden });
  render();
}

function drawFlash(data: PanelData): void {
  const model = data.model!;
  let total = 0;
  const cumulative = data.layers.map((l) => kib((total += l.weightsBytes)));
  const over = model.weightsBytes > model.flashBytes;
  const color = over ? theme.danger : theme.palette.blue;
  const config = {
    data: {
      labels: data.layers.map((l) => l.name),
      datasets: [{ label: 'weights so far (KiB)', data: cumulative, borderColor: color, backgroundColor: withAlpha(color, 0.2), fill: 'origin' as const, pointRadius: 0, borderWidth: 2 }],
    },
    options: {
      interaction: { mode: 'index' as const, intersect: false },
      scales: {
        x: { ticks: { display: false }, grid: { display: false } },
        y: { beginAtZero: true, suggestedMax: kib(model.flashBytes) * 1.1, title: { display: true, text: 'flash (KiB)' } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item: TooltipItem<'line'>) => `weights up to here: ${formatBytes((item.parsed.y ?? 0) * 1024)}` } },
        annotations: { lines: [{ axis: 'y' as const, value: kib(model.flashBytes), color: theme.danger, label: `flash ${formatBytes(model.flashBytes)} · weights ${formatBytes(model.weightsBytes)}${over ? ' (over)' : ''}` }] },
      },
    },
  };
  if (flashChart) {
    flashChart.data = config.data;
    flashChart.options = config.options;
    flashChart.update();
  } else {
    flashChart = new Chart(byId<HTMLCanvasElement>('flashChart'), { type: 'line', ...config });
  }
}
