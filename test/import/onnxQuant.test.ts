import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { repoRoot } from '../helpers';
import { analyzeText } from '../../server/src/core/engine';
import { quantizeOnnx } from '../../server/src/core/import/onnxWeights';
import { runReference } from '../../server/src/core/quant/interpreter';
import { QModel } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { buildFirmware } from '../../server/src/firmware';
import { nodeFileSystem } from '../../server/src/nodeFileSystem';
import { exportQdq } from '../../server/src/core/import/onnxExport';
import { Flaw, floatModel, inputDims, qdqModel, qoperatorModel } from './quantModels';

// A quantized ONNX model's own weights in the firmware: onnxruntime-node, the TypeScript reference
// and the host-built firmware give the same int8 bytes.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node');

/** Deterministic random int8 input, NCHW (for onnxruntime) and HWC (for Patchwise). */
function randomInput(seed: number): { nchw: Int8Array; hwc: Int8Array } {
  const rng = new Random(seed);
  const [, c, h, w] = inputDims;
  const nchw = Int8Array.from({ length: c * h * w }, () => rng.int(-128, 127));
  const hwc = new Int8Array(nchw.length);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) hwc[p * c + ch] = nchw[ch * h * w + p];
  return { nchw, hwc };
}

async function runOrt(bytes: Uint8Array, input: Int8Array | Float32Array, output: string): Promise<Int8Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ [session.inputNames[0]]: new ort.Tensor(input instanceof Int8Array ? 'int8' : 'float32', input, inputDims) });
    return Int8Array.from(result[output].data as Int8Array);
  } finally {
    await session.release();
  }
}

const hex = (bytes: Int8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

describe('quantized ONNX weights in the firmware', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-onnxq-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('QOperator (QLinearConv 3x3 s2, depthwise, 1x1, MaxPool, QLinearMatMul): onnxruntime = TS reference = host firmware, byte for byte', async () => {
    const model = qoperatorModel(7);
    const file = path.join(dir, 'qop.onnx');
    fs.writeFileSync(file, model.bytes);
    const text = 'model qop from "qop.onnx"\n';
    const analysis = analyzeText(text, { fs: nodeFileSystem, basePath: path.join(dir, 'qop.pnet') });
    assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
    let compared = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const input = randomInput(seed);
      const quantized = quantizeOnnx(analysis.model!, model.bytes, { image: input.hwc });
      assert.deepEqual(quantized.diagnostics, []);
      assert.equal(quantized.format, 'qoperator');
      const reference = runReference(quantized.qm!).output;
      const ortOut = await runOrt(model.bytes, input.nchw, model.output);
      assert.equal(hex(reference), hex(ortOut), `input ${seed}: TS reference ≠ onnxruntime`);
      if (seed <= 3) {
        const fw = buildFirmware({ file: path.join(dir, 'qop.pnet'), text, run: 'host', dumpOutput: true, input: input.hwc });
        assert.deepEqual(fw.diagnostics, []);
        assert.equal(fw.failure, undefined, fw.failure?.message);
        assert.equal(fw.report!.output, hex(ortOut), `input ${seed}: firmware ≠ onnxruntime`);
        assert.equal(fw.report!.matchesReference, true);
      }
      compared++;
    }
    console.log(`      ${compared} inputs: onnxruntime = reference; 3 of them on the host firmware too (10 int8 logits each)`);
  });

  /**
   * Twelve random inputs: the largest |onnxruntime − TS reference| over every output byte (onnxruntime
   * runs `ortModel` of the int8 model on the float input that quantizes to the int8 input), and the
   * host firmware against the reference on the first two.
   */
  async function compareWithOrt(name: string, bytes: Uint8Array, ortModel: (qm: QModel) => { bytes: Uint8Array; output: string }): Promise<{ maxDiff: number; differing: number; qm: QModel }> {
    fs.writeFileSync(path.join(dir, `${name}.onnx`), bytes);
    const text = `model ${name} from "${name}.onnx"\n`;
    const file = path.join(dir, `${name}.pnet`);
    const analysis = analyzeText(text, { fs: nodeFileSystem, basePath: file });
    assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
    let maxDiff = 0;
    let differing = 0;
    let first: QModel | undefined;
    const seen = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) {
      const input = randomInput(seed);
      const quantized = quantizeOnnx(analysis.model!, bytes, { image: input.hwc });
      assert.deepEqual(quantized.diagnostics, []);
      const qm = quantized.qm!;
      first ??= qm;
      const reference = runReference(qm).output;
      const onnxModel = ortModel(qm);
      const ortOut = await runOrt(onnxModel.bytes, Float32Array.from(input.nchw, (q) => (q - qm.input.zeroPoint) * qm.input.scale), onnxModel.output);
      reference.forEach((v, i) => {
        seen.add(v);
        maxDiff = Math.max(maxDiff, Math.abs(v - ortOut[i]));
        differing += v !== ortOut[i] ? 1 : 0;
      });
      if (seed <= 2) {
        const fw = buildFirmware({ file, text, run: 'host', dumpOutput: true, input: input.hwc });
        assert.deepEqual(fw.diagnostics, []);
        assert.equal(fw.failure, undefined, fw.failure?.message);
        assert.equal(fw.report!.output, hex(reference), `input ${seed}: firmware ≠ reference`);
      }
    }
    // Outputs spread over the int8 range, not saturated: the comparison can fail.
    assert.ok(seen.size >= 40, `only ${seen.size} distinct output values`);
    return { maxDiff, differing, qm: first! };
  }

  it('QDQ (DequantizeLinear → Conv/Gemm → Relu → QuantizeLinear): host firmware = TS reference, onnxruntime within 1 LSB', async () => {
    const model = qdqModel(11);
    const { maxDiff, differing, qm } = await compareWithOrt('qdq', model.bytes, () => model);
    assert.equal(qm.source, 'qdq');
    assert.deepEqual([qm.input.scale, qm.input.zeroPoint], [model.inputScale, model.inputZp]);
    console.log(`      QDQ: max |onnxruntime − reference| = ${maxDiff} LSB (${differing} of ${12 * 10} logits differ); host firmware = reference on 2 inputs`);
    assert.ok(maxDiff <= 1, `onnxruntime differs by ${maxDiff} LSB`);
  });

  it('a float model: post-training quantization; host firmware = TS reference; its QDQ export in onnxruntime within 1 LSB', async () => {
    const bytes = floatModel(21);
    let exported: Uint8Array | undefined;
    const { maxDiff, differing, qm } = await compareWithOrt('float', bytes, (q) => {
      const again = exportQdq(q);
      exported ??= again;
      assert.deepEqual(again, exported, 'the export depends on the parameters only');
      return { bytes: again, output: 'output' };
    });
    assert.equal(qm.source, 'ptq');
    console.log(`      PTQ: max |onnxruntime(exported QDQ) − reference| = ${maxDiff} LSB (${differing} of ${12 * 10} logits differ); host firmware = reference on 2 inputs`);
    assert.ok(maxDiff <= 1, `onnxruntime differs by ${maxDiff} LSB`);
    const analysis = analyzeText('model float from "float.onnx"\n', { fs: nodeFileSystem, basePath: path.join(dir, 'float.pnet') });
    // The exported QDQ model imported again: the same int8 model, read as QDQ.
    fs.writeFileSync(path.join(dir, 'exported.onnx'), exported!);
    const again = analyzeText('model exported from "exported.onnx"\n', { fs: nodeFileSystem, basePath: path.join(dir, 'x.pnet') });
    const input = randomInput(1);
    const requantized = quantizeOnnx(again.model!, exported!, { image: input.hwc });
    assert.equal(requantized.format, 'qdq');
    assert.equal(hex(runReference(requantized.qm!).output), hex(runReference(quantizeOnnx(analysis.model!, bytes, { image: input.hwc }).qm!).output));
  });

  it('`patchwise reference` on an .onnx file runs its own int8 weights (the checksum the firmware is held to)', () => {
    const model = qoperatorModel(7);
    const file = path.join(dir, 'ref-qop.onnx');
    fs.writeFileSync(file, model.bytes);
    const cli = spawnSync(process.execPath, [path.join(repoRoot, 'out', 'server', 'src', 'cli.js'), 'reference', file, '--json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(cli.status, 0, cli.stderr);
    const analysis = analyzeText(`model ref_qop from "ref-qop.onnx"\n`, { fs: nodeFileSystem, basePath: path.join(dir, 'x.pnet') });
    const own = runReference(quantizeOnnx(analysis.model!, model.bytes).qm!);
    assert.equal(JSON.parse(cli.stdout).checksum, own.checksum);
  });

  it('malformed quantization parameters are diagnostics naming the node, never a throw', () => {
    const expected: Record<Flaw, RegExp> = {
      weightZeroPoint: /weight zero point is 0, 0, 0, 5; only symmetric weights/,
      missingScale: /output scale is missing/,
      zeroScale: /weight scale must be finite and > 0/,
      nanScale: /weight scale must be finite and > 0/,
    };
    for (const [flaw, pattern] of Object.entries(expected) as [Flaw, RegExp][]) {
      const model = qoperatorModel(7, flaw);
      fs.writeFileSync(path.join(dir, `${flaw}.onnx`), model.bytes);
      const text = `model ${flaw} from "${flaw}.onnx"\n`;
      const analysis = analyzeText(text, { fs: nodeFileSystem, basePath: path.join(dir, 'x.pnet') });
      const quantized = analysis.model ? quantizeOnnx(analysis.model, model.bytes) : undefined;
      const fw = buildFirmware({ file: path.join(dir, 'x.pnet'), text });
      const messages = [...analysis.diagnostics, ...(quantized?.diagnostics ?? []), ...fw.diagnostics].map((d) => d.message);
      assert.ok(messages.some((m) => m.includes("'qconv1'") && pattern.test(m)), `${flaw}: ${messages.join(' | ')}`);
      assert.ok([...(quantized?.diagnostics ?? []), ...fw.diagnostics].some((d) => d.code === 'PW5016'), `${flaw}: reported as a quantization problem`);
      assert.equal(quantized?.qm, undefined, flaw);
      assert.ok(fw.diagnostics.some((d) => d.severity === 'error' && d.message.includes("'qconv1'")), `${flaw}: the firmware is refused`);
    }
  });
});
