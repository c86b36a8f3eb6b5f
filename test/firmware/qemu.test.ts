import { strict as assert } from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeText } from '../../server/src/core/engine';
import { Random } from '../../server/src/core/quant/random';
import { buildFirmware } from '../../server/src/firmware';
import { readExample, repoRoot } from '../helpers';
import { randomModel } from '../runtime/randomModels';

// The STM32F746 firmware path: arm-none-eabi-gcc builds, QEMU's Cortex-M7 runs (mps2-an500), with
// the checks of the firmware issue, and a test per failure path. CI installs the tools (.ci/run);
// elsewhere a missing tool skips loudly.

const bin = path.join(repoRoot, 'bin', 'patchwise');
const haveTools = ['arm-none-eabi-gcc', 'qemu-system-arm'].every((t) => spawnSync(t, ['--version']).status === 0);

function patchwise(args: string[]): { status: number | null; stdout: string; stderr: string; json?: Record<string, any> } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 600_000 });
  let json: Record<string, any> | undefined;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

describe('STM32F746 firmware: arm-none-eabi-gcc and QEMU', function () {
  this.timeout(600_000);
  let dir: string;
  before(function () {
    if (!haveTools) {
      if (process.env.CI === 'true') throw new Error('arm-none-eabi-gcc and qemu-system-arm are required (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)');
      console.error('\n!! SKIPPING the QEMU firmware tests: install gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm\n');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-qemu-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('runs mbv2-w0.35-r144 in QEMU: the reference bytes, within the predicted arena, fitting the F746', () => {
    const reference = patchwise(['reference', 'examples/mbv2-w0.35-r144.pnet', '--json']).json!;
    const r = patchwise(['firmware', 'examples/mbv2-w0.35-r144.pnet', '--board', 'qemu-mps2-an500', '--run', 'qemu', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const fw = r.json!;
    assert.equal(fw.checksum, reference.checksum);
    assert.deepEqual(fw.top5, reference.top5);
    assert.ok(fw.measuredArenaBytes <= fw.predictedArenaBytes);
    const analysis = analyzeText(readExample('mbv2-w0.35-r144.pnet')).report!;
    assert.equal(fw.predictedPeakBytes, analysis.peakBytes);
    assert.equal(fw.predictedArenaBytes, analysis.peakBytes + analysis.scratchBytes);
    assert.ok(fw.size.flashBytes <= 1024 * 1024, `flash ${fw.size.flashBytes}`);
    assert.ok(fw.size.ramBytes <= 320 * 1024, `RAM ${fw.size.ramBytes}`);
    assert.ok(fw.stackBytes > 0 && fw.stackBytes < 8192);
    assert.equal(fw.exactInstructions, true);
    assert.equal(fw.split.stage + fw.split.later, fw.instructions);
    assert.ok(Math.abs(fw.instructionsSysTick - fw.instructions) < 200, 'SysTick agrees to within its 40-instruction ticks');
    // Exact and repeatable.
    const again = patchwise(['firmware', 'examples/mbv2-w0.35-r144.pnet', '--board', 'qemu-mps2-an500', '--run', 'qemu', '--json']).json!;
    assert.equal(again.instructions, fw.instructions);
  });

  it('runs mbv2-w0.35-r144 with three row-cached stages: the reference bytes, the measured arena is the prediction, fewer instructions than MCUNetV2\'s stage', () => {
    const schedule = 'patch=20x2 until=block2 cache=rows\nschedule patch=10x1 until=block4 cache=rows\nschedule patch=8x1 until=block8 cache=rows';
    const r = patchwise(['firmware', 'examples/mbv2-w0.35-r144.pnet', '--board', 'qemu-mps2-an500', '--run', 'qemu', '--schedule', schedule, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const fw = r.json!;
    assert.equal(fw.checksum, 'b82ded47');
    assert.equal(fw.matchesReference, true);
    const analysis = analyzeText(readExample('mbv2-w0.35-r144.pnet'), { schedule }).report!;
    assert.equal(fw.predictedPeakBytes, analysis.peakBytes);
    assert.equal(fw.measuredArenaBytes, fw.predictedArenaBytes);
    // Measured once: 31,104 B of activations at 81.8M instructions, against the file's MCUNetV2
    // stage (patch=3x3 until=block4): 59,000 B at 91.3M.
    assert.equal(fw.predictedPeakBytes, 31_104);
    assert.ok(fw.instructions < 91_292_925, `${fw.instructions} instructions`);
  });

  it('runs mbv2-w0.35-r144 as five streamed runs: the reference bytes, the measured arena is the prediction', () => {
    const schedule = ['stream until=block2 band=1', 'stream until=block3 band=1', 'stream until=block4 band=1', 'stream until=block6 band=1', 'stream until=block8 band=1'].join('\nschedule ');
    const r = patchwise(['firmware', 'examples/mbv2-w0.35-r144.pnet', '--board', 'qemu-mps2-an500', '--run', 'qemu', '--schedule', schedule, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const fw = r.json!;
    assert.equal(fw.checksum, 'b82ded47');
    assert.equal(fw.predictedPeakBytes, analyzeText(readExample('mbv2-w0.35-r144.pnet'), { schedule }).report!.peakBytes);
    assert.equal(fw.predictedPeakBytes, 26_496);
    assert.equal(fw.measuredArenaBytes, fw.predictedArenaBytes);
  });

  it('without the schedule shows the layer-by-layer peak, and a model that cannot fit is refused before the build, saying why', () => {
    const lbl = patchwise(['firmware', 'examples/mbv2-w0.35-r144.pnet', '--board', 'qemu-mps2-an500', '--run', 'qemu', '--no-schedule', '--json']);
    assert.equal(lbl.status, 0, lbl.stderr);
    assert.equal(lbl.json!.predictedPeakBytes, 290_304);
    assert.equal(lbl.json!.checksum, 'b82ded47');
    const big = path.join(dir, 'big.pnet');
    fs.writeFileSync(big, readExample('mbv2-w0.35-r144.pnet').replace('input 144x144x3', 'input 176x176x3'));
    const r = patchwise(['firmware', big, '--board', 'qemu-mps2-an500', '--build', '--no-schedule']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the firmware does not fit the 320\.0 KiB of SRAM.*its arena needs \d+ B \(the activation peak of 433664 B at block 2/);
    assert.match(r.stderr, /patchwise optimize/);
  });

  it('runs the model once more layer by layer when asked, on the device, for the comparison', () => {
    const r = patchwise(['firmware', 'examples/vww-mbv1-0.25-96.pnet', '--board', 'qemu-mps2-an500', '--run', 'qemu', '--also-layer-by-layer', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const fw = r.json!;
    assert.equal(fw.layerByLayer.checksum, fw.checksum);
    assert.equal(fw.layerByLayer.predictedPeakBytes, analyzeText(readExample('vww-mbv1-0.25-96.pnet'), { schedule: '' }).report!.peakBytes);
    assert.equal(fw.layerByLayer.measuredArenaBytes, fw.layerByLayer.predictedArenaBytes);
    assert.ok(fw.layerByLayer.instructions < fw.instructions, 'layer by layer runs fewer instructions');
  });

  it('runs 8 random architectures with random patch schedules on the Cortex-M7: the reference bytes', () => {
    // The real SMLAD/SXTB16 instructions on shapes the examples do not have.
    const rng = new Random(0xc0de);
    for (let seed = 101; seed <= 108; seed++) {
      const { text } = randomModel(seed);
      const model = analyzeText(text).model!;
      const stop = model.blocks.findIndex((b) => model.layers.slice(b.firstLayer, b.endLayer).some((l) => l.kind === 'gpool' || l.kind === 'fc'));
      const until = rng.int(0, (stop < 0 ? model.blocks.length : stop) - 1);
      const out = model.blocks[until].output;
      const schedule = `patch=${rng.int(1, Math.min(8, out.h))}x${rng.int(1, Math.min(8, out.w))} until=block${until}`;
      const r = buildFirmware({ file: `random-${seed}.pnet`, text, schedule, board: 'qemu-mps2-an500', run: 'qemu' });
      assert.equal(r.failure, undefined, `${schedule}\n${text}\n${r.failure?.message}`);
      assert.equal(r.report!.matchesReference, true, `${schedule}\n${text}`);
      assert.ok((r.report!.measuredArenaBytes as number) <= (r.report!.predictedArenaBytes as number));
    }
  });

  it('links the stm32f746 build with the real memory map, vectors at 0x08000000', () => {
    const out = path.join(dir, 'f746');
    const r = patchwise(['firmware', 'examples/mbv2-w0.35-r144.pnet', '--board', 'stm32f746', '--build', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const size = r.json!.size;
    assert.equal(size.vectorAddress, 0x08000000);
    assert.ok(size.textAddress > 0x08000000 && size.textAddress < 0x08100000);
    assert.ok(size.arenaAddress >= 0x20000000 && size.arenaAddress + size.arenaBytes <= 0x20050000);
    assert.ok(size.flashBytes <= 1024 * 1024);
    const readelf = spawnSync('arm-none-eabi-readelf', ['-h', '-S', path.join(out, 'firmware.elf')], { encoding: 'utf8' }).stdout;
    assert.match(readelf, /Entry point address:\s+0x80/);
    assert.match(readelf, /\.isr_vector\s+PROGBITS\s+08000000/);
    for (const f of ['run.resc', 'firmware.robot', 'README.md', 'Makefile', 'board/link.ld', 'board/board.c']) assert.ok(fs.existsSync(path.join(out, f)), f);
  });

  it('counts to the byte what the generated arrays put in flash: parameters, input image, step and copy tables (nm of the linked ELF)', () => {
    const out = path.join(dir, 'flash-parts');
    const text = readExample('vww-mbv1-0.25-96.pnet');
    const r = buildFirmware({ file: 'vww.pnet', text, schedule: 'patch=3x3 until=block8 cache=rows', board: 'stm32f746', build: true, outDir: out });
    assert.equal(r.failure, undefined, r.failure?.message);
    const sizes = new Map<string, number>();
    for (const line of spawnSync('arm-none-eabi-nm', ['-S', path.join(out, 'firmware.elf')], { encoding: 'utf8' }).stdout.split('\n')) {
      const [, size, , name] = line.trim().split(/\s+/);
      if (name && size) sizes.set(name, parseInt(size, 16));
    }
    const sum = (pattern: RegExp) => [...sizes].filter(([name]) => pattern.test(name)).reduce((n, [, size]) => n + size, 0);
    assert.ok(r.flash!.moves > 0 && r.flash!.steps > 9, JSON.stringify(r.flash));
    assert.equal(r.flash!.parameters, sum(/^(w|b|m|sh|fm|lut)_\d+$/), 'weights.c: weights, biases, multipliers, shifts, tables');
    assert.equal(r.flash!.input, sizes.get('pw_input_image'));
    assert.equal(r.flash!.tables, sum(/^(\w+_steps|moves)$/), 'model.c: step and copy tables (sizeof pw_step 68, pw_move 24)');
  });

  it('refuses a schedule whose step tables do not fit the flash before any build, saying what takes it and what to change', () => {
    // optimize --beyond's lowest-MAC schedule for mbv2-w0.35-r144: 20×20 and 8×8 patches with row and column caches.
    const schedule = 'patch=20x20 until=block2 cache=rows+cols\nschedule stream until=block3 band=1\nschedule stream until=block4 band=1\nschedule stream until=block6 band=1\nschedule patch=8x8 until=block8 cache=rows+cols';
    const text = readExample('mbv2-w0.35-r144.pnet').replace(/^schedule .*$/m, `schedule ${schedule}`);
    const out = path.join(dir, 'flash-tables');
    const r = buildFirmware({ file: 'mbv2.pnet', text, board: 'stm32f746', build: true, outDir: out });
    assert.equal(r.failure?.kind, 'overflow');
    assert.match(r.failure!.message, /^the firmware does not fit the 1024\.0 KiB of flash, over by \d+ B: the weights and quantization parameters need 823360 B, the input image 62208 B, the schedule's step and copy tables \d+ B \(\d+ steps, \d+ copies\)\. Fewer patches, or stages without caches/);
    assert.ok(r.flash!.tables > 300_000, JSON.stringify(r.flash));
    assert.equal(fs.existsSync(out), false, 'no folder left');
  });

  describe('each failure is a clear message', () => {
    const vww = 'examples/vww-mbv1-0.25-96.pnet';
    const fake = (name: string, body: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return file;
    };
    it('toolchain missing', () => {
      const r = patchwise(['firmware', vww, '--board', 'qemu-mps2-an500', '--run', 'qemu', '--toolchain', '/nonexistent/arm-none-eabi-']);
      assert.equal(r.status, 3);
      assert.match(r.stderr, /the Cortex-M toolchain is missing: .*apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi.*patchwise\.toolchainPath/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
    it('QEMU missing', () => {
      const r = patchwise(['firmware', vww, '--run', 'qemu', '--qemu', '/nonexistent/qemu-system-arm']);
      assert.equal(r.status, 3);
      assert.match(r.stderr, /QEMU is missing: .*apt-get install qemu-system-arm.*patchwise\.qemuPath/);
    });
    it('emulator timeout', () => {
      const r = patchwise(['firmware', vww, '--run', 'qemu', '--qemu', fake('slow.sh', 'sleep 30'), '--timeout', '1']);
      assert.equal(r.status, 3);
      assert.match(r.stderr, /QEMU did not finish within 1 s/);
    });
    it('the firmware prints garbage', () => {
      const r = patchwise(['firmware', vww, '--run', 'qemu', '--qemu', fake('garbage.sh', 'printf "\\001\\002 hello {not json"')]);
      assert.equal(r.status, 3);
      assert.match(r.stderr, /printed no JSON line; it printed: \?\? hello \{not json/);
    });
    it('checksum mismatch', () => {
      const line = '{"model":"x","board":"qemu-mps2-an500","checksum":"00000000","top5":[[0,1]],"predictedArenaBytes":1,"predictedPeakBytes":1,"measuredArenaBytes":1,"scratchBytes":0,"stackBytes":1,"instructions":1,"split":{"stage":0,"later":1},"schedule":null}';
      const r = patchwise(['firmware', vww, '--run', 'qemu', '--qemu', fake('wrong.sh', `echo '${line}'`)]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /the firmware's output \(00000000\) differs from the reference \(29c74819\)/);
    });
    it('the board path: flash (a stand-in openocd), then the JSON line from the serial port via serialport', async () => {
      // A pseudo-terminal stands in for the ST-LINK virtual COM port: after the reader opens it,
      // "the board" prints its boot noise and the report line (the reference's checksum and top-5).
      const line = '{"model":"vww-mbv1-0.25-96","board":"stm32f746","checksum":"29c74819","top5":[[1,22],[0,-46]],"predictedArenaBytes":30300,"predictedPeakBytes":29400,"measuredArenaBytes":30300,"scratchBytes":900,"stackBytes":512,"cycles":1234567,"split":{"stage":700000,"later":534567},"schedule":null}';
      const board = spawn('python3', ['-c', [
        'import os, pty, sys, time, tty',
        'master, slave = pty.openpty()',
        'tty.setraw(slave)',
        'print(os.ttyname(slave), flush=True)',
        // Repeated until killed: the CLI opens the port only after building (seconds under load).
        'for _ in range(120):',
        `    os.write(master, b'boot\\r\\n' + ${JSON.stringify(line)}.encode() + b'\\r\\n')`,
        '    time.sleep(1)',
      ].join('\n')], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const port = await new Promise<string>((resolve) => board.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
        const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
          const cli = spawn(process.execPath, [bin, 'firmware', vww, '--board', 'stm32f746', '--run', 'board', '--openocd', fake('openocd.sh', 'exit 0'), '--port', port, '--timeout', '30', '--json'], { cwd: repoRoot });
          let stdout = '';
          let stderr = '';
          cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          cli.on('close', (status) => resolve({ status, stdout, stderr }));
        });
        assert.equal(r.status, 0, r.stderr);
        const report = JSON.parse(r.stdout);
        assert.equal(report.matchesReference, true);
        assert.equal(report.cycles, 1234567);
        assert.equal(report.size.vectorAddress, 0x08000000);
      } finally {
        board.kill();
      }
    });

    it('Renode and the board without their tools', () => {
      const renode = patchwise(['firmware', vww, '--board', 'stm32f746', '--run', 'renode', '--renode', '/nonexistent/renode']);
      assert.equal(renode.status, 3);
      assert.match(renode.stderr, /Renode is missing: .*patchwise\.renodePath/);
      const board = patchwise(['firmware', vww, '--board', 'stm32f746', '--run', 'board', '--openocd', '/nonexistent/openocd']);
      assert.equal(board.status, 3);
      assert.match(board.stderr, /no flasher: .*apt-get install openocd|no serial port/);
    });
  });
});
