import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readExample, repoRoot } from './helpers';

// The CLI as users run it: bin/patchwise, built by `npm install` / `npm test`.
const bin = path.join(repoRoot, 'bin', 'patchwise');

function patchwise(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, maxBuffer: 512 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('patchwise CLI', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-cli-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('analyze --json keeps the documented names', () => {
    const { status, stdout } = patchwise('analyze', 'examples/mobilenetv2.pnet', '--json');
    assert.equal(status, 1, 'MobileNetV2 weights exceed the 1 MiB flash');
    const r = JSON.parse(stdout);
    assert.equal(r.model, 'mobilenetv2');
    assert.deepEqual([r.input.h, r.input.w, r.input.c], [224, 224, 3]);
    assert.deepEqual([r.target.name, r.target.sramBytes, r.target.flashBytes], ['stm32f746', 327680, 1048576]);
    assert.deepEqual([r.macs.total, r.macs.patchStage, r.macs.patchStageLayerByLayer], [300774272, 119202032, 91282688]);
    assert.deepEqual([r.perLayer.peakBytes, r.perLayer.peakBlock], [1404928, 2]);
    const s = r.schedule;
    assert.deepEqual([s.patch, s.untilBlock, s.inputPatch, s.stagePeakBytes, s.laterPeakBytes], [[4, 4], 4, [75, 75], 162288, 175616]);
    assert.equal(typeof s.overheadStage, 'number');
    assert.equal(typeof s.overheadTotal, 'number');
    assert.deepEqual([r.peakBytes, r.fits, r.weightsBytes], [175616, false, 3541984]);
    const stem = r.layers[0];
    assert.deepEqual(stem, { ...stem, name: 'block0.conv', block: 0, op: 'conv', line: 9, out: [112, 112, 32], macs: 10838016 });
    assert.deepEqual(stem.rf, { size: 3, jump: 2, start: -1 });
    assert.deepEqual(r.diagnostics, []);
  });

  it('analyze prints a per-block table and exits 0 when the model fits', () => {
    const { status, stdout } = patchwise('analyze', 'examples/mbv2-w0.35-r144.pnet');
    assert.equal(status, 0);
    assert.match(stdout, /block\s+line\s+op/);
    assert.match(stdout, /mbconv e6 k3 s2/);
    assert.match(stdout, /SRAM\s+peak .* fits/);
  });

  it('takes --target, --sram and --flash in KiB, MiB or bytes, and --schedule', () => {
    assert.equal(patchwise('analyze', 'examples/mobilenetv2.pnet', '--sram', '128KiB', '--flash', '4MiB').status, 1);
    assert.equal(patchwise('analyze', 'examples/mobilenetv2.pnet', '--sram', '327680', '--flash', '4MiB').status, 0);
    assert.equal(patchwise('analyze', 'examples/mobilenetv2.pnet', '--target', 'stm32h743', '--flash', '4MiB').status, 0);
    const unscheduled = file('plain.pnet', readExample('mobilenetv2.pnet').replace(/^schedule .*$/m, ''));
    const r = JSON.parse(patchwise('analyze', unscheduled, '--json', '--schedule', 'patch=4x4 until=block4').stdout);
    assert.equal(r.peakBytes, 175616);
    const over = JSON.parse(patchwise('analyze', unscheduled, '--json', '--schedule', 'patch=2x2 until=block2').stdout);
    assert.equal(over.schedule.untilBlock, 2);
    assert.equal(patchwise('analyze', unscheduled, '--sram', 'lots').status, 2);
    assert.equal(patchwise('analyze', unscheduled, '--target', 'esp32').status, 2);
  });

  const bad: [string, string, RegExp][] = [
    ['unknown op', 'input 32x32x3\nconvolve out=8\n', /:2:1: error PW1001 unknown op 'convolve'/],
    ['bad number', 'input 32x32x3\nconv out=8 k=three\n', /:2:14: error PW1003 bad number 'three'/],
    ['missing input', 'conv out=8\n', /:1:1: error PW2001/],
    ['channel mismatch', 'input 32x32x3\nconv out=8\nconv out=4 in=16\n', /:3:15: error PW2003 channel mismatch/],
    ['until=block99', 'input 32x32x3\nconv out=8\nschedule patch=2x2 until=block99\n', /:3:26: error PW2006 until=block99 is past the network/],
    ['an empty file', '', /:1:1: error PW2001/],
    ['random bytes', String.fromCharCode(...Array.from({ length: 400 }, (_, i) => (i * 7919) % 256)), /error PW1018/],
  ];
  for (const [what, text, expected] of bad) {
    it(`exits 2 with file:line:col diagnostics for ${what}`, () => {
      const p = file('bad.pnet', text);
      for (const args of [['analyze', p], ['analyze', p, '--json'], ['optimize', p]]) {
        const { status, stderr } = patchwise(...args);
        assert.equal(status, 2, stderr);
        assert.match(stderr, expected);
        assert.ok(stderr.startsWith(p + ':'), stderr);
        assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      }
    });
  }

  it('says so when the file cannot be read or the command line is wrong', () => {
    assert.match(patchwise('analyze', path.join(dir, 'missing.pnet')).stderr, /cannot read .*missing\.pnet: ENOENT/);
    assert.equal(patchwise('analyze').status, 2);
    assert.equal(patchwise('frobnicate', 'x').status, 2);
    assert.equal(patchwise('analyze', 'examples/mobilenetv2.pnet', '--bogus').status, 2);
    assert.equal(patchwise('--help').status, 0);
  });

  it('optimize --apply rewrites the schedule line only, and the result fits', () => {
    const original = readExample('mobilenetv2.pnet').replace('patch=4x4 until=block4', 'patch=2x2 until=block1');
    const p = file('mbv2.pnet', original);
    const before = patchwise('analyze', p, '--json', '--flash', '4MiB');
    assert.equal(before.status, 1);
    const { status, stdout } = patchwise('optimize', p, '--apply');
    assert.equal(status, 0, stdout);
    assert.match(stdout, /applied .*schedule patch=2x4 until=block4/);
    const changed = fs.readFileSync(p, 'utf8').split('\n');
    const old = original.split('\n');
    assert.equal(changed.length, old.length);
    const diff = changed.map((l, i) => [l, old[i]]).filter(([a, b]) => a !== b);
    assert.equal(diff.length, 1);
    assert.match(diff[0][0], /^schedule patch=2x4 until=block4\s+# blocks 0\.\.4 run patch by patch/);
    assert.equal(patchwise('analyze', p, '--flash', '4MiB').status, 0);
  });

  it('optimize --beyond --apply passes over a schedule whose step and copy tables would not fit the flash, says so, and picks one that does', () => {
    // mbv2-w0.35-r144's lowest-peak, fewest-MAC schedule beyond MCUNetV2 (20×20 and 8×8 patches with
    // caches) has 358 KiB of tables beside 804 KiB of parameters: past the F746's 1 MiB.
    const p = file('mbv2-beyond.pnet', readExample('mbv2-w0.35-r144.pnet'));
    const { status, stdout } = patchwise('optimize', p, '--beyond', '--apply');
    assert.equal(status, 0, stdout);
    assert.match(stdout, /^flash {4}passed over \d+ schedules? ranked above it: their step and copy tables \(\d+\.\d KiB for schedule patch=20x20 until=block2 cache=rows\+cols ; .*\) do not fit the \d+\.\d KiB of flash the weights, the input image and the program leave$/m);
    const json = JSON.parse(patchwise('optimize', p, '--beyond', '--json').stdout);
    assert.ok(json.passedOverForFlash.length >= 1);
    for (const over of json.passedOverForFlash) assert.ok(over.flash.parameters + over.flash.input + over.flash.tables > 1024 * 1024 - 80 * 1024, JSON.stringify(over.flash));
    // What it applied (or left) builds: the firmware check finds the tables within the flash.
    const fw = patchwise('firmware', p, '--board', 'stm32f746', '--out', path.join(dir, 'mbv2-beyond-fw'));
    assert.equal(fw.status, 0, fw.stderr);
  });

  it('optimize --json lists the Pareto front and the best schedule', () => {
    const { status, stdout } = patchwise('optimize', 'examples/mobilenetv2.pnet', '--json', '--sram', '200KiB');
    assert.equal(status, 0);
    const r = JSON.parse(stdout);
    assert.equal(r.budgetBytes, 200 * 1024);
    assert.ok(r.evaluated > 1000);
    assert.ok(r.best.peakBytes <= 200 * 1024);
    assert.deepEqual(r.best.patch, [3, 4]);
    assert.ok(r.pareto.length > 3);
    assert.ok(r.choices.length >= 1 && r.choices.length <= 3);
  });

  it('optimize explains why nothing fits and exits 1', () => {
    const { status, stdout } = patchwise('optimize', 'examples/mobilenetv2.pnet', '--sram', '160KiB');
    assert.equal(status, 1);
    assert.match(stdout, /nothing fits: block 5 \(mbconv e6 k3 s1\) needs 171\.5 KiB layer by layer even with the best patch stage/);
  });

  it('analyses a 100,000-line model in seconds', function () {
    this.timeout(60_000);
    const lines = ['model big', 'input 16x16x8', 'budget sram=1MiB flash=64MiB'];
    for (let i = 0; i < 100_000; i++) lines.push(i % 2 ? 'conv out=8 k=1' : 'dwconv k=3');
    const p = file('big.pnet', lines.join('\n'));
    const { status, stdout, stderr } = patchwise('analyze', p, '--json');
    assert.equal(status, 0, stderr);
    const r = JSON.parse(stdout);
    assert.equal(r.layers.length, 100_000);
    assert.equal(r.blocks.length, 100_000);
  });
});
