import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { FirmwareFailure, FirmwareRequest } from './firmware';
import { runRenode } from './firmwareRenode';

export type RunTarget = 'host' | 'qemu' | 'renode' | 'board';

export interface Ran {
  report?: Record<string, unknown>;
  failure?: FirmwareFailure;
}

/** The last line that parses as a JSON object, or undefined. */
function jsonLine(output: string): Record<string, unknown> | undefined {
  for (const line of output.split(/\r?\n/).reverse()) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      return JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      // A torn or garbled line: keep looking.
    }
  }
  return undefined;
}

function excerpt(text: string): string {
  const shown = text.replace(/[^\x20-\x7e\n]/g, '?').trim();
  return shown.length > 300 ? `${shown.slice(0, 300)}…` : shown || '(nothing)';
}

/** The firmware's report from what it printed, or why there is none. */
function reportFrom(output: string, status: number | null, what: string): Ran {
  const report = jsonLine(output);
  if (!report) return { failure: { kind: 'garbage', message: `${what} printed no JSON line; it printed: ${excerpt(output)}` } };
  if (report.error) return { failure: { kind: 'run', message: `${what} reported an error: ${String(report.error)}` } };
  if (status !== 0 && status !== null) return { failure: { kind: 'run', message: `${what} exited with status ${status}` } };
  return { report };
}

function missing(error: NodeJS.ErrnoException | undefined): boolean {
  return error?.code === 'ENOENT' || error?.code === 'EACCES';
}

/** Runs a built project where asked; each missing tool is a message naming what to install or set. */
export function runProject(dir: string, target: RunTarget, request: FirmwareRequest, binary: string, steps: StepOrder): Ran {
  const timeout = (request.timeoutSeconds ?? 300) * 1000;
  const tools = request.tools ?? {};
  if (target === 'host') {
    const run = spawnSync(binary, [String(request.repeats ?? 1), ...(request.dumpOutput ? ['dump'] : [])], { cwd: dir, encoding: 'utf8', timeout });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { failure: { kind: 'timeout', message: `the host run did not finish within ${timeout / 1000} s` } };
    return reportFrom(run.stdout ?? '', run.status, 'the firmware');
  }
  if (target === 'qemu') {
    const qemu = tools.qemu ?? 'qemu-system-arm';
    const plugin = countingPlugin(dir, binary, tools.armPrefix ?? 'arm-none-eabi-');
    const args = ['-M', 'mps2-an500', '-nographic', '-monitor', 'none', '-serial', 'stdio', '-semihosting-config', 'enable=on,target=native', '-icount', 'shift=0', '-kernel', binary];
    if (plugin) args.push('-plugin', plugin, '-d', 'plugin', '-D', path.join(dir, 'plugin.log'));
    const run = spawnSync(qemu, args, { cwd: dir, encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
    const error = run.error as NodeJS.ErrnoException | undefined;
    if (missing(error)) return { failure: { kind: 'tool', message: `QEMU is missing: ${qemu} was not found. Install it (Debian: apt-get install qemu-system-arm) or set patchwise.qemuPath (CLI: --qemu PATH).` } };
    if (error?.code === 'ETIMEDOUT') return { failure: { kind: 'timeout', message: `QEMU did not finish within ${timeout / 1000} s: the firmware is stuck, or needs a longer --timeout.` } };
    const ran = reportFrom(run.stdout ?? '', run.status, 'the firmware in QEMU');
    if (ran.report && plugin) exactCounts(ran.report, path.join(dir, 'plugin.log'), steps);
    return ran;
  }
  if (target === 'renode') {
    const ran = runRenode(dir, tools.renode ?? 'renode', timeout);
    if (ran.failure) return { failure: ran.failure };
    const result = reportFrom(ran.uart, 0, 'the firmware in Renode');
    if (result.report) {
      // Renode's STM32F746 has no DWT: the counter reads 0, which is no measurement.
      if (result.report.cycles === 0) {
        result.report.cycles = null;
        ran.notes.push('cycles are not measured in Renode: its STM32F746 has no DWT cycle counter (QEMU counts instructions exactly; the board counts cycles)');
      }
      if (ran.notes.length > 0) result.report.notes = ran.notes;
    }
    return result;
  }
  return runOnBoard(dir, binary, tools, timeout);
}

/**
 * Builds Patchwise's instruction-counting QEMU plugin (tools/pw_icount.c in the project) with the
 * host's cc and returns its -plugin argument, with the address of pw_board_mark from the ELF.
 * Undefined when it cannot (no cc, no nm): the firmware's SysTick counts remain.
 */
function countingPlugin(dir: string, elf: string, prefix: string): string | undefined {
  const source = path.join(dir, 'tools', 'pw_icount.c');
  const library = path.join(dir, 'tools', 'pw_icount.so');
  if (!fs.existsSync(source)) return undefined;
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-o', library, source], { encoding: 'utf8' });
  if (cc.status !== 0) return undefined;
  const nm = spawnSync(`${prefix}nm`, [elf], { encoding: 'utf8' });
  const address = /^([0-9a-f]+) T pw_board_mark$/m.exec(nm.stdout ?? '')?.[1];
  return address ? `${library},mark=0x${address}` : undefined;
}

/** The run's steps: the layer of each, in execution order, and how many belong to the patch stage. */
export interface StepOrder {
  layers: number[];
  stage: number;
}

/**
 * Replaces the firmware's SysTick estimates (40 instructions a tick) with the plugin's exact
 * counts between its marks: start, end of stage, end of the rest; with PW_PROFILE, also one at the
 * start and one at the end of every step (start, the stage's steps, end of stage, the later steps,
 * end), so that a layer's count leaves out the profile's own counter reads.
 */
function exactCounts(report: Record<string, unknown>, log: string, steps: StepOrder): void {
  const line = fs.existsSync(log) ? jsonLine(fs.readFileSync(log, 'utf8')) : undefined;
  const marks = line?.marks as number[] | undefined;
  const profiled = Array.isArray(report.layerCounts);
  const perStep = profiled ? 2 : 0;
  const b = perStep * steps.stage + 1;
  const c = perStep * steps.layers.length + 2;
  if (!marks || marks.length <= c) return;
  report.instructionsSysTick = report.instructions;
  report.splitSysTick = report.split;
  report.instructions = marks[c] - marks[0];
  report.split = { stage: marks[b] - marks[0], later: marks[c] - marks[b] };
  report.exactInstructions = true;
  // The layer-by-layer run comes last: its two marks end the list (before any second-run marks).
  const lbl = report.layerByLayer as Record<string, unknown> | undefined;
  if (lbl && !profiled && marks.length >= c + 3) {
    lbl.instructionsSysTick = lbl.instructions;
    lbl.instructions = marks[c + 2] - marks[c + 1];
  }
  if (profiled) {
    // Step i's marks: a pair after the start mark (the stage's steps), or after the end of stage.
    const layers = new Array<number>((report.layerCounts as number[]).length).fill(0);
    steps.layers.forEach((layer, i) => {
      const at = i < steps.stage ? 1 + 2 * i : b + 1 + 2 * (i - steps.stage);
      layers[layer] += marks[at + 1] - marks[at];
    });
    report.layerInstructions = layers;
  }
}

/** The folder of the serialport package, when it can be loaded here. */
function serialportModule(): string | undefined {
  try {
    return path.dirname(require.resolve('serialport/package.json'));
  } catch {
    return undefined;
  }
}

/**
 * Reads lines from the board's serial port (115200 8N1) with the serialport package until the JSON
 * line (or an error) arrives: argv = serialport folder, port, seconds. Exit 90: the port would not open.
 */
const serialReaderScript = `'use strict';
const [serialportDir, path, seconds] = process.argv.slice(2);
const { SerialPort, ReadlineParser } = require(serialportDir);
const port = new SerialPort({ path, baudRate: 115200, dataBits: 8, stopBits: 1, parity: 'none' });
const lines = port.pipe(new ReadlineParser({ delimiter: '\\n' }));
const timer = setTimeout(() => port.close(() => process.exit(2)), Number(seconds) * 1000);
lines.on('data', (line) => {
  process.stdout.write(line + '\\n');
  if (/checksum|error/.test(line)) {
    clearTimeout(timer);
    port.close(() => process.exit(0));
  }
});
port.on('error', (error) => {
  process.stderr.write(error.message + '\\n');
  process.exit(90);
});
`;

/** The ST-LINK virtual COM port of an attached Discovery board, if any. */
function findStLinkPort(): string | undefined {
  const byId = '/dev/serial/by-id';
  const names = fs.existsSync(byId) ? fs.readdirSync(byId) : [];
  const stlink = names.find((n) => /STLink|STMicroelectronics/i.test(n));
  if (stlink) return path.join(byId, stlink);
  return fs.existsSync('/dev/ttyACM0') ? '/dev/ttyACM0' : undefined;
}

/**
 * Flashes the board (openocd, else st-flash), resets it, and reads the JSON line from its serial
 * port (115200 8N1): the reader starts before the reset so that the line is not missed.
 */
function runOnBoard(dir: string, elf: string, tools: FirmwareRequest['tools'] & object, timeout: number): Ran {
  const openocd = tools.openocd ?? 'openocd';
  const stFlash = tools.stFlash ?? 'st-flash';
  const hasOpenocd = !missing(spawnSync(openocd, ['--version'], { encoding: 'utf8' }).error as NodeJS.ErrnoException | undefined);
  const hasStFlash = !hasOpenocd && !missing(spawnSync(stFlash, ['--version'], { encoding: 'utf8' }).error as NodeJS.ErrnoException | undefined);
  if (!hasOpenocd && !hasStFlash) {
    return { failure: { kind: 'tool', message: `no flasher: neither ${openocd} nor ${stFlash} was found. Install openocd (Debian: apt-get install openocd) or stlink-tools, or set patchwise.openocdPath.` } };
  }
  const port = tools.serialPort ?? findStLinkPort();
  if (!port) return { failure: { kind: 'tool', message: 'no serial port: no ST-LINK virtual COM port was found. Connect the STM32F746G-Discovery over USB, or set patchwise.serialPort (CLI: --port /dev/ttyACM0).' } };
  const bin = path.join(dir, 'firmware.bin');
  if (hasStFlash) spawnSync('arm-none-eabi-objcopy', ['-O', 'binary', elf, bin]);
  const flash = hasOpenocd
    ? `"${openocd}" -f board/stm32f746g-disco.cfg -c "program ${elf} verify reset exit"`
    : `"${stFlash}" --reset write "${bin}" 0x08000000`;
  const seconds = Math.ceil(timeout / 1000);
  // The serialport package reads the line where it is installed (the CLI, the repository);
  // otherwise (the .vsix ships no native modules) stty and the shell do.
  const serialport = serialportModule();
  let reader: string;
  if (serialport) {
    fs.mkdirSync(path.join(dir, 'tools'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tools', 'read_serial.js'), serialReaderScript);
    reader = `"${process.execPath}" tools/read_serial.js "${serialport}" "${port}" ${seconds} > uart.txt &`;
  } else {
    reader = `stty -F "${port}" 115200 raw -echo || exit 90
timeout ${seconds} sh -c 'while IFS= read -r line; do echo "$line"; case "$line" in *checksum*|*error*) exit 0;; esac; done' < "${port}" > uart.txt &`;
  }
  const script = `${reader}
reader=$!
${flash} > flash.log 2>&1 || { kill $reader; exit 91; }
wait $reader`;
  const run = spawnSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: timeout + 30_000, killSignal: 'SIGKILL' });
  if (run.status === 90) return { failure: { kind: 'tool', message: `cannot open the serial port ${port} (permissions? add yourself to the dialout group)` } };
  if (run.status === 91) return { failure: { kind: 'run', message: `flashing failed:\n${excerpt(fs.readFileSync(path.join(dir, 'flash.log'), 'utf8'))}` } };
  const uart = fs.existsSync(path.join(dir, 'uart.txt')) ? fs.readFileSync(path.join(dir, 'uart.txt'), 'utf8') : '';
  return reportFrom(uart, 0, `the board on ${port}`);
}
