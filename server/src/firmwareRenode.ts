import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { FirmwareFailure } from './firmware';

// Renode: the firmware on Renode's STM32F746 Discovery, stopped as soon as its JSON line is on the
// UART (the emulation's idle loop would otherwise run out its virtual seconds), then renode-test's
// robot check when renode-test can run. Every way this goes wrong on a user's machine ends in a
// message that names the cause: a launcher that cannot find its own files, missing Python
// packages, an SVD file that cannot be downloaded offline.

export interface RenodeRun {
  /** What the UART received (the JSON line), or '' */
  uart: string;
  failure?: FirmwareFailure;
  /** Said beside the result: what was skipped or failed without spoiling the JSON line. */
  notes: string[];
}

/**
 * Starts renode in its own process group, watches uart.txt, and ends the group once a complete
 * JSON line with a checksum or an error is there. argv: renode, run.resc, uart.txt, seconds.
 * Prints one JSON line: how renode ended, what it printed, and whether the line was seen.
 */
const watcherScript = `'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const [renode, resc, uart, seconds] = process.argv.slice(2);
let output = '';
let done = false;
const child = spawn(renode, ['--console', '--disable-xwt', '--plain', resc], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));
const finish = (result) => {
  if (done) return;
  done = true;
  clearInterval(poll);
  clearTimeout(timer);
  try { process.kill(-child.pid, 'SIGKILL'); } catch (e) { /* the group has ended */ }
  process.stdout.write(JSON.stringify({ ...result, output: output.slice(-20000) }) + '\\n');
  process.exit(0);
};
const poll = setInterval(() => {
  let text = '';
  try { text = fs.readFileSync(uart, 'utf8'); } catch (e) { return; }
  if (/\\{[^\\n]*"(checksum|error)"[^\\n]*\\}/.test(text)) finish({ lineSeen: true });
}, 50);
const timer = setTimeout(() => finish({ timedOut: true }), Number(seconds) * 1000);
child.on('error', (error) => finish({ launchError: error.code || error.message }));
child.on('exit', (status, signal) => setTimeout(() => finish({ status, signal }), 100));
`;

interface Watched {
  lineSeen?: boolean;
  timedOut?: boolean;
  launchError?: string;
  status?: number | null;
  signal?: string | null;
  output: string;
}

/** The last lines of a tool's output that say what went wrong, rather than its first 300 characters. */
export function causeLines(output: string, limit = 6): string {
  const lines = output.replace(/[^\x20-\x7e\n]/g, '?').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const telling = lines.filter((l) => /error|fail|exception|not found|no such|cannot|could not|couldn't|unable|missing|denied/i.test(l));
  const chosen = (telling.length > 0 ? telling : lines).slice(-limit);
  return chosen.join('\n') || '(nothing)';
}

/** A Python package renode-test needs and cannot import, from its traceback. */
function missingPythonPackage(output: string): string | undefined {
  return /No module named '([^']+)'/.exec(output)?.[1] ?? /ModuleNotFoundError: No module named (\S+)/.exec(output)?.[1];
}

/** Renode loading the F746's SVD file from the network and failing (offline): its words for it. */
function svdDownloadFailed(output: string): boolean {
  return /\.svd/i.test(output) && /download|could not|couldn't|failed|unreachable|resolve/i.test(output);
}

/** The program `name` would run: a path as given, else the first match on PATH. */
function which(name: string): string | undefined {
  if (name.includes('/')) return fs.existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function missing(error: Error | undefined): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'EACCES';
}

/** Why `renode --version` failed: a symlinked source-build launcher gets its own explanation. */
function launcherProblem(renode: string, probe: SpawnSyncReturns<string>): string {
  const output = `${probe.stdout ?? ''}${probe.stderr ?? ''}`;
  const status = probe.signal ? `signal ${probe.signal}` : `exit status ${probe.status}`;
  const found = which(renode);
  const stat = found ? fs.lstatSync(found) : undefined;
  if (found && stat?.isSymbolicLink() && /no such file or directory/i.test(output)) {
    const real = fs.realpathSync(found);
    return `Renode does not start: ${found} is a symlink to ${real}, a launcher that looks for its own files (such as tools/common.sh) beside the link, not beside itself (${status}: ${causeLines(output, 2).replace(/\n/g, ' ')}). Set patchwise.renodePath (CLI: --renode) to ${real}, or put ${path.dirname(real)} on PATH.`;
  }
  return `Renode does not start: ${renode} --version ended with ${status}: ${causeLines(output)}`;
}

/** renode-test beside the renode in use (a source build keeps both together), else on PATH. */
function renodeTestFor(renode: string): string {
  const found = which(renode);
  const beside = found ? path.join(path.dirname(fs.realpathSync(found)), 'renode-test') : undefined;
  return beside && fs.existsSync(beside) ? beside : 'renode-test';
}

/** Runs run.resc (stopping at the JSON line), then firmware.robot when renode-test works. */
export function runRenode(dir: string, renode: string, timeoutMs: number): RenodeRun {
  const probe = spawnSync(renode, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (missing(probe.error)) {
    return { uart: '', notes: [], failure: { kind: 'tool', message: `Renode is missing: ${renode} was not found (Debian has no package; install Renode's release for your system). Put renode on PATH or set patchwise.renodePath (CLI: --renode PATH).` } };
  }
  if (probe.status !== 0) return { uart: '', notes: [], failure: { kind: 'tool', message: launcherProblem(renode, probe) } };
  const uartFile = path.join(dir, 'uart.txt');
  fs.rmSync(uartFile, { force: true });
  fs.mkdirSync(path.join(dir, 'tools'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tools', 'run_renode.js'), watcherScript);
  const seconds = Math.ceil(timeoutMs / 1000);
  const watch = spawnSync(process.execPath, [path.join(dir, 'tools', 'run_renode.js'), renode, path.join(dir, 'run.resc'), uartFile, String(seconds)], { cwd: dir, encoding: 'utf8', timeout: timeoutMs + 30_000, killSignal: 'SIGKILL' });
  const watched = JSON.parse(watch.stdout.trim().split('\n').pop() || '{"output":""}') as Watched;
  fs.writeFileSync(path.join(dir, 'renode.log'), watched.output);
  const uart = fs.existsSync(uartFile) ? fs.readFileSync(uartFile, 'utf8') : '';
  if (!watched.lineSeen) {
    if (watched.timedOut) return { uart, notes: [], failure: { kind: 'timeout', message: `Renode did not print the firmware's JSON line within ${seconds} s (its output is in renode.log): ${causeLines(watched.output, 3)}` } };
    const how = watched.launchError ? `could not be started (${watched.launchError})` : `ended with ${watched.signal ? `signal ${watched.signal}` : `exit status ${watched.status}`}`;
    return { uart, notes: [], failure: { kind: 'run', message: `Renode ${how} before the firmware printed its JSON line; Renode said:\n${causeLines(watched.output)}` } };
  }
  return { uart, notes: robotCheck(dir, renode, timeoutMs) };
}

/**
 * renode-test firmware.robot, the pass/fail check Renode's own tests use. The JSON line is already
 * in hand, so what keeps the check from running or passing is a note that names the cause.
 */
function robotCheck(dir: string, renode: string, timeoutMs: number): string[] {
  const renodeTest = renodeTestFor(renode);
  const probe = spawnSync(renodeTest, ['--help'], { encoding: 'utf8', timeout: 60_000 });
  if (missing(probe.error)) return [];
  const probeOutput = `${probe.stdout ?? ''}${probe.stderr ?? ''}`;
  if (probe.status !== 0) {
    const pkg = missingPythonPackage(probeOutput);
    const why = pkg ? `its Python package '${pkg}' is missing (pip install -r tests/requirements.txt in Renode's folder)` : `${renodeTest} --help ended with exit status ${probe.status}: ${causeLines(probeOutput, 2).replace(/\n/g, ' ')}`;
    return [`renode-test was skipped: ${why}; the result is from the Renode run`];
  }
  const robot = spawnSync(renodeTest, [path.join(dir, 'firmware.robot')], { cwd: dir, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (robot.status === 0) return [];
  const output = `${robot.stdout ?? ''}${robot.stderr ?? ''}`;
  fs.writeFileSync(path.join(dir, 'renode-test.log'), output);
  const pkg = missingPythonPackage(output);
  const why = svdDownloadFailed(output)
    ? `Renode could not download the STM32F746's SVD register file (offline?): ${causeLines(output.split('\n').filter((l) => /svd/i.test(l)).join('\n'), 2).replace(/\n/g, ' ')}`
    : pkg ? `its Python package '${pkg}' is missing (pip install -r tests/requirements.txt in Renode's folder)`
    : `exit status ${robot.status}: ${causeLines(output, 3).replace(/\n/g, ' ')}`;
  return [`renode-test firmware.robot failed: ${why}; the result is from the Renode run (renode-test.log has the whole output)`];
}
