import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runsAsGraph } from '../../server/src/core/model/kernelFit';
import { tfliteQModel } from '../../server/src/core/import/tflite/quant';
import { importTflite } from '../../server/src/core/import/tflite/tflite';
import { fnv1a, hex8 } from '../../server/src/core/quant/random';
import { Board, buildFirmware } from '../../server/src/firmware';
import { sharedOrSkip, tfliteModels } from '../support/sharedFiles';
import { runTflm, seededInputs, tflmFeed, tflmOrSkip, withInt8Output } from '../support/tflm';
import { buildTflite, tinyModel } from '../support/tfliteBuilder';

// The real .tflite models as Patchwise firmware against TensorFlow Lite Micro (tflm_run): generated
// from the file's own int8 parameters, built and run on a seeded random input, the firmware's
// output checksum is that of TFLite Micro's output bytes, and the arena it measured (guard bytes
// around it) is at most the predicted one. On the host all six, and the five chains with a patch
// schedule (MobileNetV2-224 with MCUNetV2's; the others with the search's lowest-peak one: VWW and
// person_detect, whose stride-2 layers pad one row and column at the end only, DS-CNN, whose 10×4
// stem runs on the window kernel, and mcunet-vww1); on QEMU's Cortex-M7 the five that fit the F746
// (MobileNetV2-224's 3.5 MB of weights do not) and their four schedules, in one test to keep the
// suite short.

const haveQemu = ['arm-none-eabi-gcc', 'qemu-system-arm'].every((t) => spawnSync(t, ['--version']).status === 0);

type Key = keyof typeof tfliteModels;

interface Outcome {
  instructions?: number;
  measuredArenaBytes: number;
  predictedArenaBytes: number;
}

/** Builds and runs `key` on `board` (with `schedule`, if any) on random input 1; asserts the checks above. */
function firmwareEqualsTflm(context: Mocha.Context, tflm: string, key: Key, board: Board, schedule?: string): Outcome {
  const file = sharedOrSkip(context, tfliteModels[key]);
  const bytes = new Uint8Array(fs.readFileSync(file));
  const quant = tfliteQModel(bytes, importTflite(bytes).model!);
  const input = seededInputs(quant.qm!.image.length, 1)[1];
  const oracle = runTflm(tflm, withInt8Output(bytes), tflmFeed(quant, input)).output;
  const text = `model m from "${path.basename(file)}"\n`;
  const result = buildFirmware({ file, text, board, run: board === 'host' ? 'host' : 'qemu', input, timeoutSeconds: 300, ...(schedule ? { schedule } : {}) });
  assert.deepEqual(result.diagnostics, [], key);
  assert.equal(result.failure, undefined, `${key}: ${result.failure?.message}`);
  const report = result.report as { checksum: string; matchesReference: boolean; instructions?: number; measuredArenaBytes: number; predictedArenaBytes: number };
  assert.equal(report.checksum, hex8(fnv1a(oracle)), `${key} on ${board}: the firmware's output checksum vs TFLite Micro's`);
  assert.equal(report.matchesReference, true, key);
  assert.ok(report.measuredArenaBytes <= report.predictedArenaBytes, `${key}: measured arena ${report.measuredArenaBytes} > predicted ${report.predictedArenaBytes}`);
  return report;
}

describe('the real .tflite models as firmware = TensorFlow Lite Micro', function () {
  this.timeout(600_000);
  let tflm = '';
  before(function () {
    tflm = tflmOrSkip(this);
  });

  for (const key of Object.keys(tfliteModels) as Key[]) {
    it(`${tfliteModels[key]}: host firmware's output = tflm_run's, measured arena ≤ predicted`, function () {
      const r = firmwareEqualsTflm(this, tflm, key, 'host');
      console.log(`      arena ${r.measuredArenaBytes} of ${r.predictedArenaBytes} B predicted`);
    });
  }

  const scheduled: [Key, string, number][] = [['mobilenetv2', 'patch=4x4 until=block4', 175_616], ['vww', 'patch=4x4 until=block4', 18_432], ['person', 'patch=4x4 until=block4', 18_432], ['dscnn', 'patch=8x1 until=block4', 13_760], ['mcunet', 'patch=2x3 until=block2', 25_600]];
  for (const [key, schedule, peak] of scheduled) {
    it(`${tfliteModels[key]} with ${schedule} on the host: output = tflm_run's, the patch stage in a ${peak} B peak`, function () {
      const r = firmwareEqualsTflm(this, tflm, key, 'host', schedule);
      assert.ok(r.predictedArenaBytes < peak + 2048, `${r.predictedArenaBytes}: peak + scratch`);
      console.log(`      arena ${r.measuredArenaBytes} of ${r.predictedArenaBytes} B predicted`);
    });
  }

  it('VWW, ResNet-8, DS-CNN, person_detect and mcunet-vww1 (and the four with their lowest-peak schedules) on QEMU (Cortex-M7): output = tflm_run\'s, measured arena ≤ predicted', function () {
    if (!haveQemu) {
      if (process.env.CI === 'true') throw new Error('arm-none-eabi-gcc and qemu-system-arm are required');
      console.error('\n!! SKIPPING the .tflite QEMU test: install gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm\n');
      this.skip();
    }
    const runs: [Key, string?][] = [['vww'], ['resnet8'], ['dscnn'], ['person'], ['mcunet'], ['vww', 'patch=4x4 until=block4'], ['person', 'patch=4x4 until=block4'], ['dscnn', 'patch=8x1 until=block4'], ['mcunet', 'patch=2x3 until=block2']];
    const lines = runs.map(([key, schedule]) => {
      const r = firmwareEqualsTflm(this, tflm, key, 'qemu-mps2-an500', schedule);
      return `${tfliteModels[key]}${schedule ? ` (${schedule})` : ''}: ${r.instructions} instructions, arena ${r.measuredArenaBytes} of ${r.predictedArenaBytes} B`;
    });
    console.log(lines.map((l) => `      ${l}`).join('\n'));
  });
});

describe('TFLite\'s SAME padding at stride 2 on the chain runtime', function () {
  this.timeout(120_000);
  let dir = '';
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-same-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a conv s2 SAME (0 before, 1 after) → depthwise → pool written here is a chain; with a patch stage its host firmware gives the reference\'s bytes', () => {
    const bytes = buildTflite(tinyModel());
    assert.equal(runsAsGraph(importTflite(bytes).model!), false);
    fs.writeFileSync(path.join(dir, 'tiny.tflite'), bytes);
    // The bottom and right patches read the row and column past the input's end: padding.
    for (const schedule of ['', 'patch=2x2 until=block1']) {
      const r = buildFirmware({ file: path.join(dir, 'tiny.pnet'), text: 'model tiny from "tiny.tflite"\n', schedule, board: 'host', run: 'host' });
      assert.deepEqual(r.diagnostics, []);
      assert.equal(r.report?.matchesReference, true, `${schedule || 'layer by layer'}: ${r.failure?.message}`);
      assert.equal(r.report!.schedule === null, schedule === '');
    }
  });
});
