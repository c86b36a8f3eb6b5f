import { strict as assert } from 'assert';
import * as fs from 'fs';
import { readTflite } from '../../../server/src/core/import/tflite/schema';
import { tfliteQModel } from '../../../server/src/core/import/tflite/quant';
import { importTflite } from '../../../server/src/core/import/tflite/tflite';
import { Model, Shape } from '../../../server/src/core/model/ir';
import { runReference } from '../../../server/src/core/quant/interpreter';
import { QModel } from '../../../server/src/core/quant/qmodel';
import { sharedOrSkip, tfliteModels } from '../../support/sharedFiles';
import { runTflm, seededInputs, tflmFeed, tflmOrSkip, toNchw, withOutput } from '../../support/tflm';
import { buildTflite, tinyModel } from '../../support/tfliteBuilder';
import { analyzeModel } from '../../../server/src/core/analysis/analyze';
import { checkRuntimeSupport } from '../../../server/src/core/codegen/support';
import { firmwareOfQModel } from '../../../server/src/firmware';

// The TypeScript reference with each real model's own int8 parameters against TensorFlow Lite Micro
// (tflm_run, its reference kernels), byte for byte, layer by layer: the file's output is moved to
// each layer's tensor in turn (on MobileNetV2-224 every 26th, the MEAN and the last, for time). Every
// compared layer is compared on an all-zero input and a seeded random one, the output on 4 more
// random ones. A tensor the file keeps channels-first (after a TRANSPOSE) is compared in its order.

interface Case {
  key: keyof typeof tfliteModels;
  /** Layers compared one by one (every layer of a small model; the stage ends of a large one). */
  every: number;
}

const cases: Case[] = [
  { key: 'vww', every: 1 },
  { key: 'resnet8', every: 1 },
  { key: 'dscnn', every: 1 },
  { key: 'person', every: 1 },
  { key: 'mcunet', every: 1 },
  { key: 'mobilenetv2', every: 26 },
];

/** The file's own quantization, its output equal to TFLite Micro's on zeros and 5 random inputs. */
function sameOutputAsTflm(tflm: string, bytes: Uint8Array, model: Model): ReturnType<typeof tfliteQModel> {
  const quant = tfliteQModel(bytes, model);
  assert.deepEqual(quant.problems, []);
  for (const image of seededInputs(quant.qm!.image.length)) {
    const ours = runReference({ ...quant.qm!, image }).output;
    const theirs = runTflm(tflm, bytes, new Uint8Array(image.buffer, image.byteOffset, image.length)).output;
    assert.deepEqual([...ours], [...theirs]);
  }
  return quant;
}

describe('TS reference = TensorFlow Lite Micro on the real .tflite models', function () {
  this.timeout(600_000);
  let tflm = '';
  before(function () {
    tflm = tflmOrSkip(this);
  });

  it('person_detect on TFLite Micro\'s test images (the raw pixel bytes): person 113, no person −57', function () {
    const bytes = new Uint8Array(fs.readFileSync(sharedOrSkip(this, tfliteModels.person)));
    const model = importTflite(bytes).model!;
    const scores = ['person', 'no_person'].map((name) => {
      const image = new Int8Array(fs.readFileSync(sharedOrSkip(this, `models/tflite/testdata/${name}.bin`)));
      return [...runReference(tfliteQModel(bytes, model, image).qm!).output];
    });
    assert.deepEqual(scores, [[-113, 113], [57, -57]], '[no person, person] scores');
  });

  it('a small conv → depthwise → average pool model written here: the whole output, on zeros and 5 random inputs', () => {
    const bytes = buildTflite(tinyModel());
    const model = importTflite(bytes).model!;
    sameOutputAsTflm(tflm, bytes, model);
  });

  it('a RELU after a max pool, an ELU, a RELU6 and a PRELU (clamp, ELU and per-channel tables): the whole output, on zeros and 5 random inputs, and in host firmware', () => {
    const spec = tinyModel();
    spec.tensors.push(
      { name: 'maxpool', shape: [1, 2, 2, 4], scale: [0.25], zeroPoint: [-128] },
      { name: 'relu', shape: [1, 2, 2, 4], scale: [0.2], zeroPoint: [-100] },
      { name: 'elu', shape: [1, 2, 2, 4], scale: [0.1], zeroPoint: [0] },
      { name: 'relu6', shape: [1, 2, 2, 4], scale: [0.1], zeroPoint: [0] },
      { name: 'alpha', shape: [1, 1, 4], buffer: 4, scale: [0.01], zeroPoint: [3] },
      { name: 'prelu', shape: [1, 2, 2, 4], scale: [0.07], zeroPoint: [-5] },
    );
    spec.buffers!.push(new Uint8Array(Int8Array.of(20, -50, 90, 0).buffer));
    // The depthwise output, max-pooled 2×2 (VALID, stride 2), then the three activations.
    spec.operators.splice(2, 1, { code: 17, optionsType: 5, inputs: [6], outputs: [8], options: [[0, 'int8', 1], [1, 'int32', 2], [2, 'int32', 2], [3, 'int32', 2], [4, 'int32', 2]] });
    spec.operators.push({ code: 19, inputs: [8], outputs: [9] }, { code: 111, inputs: [9], outputs: [10] }, { code: 21, inputs: [10], outputs: [11] }, { code: 54, inputs: [11, 12], outputs: [13] });
    spec.outputs = [13];
    const bytes = buildTflite(spec);
    const imported = importTflite(bytes);
    assert.deepEqual(imported.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
    const model = imported.model!;
    assert.deepEqual(model.layers.map((l) => (l.kind === 'act' ? `act ${l.table!.fn}` : l.kind)), ['conv', 'dwconv', 'pool', 'act clip', 'act elu', 'act clip', 'act prelu']);
    const quant = sameOutputAsTflm(tflm, bytes, model);
    assert.deepEqual(checkRuntimeSupport(model), []);
    const host = firmwareOfQModel(quant.qm!, analyzeModel(model), { text: '', file: 'acts.tflite', board: 'host', run: 'host' });
    assert.equal(host.report?.matchesReference, true, host.failure?.message);
  });

  for (const c of cases) {
    it(`${tfliteModels[c.key]}: every layer (every 26th on MobileNetV2-224) byte for byte on zeros and a random input, the output on 4 more`, function () {
      const bytes = new Uint8Array(fs.readFileSync(sharedOrSkip(this, tfliteModels[c.key])));
      const model = importTflite(bytes).model!;
      const quant = tfliteQModel(bytes, model);
      assert.equal(quant.problems.map((p) => `${p.layer}: ${p.message}`).join('; '), '');
      const file = readTflite(bytes);
      const named = (node: string) => file.tensors.findIndex((t) => t.name === node || t.name.split(';')[0] === node || t.name.split(';').pop() === node);
      // A conv with the shortcut add fused writes what the file's ADD writes.
      const tensorOf = (i: number) => {
        const t = named(model.layers[i].node!);
        const add = model.layers[i].writesShortcut ? file.operators.find((o) => o.code === 0 && o.inputs.includes(t)) : undefined;
        return add ? add.outputs[0] : t;
      };
      const n = model.layers.length;
      assert.equal(quant.supportedLayers, n);
      const means = quant.qm!.layers.flatMap((q, i) => (q.mean ? [i] : []));
      const compared = [...Array.from({ length: n }, (_, i) => i).filter((i) => i % c.every === c.every - 1 || means.includes(i)), n - 1].filter((i, k, a) => a.indexOf(i) === k);
      const truncated = new Map(compared.map((i) => [i, withOutput(bytes, tensorOf(i))]));
      for (const [k, image] of seededInputs(quant.qm!.image.length).entries()) {
        const qm: QModel = { ...quant.qm!, image };
        const ours = runReference(qm, true).activations!;
        const fed = tflmFeed(quant, image);
        // Layer by layer on zeros and the first random input; the last layer on the other four.
        for (const i of k < 2 ? compared : [n - 1]) {
          const theirs = runTflm(tflm, truncated.get(i)!, fed).output;
          if (channelsFirst(file.tensors[tensorOf(i)].shape, model.layers[i].output)) ours[i] = toNchw(ours[i], model.layers[i].output.h, model.layers[i].output.w, model.layers[i].output.c);
          const at = ours[i].findIndex((v, j) => v !== theirs[j]);
          assert.ok(ours[i].length === theirs.length && at < 0, `${label(model, i)}, input ${k === 0 ? 'zeros' : `random ${k}`}: ${ours[i].length} vs ${theirs.length} bytes, first difference at ${at} (ours ${ours[i][at]}, TFLM ${theirs[at]})`);
        }
      }
      console.log(`      ${tfliteModels[c.key]}: ${compared.length} of its ${n} layers compared on 2 inputs, the last on 6, all equal`);
    });
  }
});

/** Whether the file's tensor holds a layer's output channels-first (its dims, ones dropped, are C then H, W). */
function channelsFirst(dims: readonly number[], s: Shape): boolean {
  const real = dims.filter((d) => d !== 1);
  const hw = [s.h, s.w].filter((d) => d !== 1);
  return s.c !== 1 && hw.length > 0 && real.join() === [s.c, ...hw].join();
}

function label(model: Model, i: number): string {
  return `layer ${i} ${model.layers[i].name}`;
}
