import { analyzeModel, AnalysisReport } from './analysis/analyze';
import { Candidate, SearchBound, searchSchedules, SearchOptions, SearchResult } from './analysis/search';
import { ModelAst } from './language/ast';
import { Diagnostic, diagnostic, hasErrors, Range, rangeOf } from './language/diagnostics';
import { limits } from './limits';
import { parse } from './language/parser';
import { buildModel, BudgetOverride } from './model/build';
import { Model } from './model/ir';
import { checkShapes, importOnnxLayers, inputAst, OnnxImportOptions, OnnxLayers } from './import/onnx';
import { checkTfliteShapes, importTfliteLayers, isTflite } from './import/tflite/tflite';

/** How the engine reads files a model names (`from "model.onnx"`): the CLI's fs, the editor's workspace. */
export interface FileSystem {
  /** The file's bytes, or undefined when it cannot be read. */
  readFile(path: string): Uint8Array | undefined;
  /** Why the last readFile of `path` gave undefined, when the file system knows (e.g. over a limit). */
  whyUnread?(path: string): string | undefined;
  /** `rel` relative to the file `base` (the .pnet that names it). */
  resolve(base: string, rel: string): string;
}

export interface AnalyzeOptions {
  /** Target or budget that overrides the file's (settings, CLI flags). */
  override?: BudgetOverride;
  /** `patch=4x4 until=block4`: used instead of the file's schedule line; '' removes it. */
  schedule?: string;
  /** Reads `from "file.onnx"`; without it such a file is a diagnostic. */
  fs?: FileSystem;
  /** Path of the analysed document, that `from` paths are relative to. */
  basePath?: string;
}

/** One parse + build + analysis of a document. `report` is missing only when no model could be built. */
export interface Analysis {
  ast: ModelAst;
  model?: Model;
  report?: AnalysisReport;
  diagnostics: Diagnostic[];
  /** Any diagnostic of severity error (syntax or model): the CLI exits 2. */
  hasErrors: boolean;
}

export function analyzeText(text: string, options: AnalyzeOptions = {}): Analysis {
  if (text.length > limits.textChars) {
    const diagnostics = [diagnostic('textTooLarge', rangeOf(0, 0, 0), text.length, limits.textChars)];
    return { ast: parse('').ast, diagnostics, hasErrors: true };
  }
  const source = options.schedule !== undefined ? withScheduleText(text, options.schedule) : text;
  const parsed = parse(source);
  const imported = parsed.ast.from ? importFrom(parsed.ast, options) : undefined;
  const built = imported ? imported.built : buildModel(parsed.ast, options.override);
  const diagnostics = [...parsed.diagnostics, ...(imported?.diagnostics ?? []), ...built.diagnostics];
  const report = built.model ? analyzeModel(built.model, diagnostics) : undefined;
  return { ast: parsed.ast, model: built.model, report, diagnostics, hasErrors: hasErrors(diagnostics) };
}

/**
 * `model NAME from "file.onnx"` (or a .tflite): the imported layers replace the file's op lines; its input, target and
 * schedule lines still apply (the input line fixes dynamic dimensions and says stream or sram).
 */
function importFrom(ast: ModelAst, options: AnalyzeOptions): { built: ReturnType<typeof buildModel>; diagnostics: Diagnostic[] } {
  const from = ast.from!;
  const path = options.fs ? options.fs.resolve(options.basePath ?? '', from.text) : from.text;
  const bytes = options.fs?.readFile(path);
  if (!bytes) {
    const refused = options.fs?.whyUnread?.(path);
    if (refused) return { built: { diagnostics: [] }, diagnostics: [diagnostic('fileRefused', from.range, from.text, refused)] };
    const why = options.fs ? 'the file is missing or unreadable' : 'ONNX files are not read here yet';
    return { built: { diagnostics: [] }, diagnostics: [diagnostic('onnxUnreadable', from.range, from.text, why)] };
  }
  const layers = importedLayers(bytes, { name: ast.name?.text, input: ast.input && { h: ast.input.h, w: ast.input.w, c: ast.input.c }, range: from.range });
  if (!layers.blocks || !layers.input) return { built: { diagnostics: [] }, diagnostics: layers.diagnostics };
  const input = inputAst(layers.input, ast.input?.placement ?? 'stream', ast.input?.range ?? from.range);
  const built = buildModel({ ...ast, input }, options.override, layers.blocks);
  const check = isTflite(bytes) ? checkTfliteShapes : checkShapes;
  return { built, diagnostics: [...layers.diagnostics, ...(built.model ? check(built.model, layers, from.range) : [])] };
}

/**
 * The import of the same bytes with the same options, once: a file system that returns the same
 * bytes object for an unchanged file (the Node one does) saves the decode on every edit.
 */
const imports = new WeakMap<Uint8Array, Map<string, OnnxLayers>>();

function importedLayers(bytes: Uint8Array, options: OnnxImportOptions): OnnxLayers {
  const key = JSON.stringify(options);
  const known = imports.get(bytes) ?? new Map<string, OnnxLayers>();
  imports.set(bytes, known);
  // The file's identifier, not its name, says which format it is (a .tflite renamed still reads).
  const layers = known.get(key) ?? (isTflite(bytes) ? importTfliteLayers(bytes, options) : importOnnxLayers(bytes, options));
  if (known.size > 16) known.clear();
  known.set(key, layers);
  return layers;
}

export interface Optimization {
  analysis: Analysis;
  search?: SearchResult;
}

/** Searches the schedule space of a document (its own schedule line is ignored by the search). */
export function optimizeText(text: string, options: AnalyzeOptions & SearchOptions & { sramBytes?: number } = {}): Optimization {
  const analysis = analyzeText(text, options);
  if (!analysis.model) return { analysis };
  const budget = options.sramBytes ?? analysis.model.target.sramBytes;
  const search = searchSchedules(analysis.model, budget, options);
  if (search.bounded) analysis.diagnostics.push(searchBoundDiagnostic(search.bounded));
  return { analysis, search };
}

/** PW6007: what bound stopped a search and how far it got (at the file's start: it is about the file). */
export function searchBoundDiagnostic(bound: SearchBound): Diagnostic {
  const by = bound.by === 'work' ? `${limits.searchLayerEvaluations.toLocaleString('en-US')} layer evaluations` : bound.by === 'time' ? `${limits.searchMillis / 1000} s` : 'cancelled';
  return diagnostic('searchBounded', rangeOf(0, 0, 0), by, bound.evaluated, bound.total, bound.lastBlock);
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/** The schedule line(s) of a candidate: one a stage, `from=` where a stage does not follow the one before. */
export function scheduleText(candidate: Pick<Candidate, 'patch' | 'untilBlock'> & { stages?: Candidate['stages'] }): string {
  if (candidate.stages) {
    let next = 0;
    return candidate.stages
      .map((s) => {
        const from = s.fromBlock !== next ? ` from=block${s.fromBlock}` : '';
        next = s.untilBlock + 1;
        if (s.band !== undefined) return `schedule stream${from} until=block${s.untilBlock} band=${s.band}`;
        return `schedule patch=${s.patch[0]}x${s.patch[1]}${from} until=block${s.untilBlock}${s.cache !== 'none' ? ` cache=${s.cache}` : ''}`;
      })
      .join('\n');
  }
  return candidate.patch ? `schedule patch=${candidate.patch[0]}x${candidate.patch[1]} until=block${candidate.untilBlock}` : '';
}

/**
 * The edit that puts `candidate` into the document: it rewrites the schedule statement (its comment
 * stays), appends one when there is none, or removes it for layer-by-layer.
 */
export function scheduleEdit(ast: ModelAst, text: string, candidate: Pick<Candidate, 'patch' | 'untilBlock'> & { stages?: Candidate['stages'] }): TextEdit {
  return statementEdit(ast, text, scheduleText(candidate));
}

/**
 * Replaces the schedule statement with `statement` (or appends it; '' removes it). Several schedule
 * lines are replaced together when only blank or comment lines stand between them.
 */
function statementEdit(ast: ModelAst, text: string, statement: string): TextEdit {
  const schedules = ast.schedules ?? [];
  if (schedules.length > 1) {
    const first = schedules[0].range.start;
    const last = schedules[schedules.length - 1].range.end;
    const between = text.split(/\r\n|\r|\n/).slice(first.line, last.line + 1);
    const onlySchedules = between.every((l) => /^\s*(schedule\b.*|#.*)?$/.test(l));
    if (onlySchedules) return { range: { start: first, end: last }, newText: statement };
  }
  if (ast.schedule) return { range: ast.schedule.range, newText: statement };
  const lines = text.split(/\r\n|\r|\n/);
  const last = lines.length - 1;
  const end = { line: last, character: lines[last].length };
  const prefix = lines[last].length > 0 ? '\n' : '';
  return { range: { start: end, end }, newText: statement ? `${prefix}${statement}\n` : '' };
}

/** Applies non-overlapping edits to a text (offsets from zero-based line/character). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') starts.push(i + 1);
  }
  const offset = (p: { line: number; character: number }) => Math.min(text.length, (starts[p.line] ?? text.length) + p.character);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let result = text;
  for (const edit of sorted) {
    result = result.slice(0, offset(edit.range.start)) + edit.newText + result.slice(offset(edit.range.end));
  }
  return result;
}

/** `--schedule`: one statement, or several stages separated by `;`. */
function withScheduleText(text: string, schedule: string): string {
  const statement = schedule
    .split(/[;\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => (part.startsWith('schedule') ? part : `schedule ${part}`))
    .join('\n');
  return applyEdits(text, [statementEdit(parse(text).ast, text, statement)]);
}
