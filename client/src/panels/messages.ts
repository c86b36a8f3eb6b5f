import type { GraphView } from '../../../server/src/core/services/graphTypes';
import type { PanelData, PanelSection } from '../../../server/src/core/services/panelTypes';
import { arrayOf, bool, int, literal, nullable, num, object, parse, range, Schema, str, tagged, tuple } from './validate';

// The messages between the extension (panelManager.ts) and the panel pages (media/src/*Panel.ts),
// with the schemas both sides validate them with. No vscode import: the webview scripts bundle it.

/** One panel per kind; the kind is also the part of the panel data it draws. */
export type PanelKind = PanelSection;

/** Extension → page. */
export type HostMessage =
  /** The analysis to draw (sent on every debounced change of the followed document). */
  | { type: 'data'; data: PanelData }
  /** The editor's cursor line (one-based) in the followed document; null when it is elsewhere. */
  | { type: 'highlight'; line: number | null }
  /** What the last firmware run of the followed model measured (Generate Firmware); null: none yet. */
  | { type: 'measured'; measured: Measured | null }
  /** The memory page shows an .onnx file (the custom editor): its note, its import problems, and the button. */
  | { type: 'onnxModel'; note: string | null; diagnostics: string[]; canCreate: boolean; dynamicInput: { h: number; w: number } | null };

/** A firmware run's memory against the prediction. Bytes; `count` is instructions or cycles. */
export interface Measured {
  board: string;
  matchesReference: boolean;
  predictedArenaBytes: number;
  measuredArenaBytes: number;
  predictedPeakBytes: number;
  scratchBytes: number;
  stackBytes: number | null;
  count: number | null;
  unit: string | null;
}

/** Page → extension. */
export type PageMessage =
  /** The page has loaded (first time, or again after being hidden): send the data. */
  | { type: 'ready' }
  /** Show this one-based line of the followed document in the editor. */
  | { type: 'reveal'; line: number }
  /** Write this schedule into the document the data of `version` came from (patch null: layer by layer). */
  | { type: 'applySchedule'; version: number; patch: [number, number] | null; untilBlock: number | null }
  /** "Create schedule file" (the .onnx editor): write the .pnet next to the model. */
  | { type: 'createScheduleFile' }
  /** The .onnx editor's input form: analyse a dynamic input at this height and width. */
  | { type: 'setInput'; h: number; w: number }
  /** Something the page dropped or could not draw, for the Patchwise output channel. */
  | { type: 'log'; level: 'warn' | 'error'; text: string };

const bytes = range(0, Number.MAX_SAFE_INTEGER);
const line = range(1, 10_000_000);
const position = object({ line: int, character: int });
const parts = object({ inputBytes: bytes, outputBytes: bytes, keptBytes: bytes, stageBytes: bytes, scratchBytes: bytes });
const patchGrid = tuple(range(1, 1024), range(1, 1024));

const scheduleSummary = object({
  patch: patchGrid,
  untilBlock: int,
  endLayer: int,
  stageOutputBytes: bytes,
  heldInputBytes: bytes,
  inputPatch: tuple(int, int),
  overheadStage: num,
  overheadTotal: num,
  line: int,
});

const modelSummary = object({
  name: str,
  input: tuple(int, int, int),
  inputInSram: bool,
  target: str,
  sramBytes: bytes,
  flashBytes: bytes,
  peakBytes: bytes,
  peakLayer: int,
  layerByLayerPeakBytes: bytes,
  layerByLayerPeakLayer: int,
  weightsBytes: bytes,
  macs: num,
  macsLayerByLayer: num,
  schedule: nullable(scheduleSummary),
});

const panelLayer = object({
  name: str,
  block: int,
  blockLabel: str,
  op: str,
  line,
  out: tuple(int, int, int),
  k: int,
  s: int,
  macs: num,
  weightsBytes: bytes,
  layerByLayer: parts,
  scheduled: parts,
  rf: tuple(int, int),
  recompute: num,
  inPatchStage: bool,
});

const overlapTensor = object({ label: str, layer: int, size: tuple(int, int), rows: arrayOf(int), cols: arrayOf(int), cacheRows: nullable(arrayOf(int)), cacheCols: nullable(arrayOf(int)) });
const overlapRun = object({
  label: str,
  kind: literal('stage', 'stream'),
  cache: literal('none', 'rows', 'rows+cols'),
  patch: patchGrid,
  firstLayer: int,
  endLayer: int,
  tensors: arrayOf(overlapTensor),
});
const overlap = object({ patch: patchGrid, tensors: arrayOf(overlapTensor), runs: arrayOf(overlapRun) });

const scheduleSpace = object({
  budgetBytes: bytes,
  macsLayerByLayer: num,
  patchRows: arrayOf(int),
  patchCols: arrayOf(int),
  untilBlock: arrayOf(int),
  peakBytes: arrayOf(num),
  macs: arrayOf(num),
  pareto: arrayOf(int),
  best: int,
  current: int,
  reason: nullable(str),
  edit: object({ range: object({ start: position, end: position }), prefix: str, suffix: str }),
});

const image = tuple(int, int, int);
const graphView: Schema<GraphView> = object({
  input: nullable(image),
  nodes: arrayOf(object({
    name: str,
    label: str,
    onnxNodes: arrayOf(str),
    out: nullable(image),
    sources: arrayOf(range(-1, 1_000_000)),
    shortcut: bool,
    state: literal('imported', 'failed', 'notImported'),
    why: nullable(str),
    splitAfter: bool,
    stage: range(0, 1_000_000),
    line: nullable(line),
  })),
  partial: nullable(str),
  omitted: int,
  stages: arrayOf(str),
});

export const panelDataSchema: Schema<PanelData> = object({
  uri: str,
  version: int,
  model: nullable(modelSummary),
  problem: nullable(str),
  errorCount: int,
  layers: arrayOf(panelLayer),
  overlap: nullable(overlap),
  schedules: nullable(scheduleSpace),
  graph: nullable(graphView),
});

const measuredSchema: Schema<Measured> = object({
  board: str,
  matchesReference: bool,
  predictedArenaBytes: bytes,
  measuredArenaBytes: bytes,
  predictedPeakBytes: bytes,
  scratchBytes: bytes,
  stackBytes: nullable(bytes),
  count: nullable(num),
  unit: nullable(str),
});

export const hostMessageSchema: Schema<HostMessage> = tagged<HostMessage>({
  data: object({ type: literal('data'), data: panelDataSchema }),
  highlight: object({ type: literal('highlight'), line: nullable(line) }),
  measured: object({ type: literal('measured'), measured: nullable(measuredSchema) }),
  onnxModel: object({ type: literal('onnxModel'), note: nullable(str), diagnostics: arrayOf(str), canCreate: bool, dynamicInput: nullable(object({ h: range(1, 8192), w: range(1, 8192) })) }),
});

export const pageMessageSchema: Schema<PageMessage> = tagged<PageMessage>({
  ready: object({ type: literal('ready') }),
  reveal: object({ type: literal('reveal'), line }),
  applySchedule: object({ type: literal('applySchedule'), version: int, patch: nullable(patchGrid), untilBlock: nullable(range(0, 1_000_000)) }),
  createScheduleFile: object({ type: literal('createScheduleFile') }),
  setInput: object({ type: literal('setInput'), h: range(1, 8192), w: range(1, 8192) }),
  log: object({ type: literal('log'), level: literal('warn', 'error'), text: str }),
});

export function parseHostMessage(value: unknown) {
  return parse(hostMessageSchema, value, 'message');
}

export function parsePageMessage(value: unknown) {
  return parse(pageMessageSchema, value, 'message');
}

/** A short, bounded description of a dropped message for the logs (it may be large, or hostile). */
export function describeDropped(value: unknown, problem: string): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return `${problem}; message: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}
