import { AnalysisReport, LayerReport } from '../analysis/analyze';
import { SearchResult } from '../analysis/search';
import { scheduleEdit, scheduleText } from '../engine';
import { Model } from '../model/ir';
import { DocumentAnalysis } from './document';
import { modelGraph } from './graphView';
import { overlapData } from './overlapData';
import { MemoryParts, ModelSummary, PanelData, PanelLayer, PanelSection, ScheduleSpace } from './panelTypes';

/**
 * Beyond this many layers the panels show a message instead of charts: a chart of tens of thousands
 * of bars says nothing, its data would be tens of megabytes, and the schedule search grows with the
 * square of the depth (a second at 1,000 layers).
 */
export const maxPanelLayers = 2000;

/**
 * What the chart panels draw for one analysed document version: the per-layer memory (always),
 * the patches' regions (`overlap`) and the schedule space (`schedules`, which runs the search).
 * A pure function of the analysis; the server only adds the URI and version.
 */
export function panelData(doc: DocumentAnalysis, uri: string, version: number, sections: readonly PanelSection[]): PanelData {
  const { report, model, diagnostics } = doc.analysis;
  const errorCount = diagnostics.filter((d) => d.severity === 'error').length;
  const data: PanelData = { uri, version, model: null, problem: null, errorCount, layers: [], overlap: null, schedules: null, graph: null };
  if (!report || !model) {
    const first = diagnostics.find((d) => d.severity === 'error');
    data.problem = `No model to chart${first ? `: line ${first.range.start.line + 1}: ${first.message}` : ''}.`;
    return data;
  }
  data.model = modelSummary(report, model);
  if (report.layers.length > maxPanelLayers) {
    data.problem = `The model has ${report.layers.length.toLocaleString('en-US')} layers; the panels chart models of up to ${maxPanelLayers.toLocaleString('en-US')} layers (the CLI reports any size).`;
    return data;
  }
  data.layers = report.layers.map((layer) => panelLayer(layer, report));
  if (sections.includes('memory')) data.graph = modelGraph(model);
  if (sections.includes('overlap') && (model.schedule || model.streams?.length)) data.overlap = overlapData(model);
  if (sections.includes('schedules') && doc.search) data.schedules = scheduleSpace(doc, doc.search, report);
  data.problem = problemOf(report, errorCount, sections.includes('schedules') ? doc.search : undefined);
  return data;
}

function problemOf(report: AnalysisReport, errorCount: number, search: SearchResult | null | undefined): string | null {
  if (errorCount > 0) return `The model has ${errorCount === 1 ? 'an error' : `${errorCount} errors`} (see Problems); the charts show what could be built.`;
  if (search === null) return 'The model has errors; fix them to explore schedules.';
  if (search?.reason) return `No schedule fits ${kib(search.budgetBytes)}: ${search.reason}.`;
  if (!report.fitsSram) return `The peak, ${kib(report.peakBytes)}, is over the ${kib(report.target.sramBytes)} SRAM budget.`;
  return null;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function modelSummary(report: AnalysisReport, model: Model): ModelSummary {
  const indexOf = (name: string) => report.layers.findIndex((l) => l.name === name);
  const schedule = report.schedule;
  const endLayer = schedule ? report.layers.filter((l) => l.inPatchStage).length : 0;
  // The first layer reaching the peak: the report names its block only.
  let peakLayer = 0;
  let peak = -1;
  report.layers.forEach((l, i) => {
    const bytes = total(scheduledParts(l, report));
    if (bytes > peak) [peak, peakLayer] = [bytes, i];
  });
  return {
    name: report.model,
    input: [report.input.h, report.input.w, report.input.c],
    inputInSram: report.input.placement === 'sram',
    target: report.target.name,
    sramBytes: report.target.sramBytes,
    flashBytes: report.target.flashBytes,
    peakBytes: report.peakBytes,
    peakLayer,
    layerByLayerPeakBytes: report.perLayer.peakBytes,
    layerByLayerPeakLayer: indexOf(report.perLayer.peakLayer),
    weightsBytes: report.weightsBytes,
    macs: report.macs.scheduled,
    macsLayerByLayer: report.macs.total,
    schedule: schedule && {
      patch: schedule.patch,
      untilBlock: schedule.untilBlock,
      endLayer,
      stageOutputBytes: schedule.stageOutputBytes,
      heldInputBytes: schedule.stagePeakBytes - schedule.stageOutputBytes - schedule.perPatchPeakBytes,
      inputPatch: schedule.inputPatch,
      overheadStage: schedule.overheadStage,
      overheadTotal: schedule.overheadTotal,
      line: (model.schedule?.line ?? 0) + 1,
    },
  };
}

function total(parts: MemoryParts): number {
  return parts.inputBytes + parts.outputBytes + parts.keptBytes + parts.stageBytes;
}

function scheduledParts(layer: LayerReport, report: AnalysisReport): MemoryParts {
  const schedule = report.schedule;
  if (!layer.patch || !schedule) return layerByLayerParts(layer);
  // Several stages: the buffers (held input, output, caches) of the layer's own stage.
  const own = schedule.stages?.find((x) => layer.block >= x.fromBlock && layer.block <= x.untilBlock);
  const buffers = own ? own.stagePeakBytes - own.perPatchPeakBytes : schedule.stagePeakBytes - schedule.perPatchPeakBytes;
  return { ...layer.patch.peakParts, stageBytes: buffers, scratchBytes: layer.patch.scratchBytes };
}

function layerByLayerParts(layer: LayerReport): MemoryParts {
  const m = layer.memory;
  return { inputBytes: m.inputBytes, outputBytes: m.outputBytes, keptBytes: m.keptBytes, stageBytes: 0, scratchBytes: m.scratchBytes };
}

function panelLayer(layer: LayerReport, report: AnalysisReport): PanelLayer {
  return {
    name: layer.name,
    block: layer.block,
    blockLabel: report.blocks[layer.block]?.label ?? '',
    op: layer.op,
    line: layer.line,
    out: layer.out,
    k: layer.k,
    s: layer.s,
    macs: layer.macs,
    weightsBytes: layer.weightsBytes,
    layerByLayer: layerByLayerParts(layer),
    scheduled: scheduledParts(layer, report),
    rf: [layer.rf.size, layer.rf.cols?.size ?? layer.rf.size],
    recompute: layer.patch?.recompute ?? 1,
    inPatchStage: layer.inPatchStage,
  };
}

/** The search's candidates in columns, with the Pareto front, the best, the document's own schedule. */
function scheduleSpace(doc: DocumentAnalysis, search: SearchResult, report: AnalysisReport): ScheduleSpace {
  const index = new Map(search.candidates.map((c, i) => [c, i]));
  const key = (patch: readonly number[] | null, until: number | null) => (patch ? `${patch[0]}x${patch[1]}@${until}` : 'lbl');
  const byKey = new Map(search.candidates.map((c, i) => [key(c.patch, c.untilBlock), i]));
  const current = report.schedule ? key(report.schedule.patch, report.schedule.untilBlock) : 'lbl';
  return {
    budgetBytes: search.budgetBytes,
    macsLayerByLayer: search.layerByLayer.macs,
    patchRows: search.candidates.map((c) => c.patch?.[0] ?? 0),
    patchCols: search.candidates.map((c) => c.patch?.[1] ?? 0),
    untilBlock: search.candidates.map((c) => c.untilBlock ?? -1),
    peakBytes: search.candidates.map((c) => c.peakBytes),
    macs: search.candidates.map((c) => c.macs),
    pareto: search.pareto.map((c) => index.get(c)!),
    best: search.best ? index.get(search.best)! : -1,
    current: byKey.get(current) ?? -1,
    reason: search.reason ?? null,
    edit: scheduleSlot(doc),
  };
}

/**
 * Where and how a schedule statement is written, taken from the engine's own edit so that the
 * client writes exactly what the quick fix and the CLI write: the edit of a probe schedule, split
 * around the probe's statement.
 */
function scheduleSlot(doc: DocumentAnalysis): ScheduleSpace['edit'] {
  const probe = { patch: [1, 1] as [number, number], untilBlock: 0 };
  const edit = scheduleEdit(doc.analysis.ast, doc.text, probe);
  const statement = scheduleText(probe);
  const at = edit.newText.indexOf(statement);
  return { range: edit.range, prefix: edit.newText.slice(0, at), suffix: edit.newText.slice(at + statement.length) };
}
