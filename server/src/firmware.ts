import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { planArena } from './core/codegen/arenaPlan';
import { hostBoardFiles } from './core/codegen/boards/host';
import { generateModelSources, GeneratedFile } from './core/codegen/generate';
import { checkRuntimeSupport } from './core/codegen/support';
import { analyzeText, Analysis } from './core/engine';
import { Diagnostic } from './core/language/diagnostics';
import { runReference, ReferenceResult } from './core/quant/interpreter';
import { quantizeModel } from './core/quant/params';

// Firmware on the host: generate the project (model + runtime + board files), build it with the
// machine's C compiler, run it, and compare its output with the TypeScript reference.

/** The runtime sources shipped beside the bundles (dist/../runtime) or in the repository. */
export function runtimeDirectory(): string {
  // dist/cli.js → ../runtime; out/server/src/firmware.js (tests) → ../../../runtime.
  const candidates = [path.resolve(__dirname, '..', 'runtime'), path.resolve(__dirname, '..', '..', '..', 'runtime')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'include', 'pw_nn.h')));
  if (!found) throw new Error(`the C runtime is missing (looked in ${candidates.join(', ')})`);
  return found;
}

export function runtimeFiles(): GeneratedFile[] {
  const root = runtimeDirectory();
  const files: GeneratedFile[] = [];
  for (const sub of ['include', 'src']) {
    for (const name of fs.readdirSync(path.join(root, sub)).sort()) {
      if (/\.[ch]$/.test(name)) files.push({ path: `runtime/${sub}/${name}`, content: fs.readFileSync(path.join(root, sub, name), 'utf8') });
    }
  }
  return files;
}

export interface FirmwareRequest {
  /** The .pnet file, for messages and the generated comments (its base name only). */
  file: string;
  text: string;
  /** Replace the file's schedule ('' : run layer by layer). */
  schedule?: string;
  /** Keep the generated project here; otherwise a temporary folder, removed afterwards. */
  outDir?: string;
  run: boolean;
  /** Extra compiler flags, e.g. -DPW_USE_DSP=1 to test the DSP path on the host. */
  cflags?: string[];
  /** Timed repetitions of the model in the run (the best is reported). */
  repeats?: number;
  /** Print the whole output tensor (hex) in the report, as `output`. */
  dumpOutput?: boolean;
  /** A prebuilt archive of the runtime to link instead of compiling its sources (tests). */
  runtimeArchive?: string;
}

export interface FirmwareResult {
  analysis: Analysis;
  /** Input errors: syntax, model, or what the runtime cannot run. */
  diagnostics: Diagnostic[];
  reference?: ReferenceResult;
  /** The firmware's JSON line, plus the reference's checksum and whether they match. */
  report?: Record<string, unknown>;
  /** Build or run failure, with the tool's output. */
  failure?: string;
  outDir?: string;
}

export function buildFirmware(request: FirmwareRequest): FirmwareResult {
  const analysis = analyzeText(request.text, request.schedule !== undefined ? { schedule: request.schedule } : {});
  if (analysis.hasErrors || !analysis.model || !analysis.report) return { analysis, diagnostics: analysis.diagnostics.filter((d) => d.severity === 'error') };
  const unsupported = checkRuntimeSupport(analysis.model);
  if (unsupported.length > 0) return { analysis, diagnostics: unsupported };
  const model = analysis.model;
  const qm = quantizeModel(model);
  const reference = runReference(qm);
  const plan = planArena(model, analysis.report);
  const sources = generateModelSources(qm, analysis.report, plan, path.basename(request.file));
  const files = [...sources.files, ...hostBoardFiles(), ...runtimeFiles()];
  const keep = request.outDir !== undefined;
  const dir = keep ? path.resolve(request.outDir!) : fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-fw-'));
  try {
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, f.path), f.content);
    }
    const result: FirmwareResult = { analysis, diagnostics: [], reference, ...(keep ? { outDir: dir } : {}) };
    if (!request.run) return result;
    const runtimeSources = files.filter((f) => f.path.startsWith('runtime/src/') && f.path.endsWith('.c')).map((f) => f.path);
    const sourcesToBuild = ['main.c', 'model.c', 'weights.c', ...(request.runtimeArchive ? [request.runtimeArchive] : runtimeSources)];
    const build = spawnSync('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', ...(request.cflags ?? []), '-Iruntime/include', '-Iruntime/src', '-o', 'model', ...sourcesToBuild], { cwd: dir, encoding: 'utf8' });
    if (build.error) return { ...result, failure: `no C compiler: ${build.error.message}. Install gcc (Debian: apt-get install gcc).` };
    if (build.status !== 0) return { ...result, failure: `the build failed:\n${build.stderr}` };
    const run = spawnSync(path.join(dir, 'model'), [String(request.repeats ?? 1), ...(request.dumpOutput ? ['dump'] : [])], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    let report: Record<string, unknown>;
    try {
      report = JSON.parse(line);
    } catch {
      return { ...result, failure: `the firmware printed no JSON line (exit ${run.status ?? run.signal}):\n${run.stdout}${run.stderr}` };
    }
    if (run.status !== 0 || report.error) return { ...result, failure: `the firmware failed (exit ${run.status}): ${String(report.error ?? line)}` };
    report.referenceChecksum = reference.checksum;
    report.matchesReference = report.checksum === reference.checksum && JSON.stringify(report.top5) === JSON.stringify(reference.top5);
    return { ...result, report };
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
