import * as fs from 'fs';
import * as path from 'path';
import { formatDiagnostic, formatReport, formatSearch, oneLine } from './cliFormat';
import { analyzeText, applyEdits, optimizeText, scheduleEdit, scheduleText } from './core/engine';
import { nodeFileSystem } from './nodeFileSystem';
import { readBounded } from './boundedRead';
import { limits } from './core/limits';
import { Diagnostic } from './core/language/diagnostics';
import { BudgetOverride } from './core/model/build';
import { builtInTargets, findTarget } from './core/targets';
import { parseSize } from './core/units';
import { checkRuntimeSupport } from './core/codegen/support';
import { modelNameOf } from './core/services/onnxModel';
import { runReference } from './core/quant/interpreter';
import { Board, boards, buildFirmware, FirmwareFailure, flashOfSchedules, quantizeForFirmware, RunTarget, runTargets, ToolPaths } from './firmware';
import { FlashParts, programAllowanceBytes } from './core/codegen/flash';
import { Candidate, SearchResult } from './core/analysis/search';
import { formatKiB } from './core/units';

/** Exit codes: 0 fits (or the same bytes), 1 over budget, nothing fits, or different bytes; 2 bad input or usage; 3 a missing tool or a failed build or run. */
const enum Exit {
  Fits = 0,
  Over = 1,
  Input = 2,
  Failure = 3,
}

const usage = `usage: patchwise <command> FILE [options]

FILE is a .pnet model, or an .onnx or int8 .tflite model.

commands:
  analyze FILE    per-block memory, MACs and receptive fields; exit 0 fits, 1 over budget, 2 input errors
  optimize FILE   search every split point × patch grid; exit 0 when a schedule fits, 1 when none does
  reference FILE  run the int8 TypeScript reference on the synthetic input (checksum, top-5); an
                  ONNX model runs with its own int8 weights (or post-training quantization), a
                  .tflite with its own int8 weights and quantization
  firmware FILE   generate the C project for a board; with --run, build and run it and compare with
                  the reference; exit 0 same bytes, 1 different bytes or does not fit, 2 input
                  errors, 3 a tool is missing or the build or run failed

options:
  --json                  print the report as JSON
  --target NAME           check against a built-in MCU (${builtInTargets.map((t) => t.name).join(', ')})
  --sram SIZE             SRAM budget, e.g. 320KiB, 256kB, 327680
  --flash SIZE            flash budget, e.g. 1MiB
  --schedule "patch=PxQ until=blockN"   analyze with this schedule instead of the file's
  --apply                 optimize: write the best schedule into the file's schedule line
  --beyond                optimize: also row and column caches, several stages and streamed
                          runs (the firmware runs them all)
  --input HxWxC           .onnx: the input size when the model's is dynamic, e.g. 224x224x3
  --no-schedule           firmware: run layer by layer, ignoring the file's schedule
  --board NAME            firmware: host (this machine's cc), qemu-mps2-an500 (QEMU's Cortex-M7)
                          or stm32f746 (the STM32F746G-Discovery)
  --run TARGET            firmware: build and run it: host, qemu, renode or board
  --build                 firmware: build it without running
  --out DIR               firmware: keep the generated project in DIR
  --dsp                   firmware: the DSP path on the host (emulated)
  --profile               firmware: per-layer counts (layerCounts) on the MCU boards
  --progress              optimize, reference, firmware: print "patchwise: progress …" lines on stderr
                          (optimize: split points searched; reference: MACs run; firmware: stages)
  --also-layer-by-layer   firmware: on an MCU board, run the model once more layer by layer
  --timeout SECONDS       firmware: give up on the emulator or board after this long (300)
  --input-file FILE       reference, firmware: run on this input instead of the synthetic image: a .bin
                          of the input tensor's raw bytes (as the model file lays them out), or a
                          .bmp/.pgm/.ppm/.png of the input's size quantized with the model's input
                          parameters (pixels span the input's quantized range: p → p − 128)
  --calibration DIR       firmware, float ONNX model: calibrate its int8 quantization on the .ppm/.pgm/
                          .png images in DIR (pixels as (p − 128)/128) instead of synthetic images
  --export-qdq FILE       firmware, ONNX model: write the int8 model the firmware runs as QDQ ONNX
  --toolchain PREFIX      firmware: the arm-none-eabi- prefix, e.g. /opt/arm/bin/arm-none-eabi-
  --qemu PATH, --renode PATH, --openocd PATH, --port DEVICE   firmware: tools and serial port
`;

class UsageError extends Error {}

interface Options {
  command: string;
  file: string;
  json: boolean;
  apply: boolean;
  beyond?: boolean;
  schedule?: string;
  input?: string;
  override: BudgetOverride;
  board: Board;
  run?: RunTarget;
  build: boolean;
  out?: string;
  dsp: boolean;
  profile: boolean;
  progress: boolean;
  alsoLayerByLayer: boolean;
  timeout?: number;
  calibration?: string;
  exportQdq?: string;
  tools: ToolPaths;
  /** reference, firmware: the input to run on (.bin or an image). */
  inputFile?: string;
}

const commands = ['analyze', 'optimize', 'reference', 'firmware'];

function parseArgs(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (!commands.includes(command)) throw new UsageError(command ? `unknown command '${command}'` : 'no command');
  const options: Options = { command, file: '', json: false, apply: false, override: {}, board: 'host', build: false, dsp: false, profile: false, progress: false, alsoLayerByLayer: false, tools: {} };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const size = () => {
      const text = value();
      const bytes = parseSize(text);
      if (bytes === undefined) throw new UsageError(`${arg} ${text}: expected a size like 320KiB, 1MiB or 327680`);
      return bytes;
    };
    switch (arg) {
      case '--json': options.json = true; break;
      case '--apply': options.apply = true; break;
      case '--beyond': options.beyond = true; break;
      case '--schedule': options.schedule = value(); break;
      case '--input': {
        const dims = value();
        if (!/^\d+x\d+x\d+$/.test(dims)) throw new UsageError(`--input ${dims}: expected HxWxC, e.g. 224x224x3`);
        options.input = dims;
        break;
      }
      case '--no-schedule': options.schedule = ''; break;
      case '--out': options.out = value(); break;
      case '--dsp': options.dsp = true; break;
      case '--sram': options.override.sramBytes = size(); break;
      case '--flash': options.override.flashBytes = size(); break;
      case '--board': {
        const board = value() as Board;
        if (!boards.includes(board)) throw new UsageError(`unknown board '${board}' (available: ${boards.join(', ')})`);
        options.board = board;
        break;
      }
      case '--run': {
        const run = value() as RunTarget;
        if (!['host', 'qemu', 'renode', 'board'].includes(run)) throw new UsageError(`unknown run target '${run}' (available: host, qemu, renode, board)`);
        options.run = run;
        break;
      }
      case '--build': options.build = true; break;
      case '--profile': options.profile = true; break;
      case '--progress': options.progress = true; break;
      case '--also-layer-by-layer': options.alsoLayerByLayer = true; break;
      case '--timeout': {
        const seconds = Number(value());
        if (!(seconds > 0)) throw new UsageError('--timeout needs a number of seconds');
        options.timeout = seconds;
        break;
      }
      case '--calibration': options.calibration = value(); break;
      case '--input-file': options.inputFile = value(); break;
      case '--export-qdq': options.exportQdq = value(); break;
      case '--toolchain': options.tools.armPrefix = value(); break;
      case '--qemu': options.tools.qemu = value(); break;
      case '--renode': options.tools.renode = value(); break;
      case '--openocd': options.tools.openocd = value(); break;
      case '--port': options.tools.serialPort = value(); break;
      case '--target': {
        const name = value();
        if (!findTarget(name)) throw new UsageError(`unknown target '${name}' (built in: ${builtInTargets.map((t) => t.name).join(', ')})`);
        options.override.target = name;
        break;
      }
      default:
        if (arg.startsWith('-') || options.file) throw new UsageError(`unexpected argument '${arg}'`);
        options.file = arg;
    }
  }
  if (!options.file) throw new UsageError(`${command} needs a FILE`);
  if (options.apply && command !== 'optimize') throw new UsageError('--apply goes with optimize');
  if (options.beyond && command !== 'optimize') throw new UsageError('--beyond goes with optimize');
  if (isImported(options.file) && options.apply) throw new UsageError('--apply writes a .pnet schedule line; write a .pnet with `model NAME from "file.onnx"` first');
  if (options.inputFile !== undefined && command !== 'reference' && command !== 'firmware') throw new UsageError('--input-file goes with reference and firmware');
  if ((options.calibration !== undefined || options.exportQdq) && command !== 'firmware') throw new UsageError('--calibration and --export-qdq go with firmware');
  if (options.input && !isOnnx(options.file)) throw new UsageError('--input goes with an .onnx file (a .pnet has its input line)');
  if (options.run) {
    // The run target follows from the board when it is the only one, and must suit it.
    if (!runTargets[options.board].includes(options.run)) {
      if (options.board === 'host' && options.run === 'qemu') options.board = 'qemu-mps2-an500';
      else if (options.board === 'host' && (options.run === 'renode' || options.run === 'board')) options.board = 'stm32f746';
      else throw new UsageError(`--board ${options.board} runs with --run ${runTargets[options.board].join(' or ')}`);
    }
  }
  return options;
}

function isOnnx(file: string): boolean {
  return file.toLowerCase().endsWith('.onnx');
}

/** A model file the CLI takes directly (analysed as the one-line .pnet that names it). */
function isImported(file: string): boolean {
  return isOnnx(file) || file.toLowerCase().endsWith('.tflite');
}


/** An .onnx or .tflite file given directly is analysed as the one-line .pnet that names it. */
function onnxText(options: Options): string {
  return `model ${modelNameOf(path.basename(options.file))} from "${path.basename(options.file)}"\n${options.input ? `input ${options.input}\n` : ''}`;
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

function run(argv: string[]): Exit {
  const options = parseArgs(argv);
  // The model file is read with the text limit (a .onnx or .tflite one later, through the file system, with the
  // file limit): never /dev/zero or a FIFO, never more than the limit's bytes.
  const read = isImported(options.file) ? undefined : readBounded(options.file, limits.textChars);
  if (read && 'error' in read) {
    process.stderr.write(`patchwise: cannot read ${options.file}: ${read.error}${read.refused ? ' (PW6006)' : ''}\n`);
    return Exit.Input;
  }
  if (!read && !fs.existsSync(options.file)) {
    process.stderr.write(`patchwise: cannot read ${options.file}: ENOENT\n`);
    return Exit.Input;
  }
  const text = read ? new TextDecoder().decode(read.bytes) : onnxText(options);
  switch (options.command) {
    case 'analyze': return analyze(options, text);
    case 'optimize': return optimize(options, text);
    case 'reference': return reference(options, text);
    default: return firmware(options, text);
  }
}

/** `patchwise: progress search 120/5000 split points` on stderr, at most every 10th of a second and at the end. */
function progressPrinter(what: string, unit: string): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    process.stderr.write(`patchwise: progress ${what} ${done}/${total} ${unit}\n`);
  };
}

function printDiagnostics(file: string, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(file, d) + '\n');
}

function analyze(options: Options, text: string): Exit {
  const analysis = analyzeText(text, { override: options.override, schedule: options.schedule, fs: nodeFileSystem, basePath: options.file });
  printDiagnostics(options.file, analysis.diagnostics.filter((d) => d.severity !== 'info' || !options.json));
  const report = analysis.report;
  if (options.json) write(JSON.stringify(report ?? { model: null, diagnostics: analysis.diagnostics }, null, 2));
  else if (report) write(formatReport(report));
  if (analysis.hasErrors || !report) return Exit.Input;
  return report.fits ? Exit.Fits : Exit.Over;
}

interface PassedOver {
  candidate: Candidate;
  parts: FlashParts;
}

/**
 * The fewest-MAC fitting schedule whose firmware also fits the flash: its parameters, input image and
 * step and copy tables (planned exactly), with room for the program. Schedules with many patches and
 * caches can have tables larger than the weights; those are passed over, and said.
 */
function flashFit(options: Options, text: string, search: SearchResult, flashBytes: number): { best: Candidate | null; passed: PassedOver[] } {
  const passed: PassedOver[] = [];
  if (!search.best?.patch) return { best: search.best, passed };
  const flash = flashOfSchedules({ file: options.file, text });
  // Past the flash whatever the schedule (the weights alone): the analysis says so, no schedule is to blame.
  if (!flash || flash.fixed + programAllowanceBytes > flashBytes) return { best: search.best, passed };
  // Every schedule that fits the SRAM, not only the Pareto front: the one that dominates it may be the one passed over.
  const fitting = search.candidates.filter((c) => c.peakBytes <= search.budgetBytes).sort((a, b) => a.macs - b.macs || a.peakBytes - b.peakBytes);
  for (const c of fitting) {
    if (!c.patch) return { best: c, passed };
    const parts = flash.partsOf(scheduleText(c));
    if (!parts || flash.fixed + parts.tables + programAllowanceBytes <= flashBytes) return { best: c, passed };
    passed.push({ candidate: c, parts });
  }
  search.reason = 'every schedule that fits the SRAM has step and copy tables past the flash';
  return { best: null, passed };
}

function flashNote(passed: PassedOver[], flashBytes: number): string {
  const first = passed[0];
  const left = flashBytes - first.parts.parameters - first.parts.input - programAllowanceBytes;
  return `flash    passed over ${passed.length} schedule${passed.length > 1 ? 's' : ''} ranked above it: their step and copy tables (${formatKiB(first.parts.tables)} for ${oneLine(scheduleText(first.candidate))}) do not fit the ${formatKiB(Math.max(0, left))} of flash the weights, the input image and the program leave`;
}

function optimize(options: Options, text: string): Exit {
  const onProgress = options.progress ? progressPrinter('search', 'split points') : undefined;
  const { analysis, search } = optimizeText(text, { override: options.override, schedule: options.schedule, fs: nodeFileSystem, basePath: options.file, ...(onProgress ? { onProgress } : {}), ...(options.beyond ? { beyond: true } : {}) });
  printDiagnostics(options.file, analysis.diagnostics.filter((d) => d.severity !== 'info' || !options.json));
  if (analysis.hasErrors || !search || !analysis.report) {
    if (options.json) write(JSON.stringify({ model: analysis.report?.model ?? null, diagnostics: analysis.diagnostics }, null, 2));
    return Exit.Input;
  }
  const flash = flashFit(options, text, search, analysis.report.target.flashBytes);
  if (flash.passed.length > 0) search.best = flash.best;
  let applied: string | undefined;
  if (options.apply && search.best?.patch) {
    applied = scheduleText(search.best);
    fs.writeFileSync(options.file, applyEdits(text, [scheduleEdit(analysis.ast, text, search.best)]));
  }
  if (options.json) {
    const { candidates, ...rest } = search;
    const passedOver = flash.passed.map((p) => ({ schedule: scheduleText(p.candidate), macs: p.candidate.macs, peakBytes: p.candidate.peakBytes, flash: p.parts }));
    write(JSON.stringify({ model: analysis.report.model, evaluated: candidates.length, ...rest, current: analysis.report.schedule, applied: applied ?? null, passedOverForFlash: passedOver, diagnostics: analysis.diagnostics }, null, 2));
  } else {
    write(formatSearch(analysis.report.model, search, analysis.report));
    if (flash.passed.length > 0) write(flashNote(flash.passed, analysis.report.target.flashBytes));
    if (applied) write(`applied  ${options.file}: ${applied}`);
    else if (options.apply) write(search.best ? 'applied  nothing: the model fits without a schedule' : 'applied  nothing: no schedule fits');
  }
  return search.best ? Exit.Fits : Exit.Over;
}

/** The reference the firmware is checked against: the model's own ONNX weights, PTQ, or synthetic ones. */
function reference(options: Options, text: string): Exit {
  const analysis = analyzeText(text, { ...(options.schedule !== undefined ? { schedule: options.schedule } : {}), fs: nodeFileSystem, basePath: options.file });
  // A .tflite's QModel covers the graph layers the TS reference runs (it names any it lacks), so
  // the reference of such a model does not wait for the C runtime's kernels.
  const tflite = /\.tflite$/i.test(analysis.ast.from?.text ?? '');
  const errors = [...analysis.diagnostics.filter((d) => d.severity === 'error'), ...(analysis.model && !analysis.hasErrors && !tflite ? checkRuntimeSupport(analysis.model) : [])];
  printDiagnostics(options.file, errors);
  if (errors.length > 0 || !analysis.model) return Exit.Input;
  const quantized = quantizeForFirmware(analysis, { file: options.file, text, ...(options.inputFile !== undefined ? { inputFile: options.inputFile } : {}) });
  printDiagnostics(options.file, quantized.diagnostics);
  if (!quantized.qm) return Exit.Input;
  const result = runReference(quantized.qm, false, options.progress ? progressPrinter('reference', 'MACs') : undefined);
  const out = { model: analysis.model.name, checksum: result.checksum, top5: result.top5, outputBytes: result.output.length };
  write(options.json ? JSON.stringify(out, null, 2) : `${out.model}: checksum ${out.checksum}, top-5 ${out.top5.map(([c, v]) => `${c} (${v})`).join(', ')}`);
  return Exit.Fits;
}

const failureExit: Record<FirmwareFailure['kind'], Exit> = { overflow: Exit.Over, tool: Exit.Failure, build: Exit.Failure, run: Exit.Failure, timeout: Exit.Failure, garbage: Exit.Failure };

function firmware(options: Options, text: string): Exit {
  const cflags = [...(options.dsp ? ['-DPW_USE_DSP=1'] : []), ...(options.profile ? ['-DPW_PROFILE'] : [])];
  const result = buildFirmware({ file: options.file, text, board: options.board, schedule: options.schedule, outDir: options.out, run: options.run, build: options.build, cflags, tools: options.tools, timeoutSeconds: options.timeout, alsoLayerByLayer: options.alsoLayerByLayer,
    ...(options.calibration !== undefined ? { calibration: options.calibration } : {}), ...(options.inputFile !== undefined ? { inputFile: options.inputFile } : {}), ...(options.exportQdq ? { exportQdq: options.exportQdq } : {}),
    ...(options.progress ? { onProgress: (stage: string) => process.stderr.write(`patchwise: progress ${stage}\n`) } : {}),
  });
  printDiagnostics(options.file, result.diagnostics);
  if (result.diagnostics.length > 0) return Exit.Input;
  if (result.failure) {
    process.stderr.write(`patchwise: ${result.failure.message}\n`);
    return failureExit[result.failure.kind];
  }
  const r = result.report;
  if (!r) {
    const summary = { board: options.board, outDir: result.outDir ?? null, referenceChecksum: result.reference?.checksum, size: result.size ?? null };
    write(options.json ? JSON.stringify(summary, null, 2) : `generated ${result.outDir ?? '(temporary folder)'} for ${options.board}${result.size ? `: flash ${result.size.flashBytes} B, RAM ${result.size.ramBytes} B` : ''}`);
    return Exit.Fits;
  }
  const within = (r.measuredArenaBytes as number) <= (r.predictedArenaBytes as number);
  if (options.json) {
    write(JSON.stringify({ ...r, ...(result.outDir ? { outDir: result.outDir } : {}) }));
  } else {
    write(`${r.model} on ${r.board}: checksum ${r.checksum} (${r.matchesReference ? 'the same bytes as the reference' : `the reference has ${r.referenceChecksum}: DIFFERENT`})`);
    write(`arena    measured ${r.measuredArenaBytes} B of the predicted ${r.predictedArenaBytes} B (activation peak ${r.predictedPeakBytes} B + scratch ${r.scratchBytes} B)${within ? '' : ' — OVER'}`);
    if (r.cycles === null) {
      write(`cycles   not measured (Renode models no DWT cycle counter); stack ${r.stackBytes} B`);
    } else if (r.instructions !== undefined || r.cycles !== undefined) {
      const unit = r.instructions !== undefined ? 'instructions' : 'cycles';
      const split = r.split as { stage: number; later: number };
      // Instructions are not cycles: their time at the board's 216 MHz is an estimate, and says so.
      const ms = ((1000 * Number(r[unit])) / 216e6).toFixed(2);
      const time = unit === 'instructions' ? `≈ ${ms} ms at 216 MHz, estimated at one instruction a cycle` : `${ms} ms at 216 MHz`;
      write(`${unit.padEnd(8)} ${r[unit]} (patch stage ${split.stage}, the rest ${split.later}; ${time}); stack ${r.stackBytes} B`);
    } else {
      write(`time     ${r.runMicros} µs on this machine`);
    }
    const lbl = r.layerByLayer as Record<string, unknown> | undefined;
    if (lbl) write(`layer by layer: checksum ${lbl.checksum}, arena measured ${lbl.measuredArenaBytes} B of ${lbl.predictedArenaBytes} B predicted, ${lbl.instructions ?? lbl.cycles} ${lbl.instructions !== undefined ? 'instructions' : 'cycles'}`);
    if (result.size) write(`size     flash ${result.size.flashBytes} B, RAM ${result.size.ramBytes} B (arena ${result.size.arenaBytes} B, data ${result.size.dataBytes} B, stack ${result.size.stackReservedBytes} B)`);
    if (result.outDir) write(`project  ${result.outDir}`);
  }
  for (const note of (r.notes as string[] | undefined) ?? []) process.stderr.write(`patchwise: note: ${note}\n`);
  if (!r.matchesReference) process.stderr.write(`patchwise: the firmware's output (${r.checksum}) differs from the reference (${r.referenceChecksum})\n`);
  return r.matchesReference && within ? Exit.Fits : Exit.Over;
}

function main(): void {
  // `patchwise … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    write(usage);
    process.exitCode = argv.length === 0 ? Exit.Input : Exit.Fits;
    return;
  }
  try {
    process.exitCode = run(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`patchwise: ${error.message}\n\n${usage}`);
    process.exitCode = Exit.Input;
  }
}

main();
