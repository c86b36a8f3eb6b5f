import * as fs from 'fs';
import { formatDiagnostic, formatReport, formatSearch } from './cliFormat';
import { analyzeText, applyEdits, optimizeText, scheduleEdit, scheduleText } from './core/engine';
import { Diagnostic } from './core/language/diagnostics';
import { BudgetOverride } from './core/model/build';
import { builtInTargets, findTarget } from './core/targets';
import { parseSize } from './core/units';

/** Exit codes: 0 fits, 1 over budget (or nothing fits), 2 bad input or bad usage. */
const enum Exit {
  Fits = 0,
  Over = 1,
  Input = 2,
}

const usage = `usage: patchwise <command> FILE [options]

commands:
  analyze FILE   per-block memory, MACs and receptive fields; exit 0 fits, 1 over budget, 2 input errors
  optimize FILE  search every split point × patch grid; exit 0 when a schedule fits, 1 when none does

options:
  --json                  print the report as JSON
  --target NAME           check against a built-in MCU (${builtInTargets.map((t) => t.name).join(', ')})
  --sram SIZE             SRAM budget, e.g. 320KiB, 256kB, 327680
  --flash SIZE            flash budget, e.g. 1MiB
  --schedule "patch=PxQ until=blockN"   analyze with this schedule instead of the file's
  --apply                 optimize: write the best schedule into the file's schedule line
`;

class UsageError extends Error {}

interface Options {
  command: string;
  file: string;
  json: boolean;
  apply: boolean;
  schedule?: string;
  override: BudgetOverride;
}

function parseArgs(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (command !== 'analyze' && command !== 'optimize') throw new UsageError(command ? `unknown command '${command}'` : 'no command');
  const options: Options = { command, file: '', json: false, apply: false, override: {} };
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
      case '--schedule': options.schedule = value(); break;
      case '--sram': options.override.sramBytes = size(); break;
      case '--flash': options.override.flashBytes = size(); break;
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
  return options;
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

function run(argv: string[]): Exit {
  const options = parseArgs(argv);
  let text: string;
  try {
    text = fs.readFileSync(options.file, 'utf8');
  } catch (error) {
    process.stderr.write(`patchwise: cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return Exit.Input;
  }
  return options.command === 'analyze' ? analyze(options, text) : optimize(options, text);
}

function printDiagnostics(file: string, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(file, d) + '\n');
}

function analyze(options: Options, text: string): Exit {
  const analysis = analyzeText(text, { override: options.override, schedule: options.schedule });
  printDiagnostics(options.file, analysis.diagnostics.filter((d) => d.severity !== 'info' || !options.json));
  const report = analysis.report;
  if (options.json) write(JSON.stringify(report ?? { model: null, diagnostics: analysis.diagnostics }, null, 2));
  else if (report) write(formatReport(report));
  if (analysis.hasErrors || !report) return Exit.Input;
  return report.fits ? Exit.Fits : Exit.Over;
}

function optimize(options: Options, text: string): Exit {
  const { analysis, search } = optimizeText(text, { override: options.override, schedule: options.schedule });
  printDiagnostics(options.file, analysis.diagnostics.filter((d) => d.severity !== 'info' || !options.json));
  if (analysis.hasErrors || !search || !analysis.report) {
    if (options.json) write(JSON.stringify({ model: analysis.report?.model ?? null, diagnostics: analysis.diagnostics }, null, 2));
    return Exit.Input;
  }
  let applied: string | undefined;
  if (options.apply && search.best?.patch) {
    applied = scheduleText(search.best);
    fs.writeFileSync(options.file, applyEdits(text, [scheduleEdit(analysis.ast, text, search.best)]));
  }
  if (options.json) {
    const { candidates, ...rest } = search;
    write(JSON.stringify({ model: analysis.report.model, evaluated: candidates.length, ...rest, current: analysis.report.schedule, applied: applied ?? null, diagnostics: analysis.diagnostics }, null, 2));
  } else {
    write(formatSearch(analysis.report.model, search, analysis.report));
    if (applied) write(`applied  ${options.file}: ${applied}`);
    else if (options.apply) write(search.best ? 'applied  nothing: the model fits without a schedule' : 'applied  nothing: no schedule fits');
  }
  return search.best ? Exit.Fits : Exit.Over;
}

function main(): void {
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
