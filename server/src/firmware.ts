import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ArenaPlan, planArena, stageStepCount } from './core/codegen/arenaPlan';
import { hostBoardFiles } from './core/codegen/boards/host';
import { McuBoard, mcuBoardFiles, mcuBoards } from './core/codegen/boards/mcu';
import { generateModelSources, GeneratedFile } from './core/codegen/generate';
import { FlashParts, flashParts, parameterBytes, tableBytes } from './core/codegen/flash';
import { generateGraphSources } from './core/codegen/generateGraph';
import { planGraphArena } from './core/codegen/graphArena';
import { checkRuntimeSupport } from './core/codegen/support';
import { prefixModel, runsAsGraph, stagesEnd } from './core/model/kernelFit';
import { analyzeModel, AnalysisReport } from './core/analysis/analyze';
import { analyzeText, Analysis } from './core/engine';
import { Diagnostic, diagnostic, Range, rangeOf } from './core/language/diagnostics';
import { Model } from './core/model/ir';
import { runReference, ReferenceResult } from './core/quant/interpreter';
import { quantizeModel } from './core/quant/params';
import { QModel } from './core/quant/qmodel';
import { withoutSchedule } from './core/model/ir';
import { exportQdq } from './core/import/onnxExport';
import { quantizeOnnx } from './core/import/onnxWeights';
import { tfliteQModel } from './core/import/tflite/quant';
import { isTflite } from './core/import/tflite/tflite';
import { readCalibrationFolder } from './calibration';
import { readInputFile } from './inputFile';
import { nodeFileSystem } from './nodeFileSystem';
import { buildProject, flashMessage, predictOverflow, ToolPaths } from './firmwareBuild';
import { runtimeDefines } from './core/codegen/runtimeDefines';
import { runProject, RunTarget } from './firmwareRun';

// Firmware: generate the project (model + runtime + board files), build it (host cc or
// arm-none-eabi-gcc), run it (host, QEMU, Renode or the board), and compare its JSON line with the
// TypeScript reference.

export type Board = 'host' | McuBoard;
export const boards: readonly Board[] = ['host', ...mcuBoards];
export { RunTarget, ToolPaths };

/** Which run targets each board has. */
export const runTargets: Record<Board, readonly RunTarget[]> = {
  host: ['host'],
  'qemu-mps2-an500': ['qemu'],
  stm32f746: ['renode', 'board'],
};

/** A folder shipped beside the bundles (dist/../NAME) or in the repository (tests run from out/). */
function shippedDirectory(name: string, probe: string): string {
  // dist/cli.js → ../NAME; out/server/src/firmware.js (tests) → ../../../NAME.
  const candidates = [path.resolve(__dirname, '..', name), path.resolve(__dirname, '..', '..', '..', name)];
  const found = candidates.find((d) => fs.existsSync(path.join(d, probe)));
  if (!found) throw new Error(`the ${name} folder is missing (looked in ${candidates.join(', ')})`);
  return found;
}

export function runtimeDirectory(): string {
  return shippedDirectory('runtime', path.join('include', 'pw_nn.h'));
}

function readTree(root: string, subdirs: string[], into: string, pattern: RegExp): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  for (const sub of subdirs) {
    for (const name of fs.readdirSync(path.join(root, sub)).sort()) {
      if (pattern.test(name)) files.push({ path: `${into}${name}`.replace(/^\//, ''), content: fs.readFileSync(path.join(root, sub, name), 'utf8') });
    }
  }
  return files;
}

function runtimeFiles(): GeneratedFile[] {
  const root = runtimeDirectory();
  return [...readTree(root, ['include'], 'runtime/include/', /\.h$/), ...readTree(root, ['src'], 'runtime/src/', /\.[ch]$/)];
}

/** The board's start-up, linker script, console and counter, in the project's board/ folder. */
function boardFiles(board: McuBoard): GeneratedFile[] {
  const root = shippedDirectory('boards', path.join('common', 'pw_board.h'));
  const tools = board === 'qemu-mps2-an500' ? readTree(root, [`${board}/plugin`], 'tools/', /\.c$/) : [];
  return [...readTree(root, ['common', board], 'board/', /\.(c|h|ld)$/), ...tools];
}

export interface FirmwareRequest {
  /** The .pnet file, for messages and the generated comments (its base name only). */
  file: string;
  text: string;
  board?: Board;
  /** Replace the file's schedule ('': run layer by layer). */
  schedule?: string;
  /** Keep the generated project here; otherwise a temporary folder, removed afterwards. */
  outDir?: string;
  /** Where to run it; undefined: generate (and build, with `build`) only. */
  run?: RunTarget;
  build?: boolean;
  /** Extra compiler flags, e.g. -DPW_USE_DSP=1 (the DSP path, emulated on the host) or -DPW_PROFILE. */
  cflags?: string[];
  /** Timed repetitions on the host (the best is reported). */
  repeats?: number;
  /** Print the whole output tensor (hex) in the report, as `output` (host). */
  dumpOutput?: boolean;
  /** A prebuilt archive of the runtime to link instead of compiling its sources (host tests). */
  runtimeArchive?: string;
  tools?: ToolPaths;
  /** Seconds before an emulator or the board is given up on. */
  timeoutSeconds?: number;
  /** Also run the model layer by layer on the device (MCU boards), for the comparison. */
  alsoLayerByLayer?: boolean;
  /** The int8 HWC input to run on instead of the model's synthetic image (same size). */
  input?: Int8Array;
  /** A file to read that input from after quantization (its images need the input's parameters): see inputFile.ts. */
  inputFile?: string;
  /** A float ONNX model: a folder of .ppm/.pgm/.png images to calibrate its quantization on. */
  calibration?: string;
  /** An ONNX model: write its int8 model here as QDQ ONNX (what the firmware runs, for onnxruntime). */
  exportQdq?: string;
  /** Told as each stage starts: generate, build, then the run target. */
  onProgress?: (stage: 'generate' | 'build' | RunTarget) => void;
}

/** Why a firmware run did not give a report; the CLI's exit code follows the kind. */
export interface FirmwareFailure {
  kind: 'tool' | 'build' | 'overflow' | 'run' | 'timeout' | 'garbage';
  message: string;
}

export interface FirmwareResult {
  analysis: Analysis;
  /** Input errors: syntax, model, or what the runtime cannot run. */
  diagnostics: Diagnostic[];
  reference?: ReferenceResult;
  /** The firmware's JSON line, plus `referenceChecksum`, `matchesReference` and the ELF's `size`. */
  report?: Record<string, unknown>;
  failure?: FirmwareFailure;
  outDir?: string;
  /** The build's size report (MCU boards): flash and RAM use from the ELF's sections. */
  size?: Record<string, number>;
  /** What the generated arrays put in flash: parameters, input image, the plan's tables. */
  flash?: FlashParts;
}

export function buildFirmware(request: FirmwareRequest): FirmwareResult {
  request.onProgress?.('generate');
  const analysis = analyzeText(request.text, { ...(request.schedule !== undefined ? { schedule: request.schedule } : {}), fs: nodeFileSystem, basePath: request.file });
  if (analysis.hasErrors || !analysis.model || !analysis.report) return { analysis, diagnostics: analysis.diagnostics.filter((d) => d.severity === 'error') };
  const unsupported = checkRuntimeSupport(analysis.model);
  if (unsupported.length > 0) return { analysis, diagnostics: unsupported };
  const overflow = (request.board ?? 'host') === 'host' ? undefined : predictOverflow(analysis.report);
  if (overflow) return { analysis, diagnostics: [], failure: overflow };
  const quantized = quantizeForFirmware(analysis, request);
  if (!quantized.qm) return { analysis, diagnostics: quantized.diagnostics };
  return { analysis, diagnostics: [], ...firmwareOfQModel(quantized.qm, analysis.report, request) };
}

/**
 * Generates, builds and runs the firmware of a quantized model whose analysis passed the runtime
 * checks: the second half of buildFirmware, also for models built in code (random graphs in tests).
 */
export function firmwareOfQModel(qm: QModel, analysisReport: AnalysisReport, request: FirmwareRequest): Omit<FirmwareResult, 'analysis' | 'diagnostics'> {
  const board = request.board ?? 'host';
  const model = qm.model;
  const reference = runReference(qm);
  // A chain runs on the patch planner's arena; a graph layer by layer on the graph arena, except
  // that its patch stages (and what runs before them, a chain) run on the patch planner's.
  const graph = runsAsGraph(model);
  const end = graph ? stagesEnd(model) : 0;
  const plan = planOf(model, analysisReport);
  const later = graph && end > 0 ? { from: end, arena: planGraphArena(model, end) } : undefined;
  const lblModel = !graph && request.alsoLayerByLayer && model.schedule && board !== 'host' ? withoutSchedule(model) : undefined;
  const lbl = lblModel ? (() => { const report = analyzeModel(lblModel); return { report, plan: planArena(lblModel, report) }; })() : undefined;
  const sources = plan ? generateModelSources(qm, analysisReport, plan, path.basename(request.file), lbl, later) : generateGraphSources(qm, analysisReport, planGraphArena(model), path.basename(request.file));
  const laterLayers = model.layers.slice(end).map((l) => l.index);
  const steps = plan ? { layers: [...plan.steps.map((s) => s.layer), ...(later ? laterLayers : [])], stage: stageStepCount(plan) } : { layers: laterLayers, stage: 0 };
  const defines = runtimeDefines(qm);
  // On an MCU the weights, the input image and the plan's tables must fit the flash before any program does.
  const parts = flashParts(qm, plan);
  const data = parts.parameters + parts.input + parts.tables;
  if (board !== 'host' && data > analysisReport.target.flashBytes) {
    return { reference, flash: parts, failure: { kind: 'overflow', message: flashMessage(analysisReport, data - analysisReport.target.flashBytes, parts) } };
  }
  const boardSpecific = board === 'host' ? hostBoardFiles(defines) : [...mcuBoardFiles(board, model.name, defines), ...boardFiles(board)];
  const files = [...sources.files, ...boardSpecific, ...runtimeFiles()];
  const keep = request.outDir !== undefined;
  const dir = keep ? path.resolve(request.outDir!) : fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-fw-'));
  // A project that cannot fit is no project: a folder made for it goes again (one that was there stays).
  const madeHere = keep && !fs.existsSync(dir);
  try {
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, f.path), f.content);
    }
    const result = { reference, flash: parts, ...(keep ? { outDir: dir } : {}) };
    if (!request.run && !request.build) return result;
    request.onProgress?.('build');
    const built = buildProject(dir, board, files, analysisReport, request, defines, parts);
    if (built.failure?.kind === 'overflow' && madeHere) {
      fs.rmSync(dir, { recursive: true, force: true });
      return { reference, flash: parts, failure: built.failure };
    }
    if (built.failure) return { ...result, failure: built.failure, ...(built.size ? { size: built.size } : {}) };
    if (!request.run) return { ...result, ...(built.size ? { size: built.size } : {}) };
    request.onProgress?.(request.run);
    const ran = runProject(dir, request.run, request, built.binary!, steps);
    if (ran.failure) return { ...result, failure: ran.failure, size: built.size };
    const report = ran.report!;
    report.referenceChecksum = reference.checksum;
    report.matchesReference = report.checksum === reference.checksum && JSON.stringify(report.top5) === JSON.stringify(reference.top5);
    if (built.size) report.size = built.size;
    return { ...result, report, ...(built.size ? { size: built.size } : {}) };
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The arena plan the firmware runs on: a chain's, or a graph's up to its last stage (none: a graph run layer by layer). */
function planOf(model: Model, report: AnalysisReport): ArenaPlan | undefined {
  const graph = runsAsGraph(model);
  const end = graph ? stagesEnd(model) : 0;
  if (!graph) return planArena(model, report);
  if (end === 0) return undefined;
  const prefix = prefixModel(model, end);
  return planArena(prefix, analyzeModel(prefix));
}

/**
 * What the firmware's arrays would put in flash under each schedule of a model: its parameters and
 * input image (`fixed`, whatever the schedule) and each schedule's step and copy tables from its
 * plan, for `optimize`: a schedule whose tables push the firmware past the flash is no schedule to
 * pick. Undefined when the model does not quantize (its diagnostics say why elsewhere).
 */
export function flashOfSchedules(request: FirmwareRequest): { fixed: number; partsOf: (schedule: string) => FlashParts | undefined } | undefined {
  const analysis = analyzeText(request.text, { fs: nodeFileSystem, basePath: request.file });
  if (analysis.hasErrors || !analysis.model) return undefined;
  const { qm } = quantizeForFirmware(analysis, request);
  if (!qm) return undefined;
  const parts = { parameters: parameterBytes(qm), input: qm.image.length };
  return {
    fixed: parts.parameters + parts.input,
    partsOf: (schedule) => {
      const scheduled = analyzeText(request.text, { schedule, fs: nodeFileSystem, basePath: request.file });
      if (scheduled.hasErrors || !scheduled.model || !scheduled.report) return undefined;
      return { ...parts, ...tableBytes(planOf(scheduled.model, scheduled.report)) };
    },
  };
}

/**
 * The int8 model: a model `from "file.onnx"` brings its own quantized weights (or gets post-training
 * quantization); a .pnet model gets deterministic synthetic weights.
 */
/** A .tflite model runs with its own int8 parameters; a layer the reference lacks is an error naming it. */
function tfliteForFirmware(model: Model, bytes: Uint8Array, range: Range, request: FirmwareRequest): { qm?: QModel; diagnostics: Diagnostic[]; inputLayout: 'nhwc' | 'nchw' } {
  if (request.calibration !== undefined || request.exportQdq) return { diagnostics: [diagnostic('onnxUnreadable', range, request.calibration ?? request.exportQdq!, 'calibration and the QDQ export are for ONNX models (a .tflite is already int8)')], inputLayout: 'nhwc' };
  const result = tfliteQModel(bytes, model, request.input);
  if (result.problems.length > 0) return { diagnostics: result.problems.map((p) => diagnostic('tfliteReference', range, p.layer, p.message)), inputLayout: result.inputLayout };
  return { qm: result.qm, diagnostics: [], inputLayout: result.inputLayout };
}

export function quantizeForFirmware(analysis: Analysis, request: FirmwareRequest): { qm?: QModel; diagnostics: Diagnostic[] } {
  const quantized = quantizeWeights(analysis, request);
  if (!quantized.qm || request.inputFile === undefined) return quantized;
  const qm = quantized.qm;
  const read = readInputFile(path.resolve(request.inputFile), qm.model.input.shape, qm.input, quantized.inputLayout);
  if (!read.input) return { diagnostics: [diagnostic('inputFileUnreadable', rangeOf(0, 0, 0), request.inputFile, read.problem ?? '')] };
  return { qm: { ...qm, image: read.input }, diagnostics: quantized.diagnostics };
}

function quantizeWeights(analysis: Analysis, request: FirmwareRequest): { qm?: QModel; diagnostics: Diagnostic[]; inputLayout?: 'nhwc' | 'nchw' } {
  const model = analysis.model!;
  const from = analysis.ast.from;
  if (request.input && request.input.length !== model.input.shape.h * model.input.shape.w * model.input.shape.c) {
    throw new Error(`firmware input of ${request.input.length} bytes for a ${model.input.shape.h}x${model.input.shape.w}x${model.input.shape.c} model`);
  }
  if (!from) {
    if (request.calibration !== undefined || request.exportQdq) return { diagnostics: [diagnostic('onnxUnreadable', analysis.ast.name?.range ?? rangeOf(0, 0, 0), request.calibration ?? request.exportQdq!, 'calibration and the QDQ export are for models from an ONNX file')] };
    const qm = quantizeModel(model);
    return { qm: request.input ? { ...qm, image: request.input } : qm, diagnostics: [] };
  }
  // analyzeText read the same file a moment ago; it is read again for its weights.
  const bytes = nodeFileSystem.readFile(nodeFileSystem.resolve(request.file, from.text));
  if (!bytes) return { diagnostics: [diagnostic('onnxUnreadable', from.range, from.text, 'the file is missing or unreadable')] };
  if (isTflite(bytes)) return tfliteForFirmware(model, bytes, from.range, request);
  const images = request.calibration !== undefined ? readCalibrationFolder(request.calibration, model.input.shape) : undefined;
  if (images && images.problems.length > 0) return { diagnostics: images.problems.map((p) => diagnostic('onnxUnreadable', from.range, 'calibration image', p)) };
  const result = quantizeOnnx(model, bytes, { range: from.range, ...(request.input ? { image: request.input } : {}), ...(images ? { calibration: images.inputs } : {}) });
  if (result.qm && request.exportQdq) fs.writeFileSync(request.exportQdq, exportQdq(result.qm));
  return { qm: result.qm, diagnostics: result.diagnostics.filter((d) => d.severity === 'error') };
}
