import { Candidate } from '../analysis/search';
import { FileSystem, scheduleText } from '../engine';
import { readGraph, Reporter } from '../import/onnxGraph';
import { InputFix } from '../import/onnxShapes';
import { Diagnostic, rangeOf } from '../language/diagnostics';
import { defaultTarget } from '../targets';
import { formatKiB } from '../units';
import { analyzeDocument, DocumentAnalysis } from './document';
import { partialView } from './onnxPartialView';
import { panelData } from './panelData';
import { PanelData } from './panelTypes';
import { Settings } from './types';

/**
 * An .onnx file on its own (the VS Code custom editor): analysed as the .pnet that "Create schedule
 * file" would write next to it — `model NAME from "file.onnx"`, an input line when the model's input
 * is dynamic, the target, and the search's best schedule when the model does not fit layer by layer.
 * The chart shows exactly what that file gives.
 */

/** Side (pixels) a dynamic height or width is analysed at; the written input line can change it. */
export const dynamicSide = 224;

export interface ScheduleFile {
  /** Model name (an identifier). */
  name: string;
  /** The .onnx file's name, relative to the .pnet (they sit side by side). */
  onnxFile: string;
  /** Only for a model whose input is dynamic. */
  input: InputFix | null;
  target: string;
  /** Null, or a candidate without patches: no schedule line. */
  schedule: Pick<Candidate, 'patch' | 'untilBlock'> | null;
}

/** The text of the .pnet written next to an .onnx file. */
export function scheduleFileText(file: ScheduleFile): string {
  const lines = [`model ${file.name} from "${file.onnxFile}"`];
  if (file.input) lines.push(`input ${file.input.h}x${file.input.w}x${file.input.c}`);
  lines.push(`target ${file.target}`);
  if (file.schedule?.patch) lines.push(scheduleText(file.schedule));
  return lines.join('\n') + '\n';
}

/** `mobilenet-v2.onnx` → `mobilenet_v2`: a model name from a file name. */
export function modelNameOf(onnxFile: string): string {
  const name = onnxFile.replace(/\.(onnx|tflite)$/i, '').replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, 'm');
  return name || 'model';
}

export interface OnnxModelView {
  /** The memory chart's data (no overlap, no schedule space). */
  data: PanelData;
  /** Says that the input is dynamic and what size it was analysed at; null for a static input. */
  note: string | null;
  /** A dynamic input's height and width as analysed (the page's input form); null for a static input. */
  dynamicInput: { h: number; w: number } | null;
  /** The import's errors and warnings, `PW5008 Resize node 'up' is not supported yet`. */
  diagnostics: string[];
  /** The .pnet to write; null when the model cannot be imported. */
  scheduleFile: string | null;
}

/**
 * Analyses the .onnx file at `path` (read through `fs`) as its schedule file would. `uri` only
 * labels the panel data. Never throws on a bad file: its problems are in `diagnostics`.
 */
export function onnxModelView(fs: FileSystem, path: string, uri: string, settings: Settings = {}, input?: { h: number; w: number }): OnnxModelView {
  const onnxFile = path.split(/[\\/]/).pop() ?? path;
  const file: ScheduleFile = { name: modelNameOf(onnxFile), onnxFile, input: null, target: settings.target || defaultTarget.name, schedule: null };
  if (/["\r\n]/.test(onnxFile)) {
    const data: PanelData = { uri, version: 0, model: null, problem: 'A .pnet cannot name this file: its name has a quote or a line break.', errorCount: 1, layers: [], overlap: null, schedules: null, graph: null };
    return { data, note: null, dynamicInput: null, diagnostics: [], scheduleFile: null };
  }
  // The base is the .onnx itself: `from` paths resolve against its folder, as the .pnet's would.
  const analyze = () => analyzeDocument(scheduleFileText(file), settings, { fs, path });
  let doc = analyze();
  let note: string | null = null;
  if (doc.analysis.diagnostics.some((d) => d.code === 'PW5012')) {
    const dynamic = dynamicInput(fs.readFile(path), input);
    if (dynamic) {
      file.input = dynamic.fix;
      note = `The model's input is dynamic (N×C×H×W = ${dynamic.dims}): analysed at ${dynamic.fix.h}×${dynamic.fix.w}×${dynamic.fix.c}${input ? '' : ' until you set its size'}; the schedule file's input line keeps it.`;
      doc = analyze();
    }
  }
  const report = doc.analysis.report;
  const best = report && !report.fitsSram && !doc.analysis.hasErrors ? doc.search?.best : undefined;
  if (best?.patch) {
    file.schedule = best;
    doc = analyze();
  }
  const partial = doc.analysis.model?.blocks.length ? undefined : partialView(doc, scheduleFileText(file), fs, path, file.input ?? undefined, settings, uri);
  const data = partial?.data ?? chartData(doc, uri, (partial?.graph.nodes.length ?? 0) > 0);
  // What the import got to, in place of (or beside the prefix's) blocks.
  if (partial) data.graph = partial.graph;
  // The blocks' lines are those of a file the user has not written (yet): nothing to go to.
  data.graph?.nodes.forEach((n) => (n.line = null));
  return {
    data,
    note,
    dynamicInput: file.input && { h: file.input.h, w: file.input.w },
    diagnostics: doc.analysis.diagnostics.filter((d) => d.severity !== 'info').map(describe),
    scheduleFile: doc.analysis.hasErrors ? null : scheduleFileText(file),
  };
}

/** `partial`: the graph shows what the import got to, and the problem says where to look. */
function chartData(doc: DocumentAnalysis, uri: string, partial: boolean): PanelData {
  const data = panelData(doc, uri, 0, ['memory']);
  const { hasErrors, report } = doc.analysis;
  if (hasErrors && !report) {
    const errors = data.errorCount === 1 ? 'one error' : `${data.errorCount} errors`;
    data.problem = `Patchwise cannot import this model yet (${errors}, below)${partial ? '; the graph shows what it imported and where it stopped' : ''}.`;
  } else if (report && !report.fitsSram && doc.search?.reason) data.problem = `No schedule fits ${formatKiB(doc.search.budgetBytes)}: ${doc.search.reason}.`;
  return data;
}

function describe(d: Diagnostic): string {
  return `${d.code} ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

/**
 * The NCHW input with its dynamic H/W set to `size` (default {@link dynamicSide}; C to 3), or undefined
 * when that is not the problem. `dims` names the dynamic ones `?` (an exporter's names such as
 * `p2o.DynamicDimension.0` say nothing to a reader).
 */
function dynamicInput(bytes: Uint8Array | undefined, size?: { h: number; w: number }): { fix: InputFix; dims: string } | undefined {
  const graph = bytes && readGraph(bytes, new Reporter(rangeOf(0, 0, 0)));
  const dims = graph?.inputs.length === 1 ? graph.inputs[0].dims : undefined;
  if (!dims || dims.length !== 4) return undefined;
  const at = (i: number, fallback: number) => (typeof dims[i] === 'number' ? (dims[i] as number) : fallback);
  return { fix: { h: at(2, size?.h ?? dynamicSide), w: at(3, size?.w ?? dynamicSide), c: at(1, 3) }, dims: dims.map((d) => (typeof d === 'number' ? String(d) : '?')).join('×') };
}
