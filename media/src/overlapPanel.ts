import { BarController, BarElement, CategoryScale, Chart, ChartConfiguration, LinearScale, LineController, LogarithmicScale, LineElement, PointElement, Tooltip, TooltipItem } from 'chart.js';
import type { OverlapData, OverlapRun, PanelData } from '../../server/src/core/services/panelTypes';
import { annotations, Band, bandLabelRoom } from './common/annotations';
import { connect, exposeCharts } from './common/host';
import { LegendEntry, renderLegend } from './common/legend';
import { applyChartTheme, byId, fileName, scheduleName, setText, showCharts, showHeader } from './common/page';
import { onThemeChange, readTheme, Theme, withAlpha } from './common/theme';
import { cacheColors, PatchFocus, RegionsView } from './overlap/regionsView';

// The receptive field / patch overlap panel: a tensor of the patch stage (the input image first)
// drawn to scale with each patch's region on it, a slider to walk the stage's tensors, and a chart
// of every layer's receptive field and, in the stage, of how much each layer recomputes. A schedule
// beyond MCUNetV2 (several stages, caches, streamed runs) adds a picker of its stages and runs; the
// tensors are then the picked run's, and the lines a patch takes from a cache are striped.

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, LogarithmicScale, Tooltip, annotations);

interface State {
  /** Index into the overlap's tensors: 0 is the input image. */
  tensor: number;
  /** The picked stage or streamed run of a schedule beyond MCUNetV2. */
  run: number;
}

let data: PanelData | null = null;
let theme: Theme = readTheme();
type RfChart = Chart<'bar' | 'line', (number | null)[], string>;
let rfChart: RfChart | undefined;

const host = connect<State>({ tensor: 0, run: 0 }, (message) => {
  if (message.type === 'data') {
    data = message.data;
    render();
  }
});

const slider = byId<HTMLInputElement>('tensor');
const runPicker = byId<HTMLSelectElement>('run');
/** The picked stage or streamed run of a schedule beyond MCUNetV2, kept across hide and show and a reload. */
let runIndex = host.state.run;
runPicker.addEventListener('change', () => {
  runIndex = Number(runPicker.value);
  slider.value = '0';
  host.saveState({ tensor: 0, run: runIndex });
  showRun();
});
const regions = new RegionsView(byId<HTMLCanvasElement>('regionsCanvas'), (focus) => describeFocus(focus));
slider.addEventListener('input', () => {
  host.saveState({ tensor: Number(slider.value) });
  showTensor();
});
onThemeChange(() => {
  theme = readTheme();
  rfChart?.destroy();
  rfChart = undefined;
  render();
});
window.addEventListener('resize', () => regions.draw());

function render(): void {
  if (!data) return;
  const model = data.model;
  if (!model || data.layers.length === 0) {
    showHeader(`Patch overlap: ${model?.name ?? fileName(data)}`, '', data.problem);
    showCharts(false);
    return;
  }
  showCharts(true);
  const schedule = model.schedule;
  const overlap = data.overlap;
  const summary = overlap?.runs.length
    ? `${runCount(overlap)}: ${overlap.runs.map((r) => r.label).join('; ')}. The whole network computes ${percent(model.macs / model.macsLayerByLayer - 1)} more MACs than layer by layer.`
    : schedule
    ? `${scheduleName(schedule.patch, schedule.untilBlock)}: ${schedule.patch[0] * schedule.patch[1]} patches, the largest patch reads ${schedule.inputPatch[0]}×${schedule.inputPatch[1]} input pixels; the stage computes ${percent(schedule.overheadStage)} more MACs than layer by layer (${percent(schedule.overheadTotal)} overall)`
    : 'Layer by layer: no patches.';
  const noSchedule = 'The model has no schedule line: add one (e.g. schedule patch=4x4 until=block4), or pick one in the Schedule Explorer, to see its patches.';
  showHeader(`Patch overlap: ${model.name}`, summary, [data.problem, overlap ? null : noSchedule].filter(Boolean).join(' ') || null);
  byId('tensor').parentElement!.hidden = !overlap;
  byId('regionsCanvas').parentElement!.hidden = !overlap;
  applyChartTheme(theme);
  byId('runControls').hidden = !overlap?.runs.length;
  if (overlap?.runs.length) {
    runIndex = Math.min(runIndex, overlap.runs.length - 1);
    runPicker.replaceChildren(...overlap.runs.map((r, i) => new Option(r.label, String(i), false, i === runIndex)));
  }
  showRegionsLegend(overlap);
  if (overlap) {
    const run = currentRun(overlap);
    slider.max = String(run.tensors.length - 1);
    slider.value = String(Math.min(host.state.tensor, run.tensors.length - 1));
    showTensor();
  }
  drawRf(data);
  exposeCharts({ rf: rfChart });
}

/** `2 stages and 1 streamed run`. */
function runCount(overlap: OverlapData): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const stages = overlap.runs.filter((r) => r.kind === 'stage').length;
  const streams = overlap.runs.length - stages;
  return [stages && count(stages, 'stage'), streams && count(streams, 'streamed run')].filter(Boolean).join(' and ');
}

function percent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(100 * fraction).toFixed(1)}%`;
}

/** The stage the picture shows: the single MCUNetV2 stage, or the picked run. */
function currentRun(overlap: OverlapData): Pick<OverlapRun, 'patch' | 'tensors'> & Partial<OverlapRun> {
  return overlap.runs.length ? overlap.runs[Math.min(runIndex, overlap.runs.length - 1)] : overlap;
}

function currentTensor(overlap: OverlapData) {
  const run = currentRun(overlap);
  return run.tensors[Math.min(Number(slider.value), run.tensors.length - 1)];
}

function showRun(): void {
  const overlap = data?.overlap;
  if (!overlap) return;
  slider.max = String(currentRun(overlap).tensors.length - 1);
  showTensor();
}

/** The key to the stripes, shown only for a schedule with caches (MCUNetV2's picture has none). */
function showRegionsLegend(overlap: OverlapData | null): void {
  const legend = byId('regionsLegend');
  const caches = overlap?.runs.some((r) => r.cache !== 'none') ?? false;
  legend.hidden = !caches;
  if (!caches) return;
  const colors = cacheColors(theme);
  const entries: LegendEntry[] = [
    { label: 'patch or band regions, one tint each (where they overlap outside the stripes: recomputed)', color: theme.palette.green, marker: 'box' },
    { label: 'rows taken from the row cache (horizontal stripes)', color: colors.rows, marker: 'box' },
  ];
  if (overlap!.runs.some((r) => r.cache === 'rows+cols')) entries.push({ label: 'columns taken from the column cache (vertical stripes)', color: colors.cols, marker: 'box' });
  renderLegend(legend, entries);
}

function showTensor(): void {
  const overlap = data?.overlap;
  if (!overlap) return;
  const tensor = currentTensor(overlap);
  setText('tensorLabel', `${Number(slider.value) + 1}/${currentRun(overlap).tensors.length}: ${tensor.label}`);
  // One line, cut with an ellipsis (the whole label on hover): a wrapping label moved the picture.
  byId('tensorLabel').title = tensor.label;
  regions.show(tensor, theme);
  if (rfChart && data) drawRf(data);
}

/** The focused patch in words: what it reads, its own share, its halo, where it is clipped. */
function describeFocus(focus: PatchFocus | null): void {
  const overlap = data?.overlap;
  if (!overlap) return;
  const tensor = currentTensor(overlap);
  const run = currentRun(overlap);
  const [P, Q] = run.patch;
  if (!focus) {
    const area = (flat: number[]) => {
      let sum = 0;
      for (let i = 0; i < flat.length; i += 4) sum += flat[i + 1] - flat[i] + 1;
      return sum;
    };
    const ratio = (area(tensor.rows) * area(tensor.cols)) / (tensor.size[0] * tensor.size[1]);
    if (!run.kind) {
      setText('patchInfo', `${P}×${Q} patches on ${tensor.label}.\nTogether they cover ${ratio.toFixed(2)}× its pixels: the rest is overlap, computed more than once.\nHover a patch (or focus the picture and use the arrow keys) to see its region and halo.`);
      return;
    }
    setText('patchInfo', [`${run.kind === 'stream' ? `${P} row bands` : `${P}×${Q} patches`} on ${tensor.label}.`, ...runNotes(run, tensor), `Hover a ${run.kind === 'stream' ? 'band' : 'patch'} (or focus the picture and use the arrow keys) to see its region.`].join('\n'));
    return;
  }
  const { rows, cols, cacheRows, cacheCols } = regions.describe(focus);
  // Border patches: their regions would reach into the padding, and are clipped to the tensor.
  const clipped = [focus.row === 0 && 'top', focus.row === P - 1 && 'bottom', focus.col === 0 && 'left', focus.col === Q - 1 && 'right'].filter(Boolean);
  const fresh = (span: number[], cached: [number, number] | null) => (cached ? span[1] - Math.max(span[0], cached[1] + 1) + 1 : span[3] - span[2] + 1);
  const taken = (span: [number, number] | null, noun: string, cache: string) => (span ? [span[1] >= span[0] ? `from the ${cache} cache: ${noun} ${span[0]}–${span[1]} (${span[1] - span[0] + 1}), the rest computed anew` : `from the ${cache} cache: none`] : []);
  setText(
    'patchInfo',
    [
      run.kind === 'stream' ? `Band ${focus.row + 1} of ${P}` : `Patch row ${focus.row + 1} of ${P}, column ${focus.col + 1} of ${Q}`,
      `region: rows ${rows[0]}–${rows[1]}, columns ${cols[0]}–${cols[1]} (${rows[1] - rows[0] + 1}×${cols[1] - cols[0] + 1})`,
      // On a cached axis the solid part is the lines the patch computes anew.
      `${cacheRows || cacheCols ? 'computed anew' : 'own share'} (solid): ${fresh(rows, cacheRows)}×${fresh(cols, cacheCols)}`,
      // On a cached axis the region is the cached lines and the new ones, not a share and a halo.
      `halo (hatched): ${[cacheRows ? null : `${rows[2] - rows[0]} rows above, ${rows[1] - rows[3]} below`, cacheCols ? null : `${cols[2] - cols[0]} columns left, ${cols[1] - cols[3]} right`].filter(Boolean).join(', ') || 'none'}`,
      clipped.length ? `clipped at the ${clipped.join(', ')} border` : 'interior: not clipped',
      ...taken(cacheRows, 'rows', 'row'),
      ...taken(cacheCols, 'columns', 'column'),
    ].join('\n'),
  );
}

/** What a run's tensor is in its schedule: held or streamed input, cached lines, output. */
function runNotes(run: Partial<OverlapRun>, tensor: OverlapData['tensors'][number]): string[] {
  const most = (flat: number[] | null) => {
    let n = 0;
    for (let i = 0; flat && i < flat.length; i += 2) n = Math.max(n, flat[i + 1] - flat[i] + 1);
    return n;
  };
  const t = Math.min(Number(slider.value), (run.tensors?.length ?? 1) - 1);
  if (t === 0 && run.kind === 'stream') return ['The run\'s input: each band reads its region; the rows no later band reads are freed after each band.'];
  if (t === 0) return [run.firstLayer === 0 ? 'The network input: each region is read from it.' : 'The stage input, held whole while its patches run: each region is read from it.'];
  if (t === (run.tensors?.length ?? 1) - 1) return [run.kind === 'stream' ? 'The run\'s output: each band writes its rows.' : 'The stage output: each patch writes its own share.'];
  if (!tensor.cacheRows && !tensor.cacheCols) return ['Borders shared with a neighbour are recomputed by each patch (cache=none).'];
  const unit = run.kind === 'stream' ? 'band' : 'patch';
  const rows = most(tensor.cacheRows);
  const notes = [
    rows
      ? `A ${unit} takes at most ${rows} rows from the row cache (striped), computed by the ${unit === 'patch' ? 'patches' : 'bands'} above it.`
      : `A ${unit} takes no rows from the row cache here: the layer reading this tensor shares none between ${unit === 'patch' ? 'patches' : 'bands'}.`,
  ];
  if (tensor.cacheCols) notes.push(`A patch takes at most ${most(tensor.cacheCols)} columns from the column cache (striped), computed by the patches on its left.`);
  else if (run.kind !== 'stream') notes.push('Columns shared with a neighbour are recomputed.');
  return notes;
}

function drawRf(data: PanelData): void {
  const model = data.model!;
  const schedule = model.schedule;
  const overlap = data.overlap;
  const bands: Band[] = [];
  const run = overlap?.runs.length ? currentRun(overlap) : undefined;
  if (run?.kind) bands.push({ from: run.firstLayer!, to: run.endLayer! - 1, color: theme.stage, label: run.kind === 'stream' ? 'streamed run' : 'patch stage' });
  else if (schedule) bands.push({ from: 0, to: schedule.endLayer - 1, color: theme.stage, label: 'patch stage' });
  // The layer whose output the slider shows (tensor t is the output of layer t − 1).
  const picked = overlap ? currentTensor(overlap).layer : -1;
  if (picked >= 0) bands.push({ from: picked, to: picked, color: withAlpha(theme.focus, 0.25) });
  const colors = { rf: theme.palette.blue, recompute: theme.palette.orange };
  renderLegend(byId('rfLegend'), [
    { label: 'receptive field (input pixels, rows)', color: colors.rf, marker: 'line' },
    { label: 'recomputation in the patch stage (× the layer-by-layer work)', color: colors.recompute, marker: 'box' },
  ]);
  const config = {
    data: {
      labels: data.layers.map((l) => l.name),
      datasets: [
        { type: 'line' as const, label: 'receptive field', data: data.layers.map((l) => l.rf[0]), yAxisID: 'y', borderColor: colors.rf, backgroundColor: colors.rf, pointRadius: 2, borderWidth: 2, order: 0 },
        { type: 'bar' as const, label: 'recomputation', data: data.layers.map((l) => (l.inPatchStage ? l.recompute : null)), yAxisID: 'y1', backgroundColor: withAlpha(colors.recompute, 0.7), order: 1 },
      ],
    },
    options: {
      interaction: { mode: 'index' as const, intersect: false },
      layout: { padding: bandLabelRoom },
      scales: {
        x: { ticks: { autoSkip: true, maxRotation: 60 }, title: { display: true, text: 'layer' } },
        // Logarithmic: the receptive field grows about geometrically, and the stage's (tens of
        // pixels) would vanish beside the last layers' (hundreds) on a linear axis.
        y: { type: 'logarithmic' as const, min: 1, position: 'left' as const, title: { display: true, text: 'receptive field (px)' } },
        // From 1 (no recomputation): a bar's height is the work done twice.
        y1: { min: 1, suggestedMax: 2, position: 'right' as const, grid: { drawOnChartArea: false }, title: { display: true, text: 'recomputation (×)' } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<'bar' | 'line'>) => (item.datasetIndex === 0 ? `receptive field ${item.parsed.y ?? 0} px` : `recomputes ${(item.parsed.y ?? 0).toFixed(2)}×`),
          },
        },
        annotations: { bands, lines: [{ axis: 'y' as const, value: model.input[0], color: theme.muted, label: `input ${model.input[0]} px`, labelAt: 'start' as const }] },
      },
      onClick: (event: { native: Event | null }) => {
        if (!rfChart || !event.native || !overlap) return;
        const hit = rfChart.getElementsAtEventForMode(event.native, 'index', { intersect: false }, true);
        const layer = hit[0]?.index;
        if (layer === undefined) return;
        // A schedule beyond MCUNetV2: the run holding the layer, and its output there.
        const at = overlap.runs.length ? overlap.runs.findIndex((r) => layer >= r.firstLayer && layer < r.endLayer) : 0;
        const first = overlap.runs[at]?.firstLayer ?? 0;
        if (at < 0 || layer + 1 - first > (overlap.runs[at]?.tensors ?? overlap.tensors).length - 1) return;
        if (overlap.runs.length) {
          runIndex = at;
          runPicker.value = String(at);
          slider.max = String(overlap.runs[at].tensors.length - 1);
        }
        slider.value = String(layer + 1 - first);
        host.saveState({ tensor: layer + 1 - first });
        showTensor();
      },
    },
  };
  if (rfChart) {
    rfChart.data = config.data;
    rfChart.options = config.options as RfChart['options'];
    rfChart.update();
  } else {
    rfChart = new Chart(byId<HTMLCanvasElement>('rfChart'), { type: 'bar', ...config } as ChartConfiguration<'bar' | 'line', (number | null)[], string>);
  }
}
