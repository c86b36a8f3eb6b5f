import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { calibrationFlags, inputFileFlags } from './firmwareFlags';
import { resultText } from './firmwareText';
import type { Measured } from './panels/messages';

// `Patchwise: Generate Firmware`: pick a board and where to run, then the CLI (dist/cli.js, the
// same engine) generates, builds and runs the firmware in a child process, so the editor never
// blocks and Cancel ends it. Compiler errors land in the Problems panel; the result is a
// notification and is kept for the memory panel (measured vs predicted).

interface Target {
  label: string;
  description: string;
  board: 'host' | 'qemu-mps2-an500' | 'stm32f746';
  run?: 'host' | 'qemu' | 'renode' | 'board';
}

const targets: Target[] = [
  { label: '$(vm) QEMU Cortex-M7 (mps2-an500)', description: 'emulate with the F746 limits; exact instruction counts', board: 'qemu-mps2-an500', run: 'qemu' },
  { label: '$(circuit-board) STM32F746G-Discovery', description: 'flash over ST-LINK and read the serial port', board: 'stm32f746', run: 'board' },
  { label: '$(server-environment) Renode: STM32F746 Discovery', description: 'emulate the board in Renode', board: 'stm32f746', run: 'renode' },
  { label: '$(tools) STM32F746: build only', description: 'arm-none-eabi-gcc and the size report', board: 'stm32f746' },
  { label: '$(terminal) This machine', description: 'the host C compiler: a bit-exact check', board: 'host', run: 'host' },
];

const stageNames: Record<string, string> = { generate: 'generating C', build: 'building', qemu: 'running in QEMU', renode: 'running in Renode', board: 'flashing and reading the board', host: 'running' };

/** The last firmware report of each model, for the memory panel. */
export class FirmwareResults {
  private readonly results = new Map<string, Record<string, unknown>>();
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;

  set(uri: string, report: Record<string, unknown>): void {
    this.results.set(uri, report);
    this.changed.fire(uri);
  }

  get(uri: string): Record<string, unknown> | undefined {
    return this.results.get(uri);
  }
}

/** A firmware report as the memory panel draws it; null without one. */
export function measuredOf(report: Record<string, unknown> | undefined): Measured | null {
  if (!report || typeof report.measuredArenaBytes !== 'number') return null;
  const count = typeof report.instructions === 'number' ? report.instructions : typeof report.cycles === 'number' ? report.cycles : null;
  return {
    board: String(report.board),
    matchesReference: report.matchesReference === true,
    predictedArenaBytes: Number(report.predictedArenaBytes),
    measuredArenaBytes: report.measuredArenaBytes,
    predictedPeakBytes: Number(report.predictedPeakBytes),
    scratchBytes: Number(report.scratchBytes ?? 0),
    stackBytes: typeof report.stackBytes === 'number' ? report.stackBytes : null,
    count,
    unit: count === null ? null : typeof report.instructions === 'number' ? 'instructions' : 'cycles',
  };
}

/** Tool settings → CLI flags. A toolchain folder becomes its arm-none-eabi- prefix. */
function toolFlags(): string[] {
  const config = vscode.workspace.getConfiguration('patchwise');
  const flags: string[] = [];
  const toolchain = config.get<string>('toolchainPath')?.trim();
  if (toolchain) {
    const isDir = fs.existsSync(toolchain) && fs.statSync(toolchain).isDirectory();
    flags.push('--toolchain', isDir ? path.join(toolchain, 'arm-none-eabi-') : toolchain);
  }
  for (const [key, flag] of [['qemuPath', '--qemu'], ['renodePath', '--renode'], ['openocdPath', '--openocd'], ['serialPort', '--port']]) {
    const value = config.get<string>(key)?.trim();
    if (value) flags.push(flag, value);
  }
  return flags;
}

/** gcc's `file:3:1: error: message` and Patchwise's own `file:3:1: error PW4001 message`. */
const compilerLine = /^(.+?):(\d+):(\d+):\s+(error|warning)(?::\s+|\s+(PW\d{4})\s+)(.*)$/;

/**
 * The model's diagnostics that stop Generate Firmware, as the editor already shows them: errors in
 * the model for every board; the budgets' (PW3xxx: SRAM over, flash over, a warning included) only
 * for a microcontroller, since this machine has room for any model and checks its bytes all the same.
 */
export function firmwareBlockers(diagnostics: readonly vscode.Diagnostic[], board: 'host' | 'mcu'): vscode.Diagnostic[] {
  const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code ?? '');
  return diagnostics.filter((d) => {
    if (d.source !== 'patchwise') return false;
    const budget = codeOf(d).startsWith('PW3');
    return budget ? board === 'mcu' && (d.severity === vscode.DiagnosticSeverity.Error || codeOf(d) === 'PW3003') : d.severity === vscode.DiagnosticSeverity.Error;
  });
}

/** Refuses with the first blocker and a way to the rest; false when there is none. */
async function refuse(blockers: vscode.Diagnostic[]): Promise<boolean> {
  if (blockers.length === 0) return false;
  const more = blockers.length > 1 ? ` (and ${blockers.length - 1} more in the Problems panel)` : '';
  const first = blockers[0];
  const choice = await vscode.window.showErrorMessage(`Patchwise: no firmware for this model: line ${first.range.start.line + 1}: ${first.message}${more}.`, 'Show Problems');
  if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
  return true;
}

export class FirmwareCommand {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
    private readonly problems: vscode.DiagnosticCollection,
    private readonly results: FirmwareResults,
  ) {}

  async run(uri?: vscode.Uri): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      const choice = await vscode.window.showWarningMessage(
        'Patchwise does not run compilers, emulators or flashers in an untrusted workspace: the model folder could point them at anything. Trust the workspace to generate and run firmware.',
        'Manage Workspace Trust',
      );
      if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!document || document.languageId !== 'pnet') {
      void vscode.window.showInformationMessage('Patchwise: open a .pnet model to generate its firmware.');
      return;
    }
    if (document.isUntitled) {
      void vscode.window.showInformationMessage('Patchwise: save the model first; the firmware folder goes next to it.');
      return;
    }
    if (document.isDirty) await document.save();
    // Refused at once, on what the editor already shows: model errors before a board is picked, the
    // budgets once it is a microcontroller; nothing is generated or built.
    if (await refuse(firmwareBlockers(vscode.languages.getDiagnostics(document.uri), 'host'))) return;
    const target = await vscode.window.showQuickPick(targets, { title: 'Patchwise: Generate Firmware', placeHolder: 'Board and where to run it' });
    if (!target) return;
    if (target.board !== 'host' && (await refuse(firmwareBlockers(vscode.languages.getDiagnostics(document.uri), 'mcu')))) return;
    const file = document.uri.fsPath;
    const outDir = path.join(path.dirname(file), `${path.basename(file, '.pnet')}-firmware-${target.board}`);
    const calibration = calibrationFlags(document.getText(), file, vscode.workspace.getConfiguration('patchwise', document.uri).get<string>('calibrationImages'));
    calibration.push(...inputFileFlags(file, vscode.workspace.getConfiguration('patchwise', document.uri).get<string>('inputFile')));
    const args = [this.context.asAbsolutePath('dist/cli.js'), 'firmware', file, '--board', target.board, ...(target.run ? ['--run', target.run] : ['--build']), '--out', outDir, '--json', '--progress', ...toolFlags(), ...calibration];
    this.problems.clear();
    this.output.appendLine(`$ patchwise ${args.slice(1).join(' ')}`);
    // The progress ends with the run; the result is a notification of its own.
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Patchwise firmware', cancellable: true }, (progress, token) =>
      this.execute(args, outDir, progress, token),
    );
    await this.report(document, target, outDir, result);
  }

  /** Runs the CLI; resolves with its exit code, stdout and stderr (code null when cancelled). */
  private execute(args: string[], outDir: string, progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      // In VS Code's extension host process.execPath is Electron: run it as plain Node.
      const child: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      let stdout = '';
      let stderr = '';
      const problems = new Map<string, vscode.Diagnostic[]>();
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) {
          if (!line) continue;
          const stage = /^patchwise: progress (\w+)$/.exec(line);
          if (stage) {
            progress.report({ message: stageNames[stage[1]] ?? stage[1], increment: 25 });
            continue;
          }
          stderr += line + '\n';
          this.output.appendLine(line);
          const m = compilerLine.exec(line);
          if (m) {
            const file = path.resolve(outDir, m[1]);
            const range = new vscode.Range(Number(m[2]) - 1, Number(m[3]) - 1, Number(m[2]) - 1, Number(m[3]));
            const severity = m[4] === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
            const problem = Object.assign(new vscode.Diagnostic(range, m[6], severity), m[5] ? { source: 'patchwise firmware', code: m[5] } : { source: 'patchwise gcc' });
            problems.set(file, [...(problems.get(file) ?? []), problem]);
            this.problems.set(vscode.Uri.file(file), problems.get(file));
          }
        }
      });
      token.onCancellationRequested(() => child.kill('SIGTERM'));
      child.on('error', (error) => resolve({ code: 3, stdout, stderr: `${stderr}${error.message}\n` }));
      child.on('close', (code) => resolve({ code: token.isCancellationRequested ? null : code, stdout, stderr }));
    });
  }

  private async report(document: vscode.TextDocument, target: Target, outDir: string, result: { code: number | null; stdout: string; stderr: string }): Promise<void> {
    const message = result.stderr.trim().split('\n').filter((l) => l.startsWith('patchwise:')).map((l) => l.slice('patchwise: '.length)).join(' ');
    if (result.code === null) return void vscode.window.showInformationMessage('Patchwise: firmware cancelled.');
    if (result.code === 2) {
      const choice = await vscode.window.showErrorMessage(`Patchwise: no firmware for this model: ${message || 'the model has errors the firmware cannot have'}; they are in the Problems panel.`, 'Show Problems');
      if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
      return;
    }
    let report: Record<string, unknown> | undefined;
    try {
      report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');
    } catch {
      report = undefined;
    }
    if (result.code === 1 && !report) {
      // Refused before building: the model cannot fit the board (flash or SRAM); no folder was made.
      const choice = await vscode.window.showErrorMessage(`Patchwise: no firmware for this model: ${message}`, 'Show Memory Chart');
      if (choice) void vscode.commands.executeCommand('patchwise.showMemoryChart', document.uri.toString());
      return;
    }
    if (result.code === 3 || !report) {
      const choice = await vscode.window.showErrorMessage(`Patchwise: ${message || 'the firmware run failed; see the Patchwise output.'}`, 'Open Settings', 'Show Output');
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'patchwise');
      if (choice === 'Show Output') this.output.show();
      return;
    }
    this.output.appendLine(JSON.stringify(report));
    if (!report.checksum) {
      void vscode.window.showInformationMessage(`Patchwise: built ${path.basename(outDir)} for ${target.board}${report.size ? ` (flash ${(report.size as { flashBytes: number }).flashBytes} B)` : ''}.`);
      return;
    }
    this.results.set(document.uri.toString(), report);
    const text = resultText(report);
    const show = result.code === 0 ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    const choice = await show(`Patchwise: ${text}${message ? ` ${message}` : ''}`, 'Open Project', 'Show Memory Chart');
    if (choice === 'Open Project') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path.join(outDir, 'README.md')));
    if (choice === 'Show Memory Chart') void vscode.commands.executeCommand('patchwise.showMemoryChart', document.uri.toString());
  }
}
