import { spawnSync } from 'child_process';
import * as path from 'path';
import { AnalysisReport } from './core/analysis/analyze';
import { cortexM7Flags } from './core/codegen/boards/mcu';
import { GeneratedFile } from './core/codegen/generate';
import { FlashParts } from './core/codegen/flash';
import type { Board, FirmwareFailure, FirmwareRequest } from './firmware';

/** Where the tools are, when not on PATH (settings `patchwise.*Path`, CLI flags). */
export interface ToolPaths {
  /** Prefix of the Cortex-M toolchain, e.g. `/opt/arm/bin/arm-none-eabi-`. */
  armPrefix?: string;
  qemu?: string;
  renode?: string;
  openocd?: string;
  stFlash?: string;
  /** The board's serial port; default: the ST-LINK virtual COM port found in /dev/serial/by-id. */
  serialPort?: string;
}

const stackBytes = 8192;

export interface Built {
  binary?: string;
  size?: Record<string, number>;
  failure?: FirmwareFailure;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * Builds the project in `dir`: the host's cc, or arm-none-eabi-gcc for the Cortex-M7 boards, with
 * the runtime's definitions for this model (`defines`, as its Makefile has them).
 */
export function buildProject(dir: string, board: Board, files: GeneratedFile[], report: AnalysisReport, request: FirmwareRequest, defines: string[] = [], parts?: FlashParts): Built {
  const runtimeSources = files.filter((f) => f.path.startsWith('runtime/src/') && f.path.endsWith('.c')).map((f) => f.path);
  const common = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-Iruntime/include', '-Iruntime/src', ...defines, ...(request.cflags ?? [])];
  if (board === 'host') {
    const sources = ['main.c', 'model.c', 'weights.c', ...(request.runtimeArchive ? [request.runtimeArchive] : runtimeSources)];
    const cc = spawnSync('cc', [...common, '-o', 'model', ...sources], { cwd: dir, encoding: 'utf8' });
    if (cc.error) return { failure: { kind: 'tool', message: `no C compiler (cc): ${cc.error.message}. Install gcc (Debian: apt-get install gcc).` } };
    if (cc.status !== 0) return { failure: { kind: 'build', message: `the build failed:\n${cc.stderr}` } };
    return { binary: path.join(dir, 'model') };
  }
  const prefix = request.tools?.armPrefix ?? 'arm-none-eabi-';
  const boardSources = files.filter((f) => f.path.startsWith('board/') && f.path.endsWith('.c')).map((f) => f.path);
  const args = [
    ...cortexM7Flags, ...common, '-ffunction-sections', '-fdata-sections', '-Iboard',
    '-nostartfiles', '--specs=nano.specs', '-Wl,--gc-sections', '-Lboard', '-Tboard/link.ld', '-Wl,-Map=firmware.map', `-Wl,--defsym=PW_STACK_BYTES=${stackBytes}`,
    '-o', 'firmware.elf', 'main.c', 'model.c', 'weights.c', ...runtimeSources, ...boardSources,
  ];
  const gcc = spawnSync(`${prefix}gcc`, args, { cwd: dir, encoding: 'utf8' });
  if (gcc.error) {
    return { failure: { kind: 'tool', message: `the Cortex-M toolchain is missing: ${prefix}gcc was not found. Install it (Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi) or set patchwise.toolchainPath (CLI: --toolchain PREFIX) to its arm-none-eabi- prefix.` } };
  }
  if (gcc.status !== 0) return { failure: explainLinkFailure(gcc.stderr, report, parts) };
  const size = sizeReport(prefix, path.join(dir, 'firmware.elf'));
  return { binary: path.join(dir, 'firmware.elf'), ...(size ? { size } : {}) };
}

/** The SRAM refusal: the arena (activation peak + scratch) beside the stack and the program's data. */
function sramMessage(report: AnalysisReport, linker?: string): string {
  const arena = report.peakBytes + report.scratchBytes;
  const over = linker === undefined ? `, over by ${arena - report.target.sramBytes} B before the stack and data` : linker;
  return `the firmware does not fit the ${kib(report.target.sramBytes)} of SRAM${over}: its arena needs ${arena} B (the activation peak of ${report.peakBytes} B at block ${report.peakBlock} + ${report.scratchBytes} B of scratch), beside ${kib(stackBytes)} of stack and the program's data. ${report.schedule ? 'Try a finer patch grid or another split' : 'Add a patch schedule'}: \`patchwise optimize\` finds one that fits.`;
}

/**
 * The flash refusal. Without the generated parts (before generation), the weights alone are past
 * the flash. With them: what each part takes, and whether the schedule's tables are what to cut.
 */
export function flashMessage(report: AnalysisReport, overBy: number, parts?: FlashParts, linked = false): string {
  const head = `the firmware does not fit the ${kib(report.target.flashBytes)} of flash, over by ${overBy} B`;
  if (!parts) return `${head}: the weights alone need ${report.weightsBytes} B. A smaller model (fewer channels, a smaller classifier) is needed; no schedule changes that.`;
  const data = parts.parameters + parts.input + parts.tables;
  const program = linked ? `, and the program the other ${report.target.flashBytes + overBy - data} B` : '';
  const tables = `the schedule's step and copy tables ${parts.tables} B (${parts.steps} steps, ${parts.moves} copies)`;
  const what = `${head}: the weights and quantization parameters need ${parts.parameters} B, the input image ${parts.input} B, ${tables}${program}.`;
  // Tables a schedule can shrink: past a tenth of the flash, or what alone would bring it in.
  const cut = parts.tables > overBy || parts.tables * 10 > report.target.flashBytes;
  return cut
    ? `${what} Fewer patches, or stages without caches (their copies are tables too), need smaller tables: \`patchwise optimize\` without --beyond picks one MCUNetV2 stage.`
    : `${what} A smaller model (fewer channels, a smaller classifier) is needed.`;
}

/**
 * What the analysis already knows cannot link for an MCU board: weights past the flash, or an arena
 * past the SRAM. Refused before anything is generated, so no build runs and no folder is left.
 */
export function predictOverflow(report: AnalysisReport): FirmwareFailure | undefined {
  if (report.weightsBytes > report.target.flashBytes) return { kind: 'overflow', message: flashMessage(report, report.weightsBytes - report.target.flashBytes) };
  if (report.peakBytes + report.scratchBytes > report.target.sramBytes) return { kind: 'overflow', message: sramMessage(report) };
  return undefined;
}

/** The linker's overflow messages in Patchwise's words: which memory, by how much, and why. */
function explainLinkFailure(stderr: string, report: AnalysisReport, parts?: FlashParts): FirmwareFailure {
  const ram = /region `RAM' overflowed by (\d+) bytes/.exec(stderr);
  const flash = /region `FLASH' overflowed by (\d+) bytes/.exec(stderr);
  const assert = /Patchwise: data \+ arena \+ stack do not fit/.test(stderr);
  if (ram || assert) {
    const linker = stderr.trim().split('\n').filter((l) => /overflowed|Patchwise/.test(l)).join(' ');
    return { kind: 'overflow', message: `${sramMessage(report, ram ? `, over by ${ram[1]} B` : '')}\n(linker: ${linker})` };
  }
  if (flash) return { kind: 'overflow', message: flashMessage(report, Number(flash[1]), parts, true) };
  return { kind: 'build', message: `the build failed:\n${stderr}` };
}

/** `size -A`: every section's size and address, and the flash and RAM they use. */
function sizeReport(prefix: string, elf: string): Record<string, number> | undefined {
  const size = spawnSync(`${prefix}size`, ['-A', elf], { encoding: 'utf8' });
  if (size.status !== 0) return undefined;
  const sections: Record<string, { size: number; addr: number }> = {};
  for (const line of size.stdout.split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+(\d+)/.exec(line.trim());
    if (m) sections[m[1]] = { size: Number(m[2]), addr: Number(m[3]) };
  }
  const get = (name: string) => sections[name]?.size ?? 0;
  return {
    flashBytes: get('.isr_vector') + get('.text') + get('.ARM.exidx') + get('.data'),
    ramBytes: get('.data') + get('.bss') + get('.arena') + stackBytes,
    arenaBytes: get('.arena'),
    dataBytes: get('.data') + get('.bss'),
    stackReservedBytes: stackBytes,
    vectorAddress: sections['.isr_vector']?.addr ?? -1,
    textAddress: sections['.text']?.addr ?? -1,
    arenaAddress: sections['.arena']?.addr ?? -1,
  };
}
