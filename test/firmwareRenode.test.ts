import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runProject } from '../server/src/firmwareRun';

// The Renode runner against stand-in `renode` and `renode-test` programs that reproduce what users
// met with a real Renode 1.14: DWT reading 0, renode-test without its Python packages, an SVD file
// that cannot be downloaded offline, a symlink to a source-built launcher, a renode that dies
// without a word on the UART. Each must end in a message that names the cause; the run must stop
// as soon as the JSON line is on the UART.

const jsonLine = '{"model":"m","board":"stm32f746","checksum":"1234abcd","top5":[[1,2]],"predictedArenaBytes":100,"predictedPeakBytes":90,"measuredArenaBytes":100,"scratchBytes":10,"stackBytes":512,"cycles":0,"split":{"stage":0,"later":0}}';

/** Whether a process runs (a zombie, ended but not yet reaped by its new parent, does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('firmware runner: Renode', function () {
  this.timeout(60_000);
  let root: string;
  let project: string;
  let tools: string;
  let savedPath: string | undefined;

  /** An executable shell script in the stand-in folder. */
  const program = (name: string, body: string, dir = tools) => {
    const file = path.join(dir, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    return file;
  };
  /** A renode that prints the JSON line on the UART (the file run.resc names) and then idles for minutes. */
  const idlingRenode = () => program('renode', `[ "$1" = --version ] && { echo "Renode v1.14.0"; exit 0; }
echo $$ > "${root}/renode.pid"
echo 'Starting emulation...'
echo '${jsonLine}' > "$(dirname "$4")/uart.txt"
exec sleep 600`);
  const run = (renode: string) => runProject(project, 'renode', { file: 'm.pnet', text: '', tools: { renode }, timeoutSeconds: 300 }, path.join(project, 'firmware.elf'), { layers: [], stage: 0 });

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-renode-'));
    project = path.join(root, 'project');
    tools = path.join(root, 'bin');
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(path.join(project, 'run.resc'), 'quit\n');
    fs.writeFileSync(path.join(project, 'firmware.robot'), '*** Test Cases ***\n');
    // Only the stand-ins: a renode-test elsewhere on PATH must not take part.
    savedPath = process.env.PATH;
    process.env.PATH = `${tools}:/usr/bin:/bin`;
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    const pidFile = path.join(root, 'renode.pid');
    if (fs.existsSync(pidFile)) {
      try {
        process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // already ended, as it should be
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('stops Renode as soon as the JSON line is on the UART, and says cycles are not measured there', () => {
    const ran = run(idlingRenode());
    assert.equal(ran.failure, undefined, ran.failure?.message);
    assert.equal(ran.report!.checksum, '1234abcd');
    const pid = Number(fs.readFileSync(path.join(root, 'renode.pid'), 'utf8'));
    assert.equal(running(pid), false, 'the idling renode was ended, not waited for');
    assert.equal(ran.report!.cycles, null, 'a DWT that reads 0 is no measurement');
    assert.match((ran.report!.notes as string[]).join('\n'), /cycles are not measured in Renode: its STM32F746 has no DWT cycle counter/);
  });

  it('skips a renode-test whose Python packages are missing, naming the package, and keeps the result', () => {
    program('renode-test', `echo 'Traceback (most recent call last):' >&2
echo '  File "/opt/renode/tests/run_tests.py", line 12, in <module>' >&2
echo "ModuleNotFoundError: No module named 'robot'" >&2
exit 1`);
    const ran = run(idlingRenode());
    assert.equal(ran.failure, undefined, ran.failure?.message);
    assert.equal(ran.report!.checksum, '1234abcd');
    assert.match((ran.report!.notes as string[]).join('\n'), /renode-test was skipped: its Python package 'robot' is missing \(pip install -r tests\/requirements\.txt/);
  });

  it('names a failed SVD download under renode-test, instead of the last 300 characters', () => {
    program('renode-test', `[ "$1" = --help ] && { echo usage; exit 0; }
for i in $(seq 1 40); do echo "Preparing suites ... step $i of the robot run with a long line of padding text"; done
echo "[ERROR] Couldn't download file from https://dl.antmicro.com/projects/renode/svd/STM32F7x6.svd.gz: Name or service not known"
echo "Prints The Model Report                                              | FAIL |"
echo "Emulation's state saved to /tmp/renode-123/state.dat"
exit 1`);
    const ran = run(idlingRenode());
    assert.equal(ran.failure, undefined, ran.failure?.message);
    const notes = (ran.report!.notes as string[]).join('\n');
    assert.match(notes, /renode-test firmware\.robot failed: Renode could not download the STM32F746's SVD register file \(offline\?\): .*STM32F7x6\.svd\.gz: Name or service not known/);
    assert.ok(fs.existsSync(path.join(project, 'renode-test.log')), 'the whole output is kept');
  });

  it('explains a symlink to a source-built launcher that cannot find tools/common.sh', () => {
    const build = path.join(root, 'renode-src');
    const launcher = program('renode', 'ROOT_PATH="$(cd "$(dirname "$0")"; pwd)"\nsource "$ROOT_PATH/tools/common.sh" || exit 1\necho never', build);
    fs.mkdirSync(path.join(build, 'tools'));
    fs.writeFileSync(path.join(build, 'tools', 'common.sh'), 'true\n');
    fs.mkdirSync(tools, { recursive: true });
    fs.symlinkSync(launcher, path.join(tools, 'renode'));
    const ran = run('renode');
    assert.equal(ran.failure?.kind, 'tool');
    assert.match(ran.failure!.message, /is a symlink to .*renode-src\/renode, a launcher that looks for its own files \(such as tools\/common\.sh\) beside the link/);
    assert.match(ran.failure!.message, /exit status 1: .*tools\/common\.sh: No such file or directory/);
    assert.match(ran.failure!.message, /Set patchwise\.renodePath \(CLI: --renode\) to .*renode-src\/renode/);
  });

  it('gives the exit status and what Renode said when it ends without a JSON line', () => {
    const renode = program('renode', `[ "$1" = --version ] && { echo "Renode v1.14.0"; exit 0; }
echo "Loading platform..."
echo "Error: could not find file platforms/boards/stm32f7_discovery-bb.repl" >&2
exit 3`);
    const ran = run(renode);
    assert.equal(ran.failure?.kind, 'run');
    assert.match(ran.failure!.message, /Renode ended with exit status 3 before the firmware printed its JSON line; Renode said:\nError: could not find file platforms\/boards\/stm32f7_discovery-bb\.repl/);
    assert.doesNotMatch(ran.failure!.message, /\(nothing\)/);
  });
});
