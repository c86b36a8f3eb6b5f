import { strict as assert } from 'assert';
import { importOnnx } from '../../server/src/core/import/onnx';
import { exportQdq } from '../../server/src/core/import/onnxExport';
import { quantizeOnnx } from '../../server/src/core/import/onnxWeights';
import { Model } from '../../server/src/core/model/ir';
import { runReference } from '../../server/src/core/quant/interpreter';
import { QModel } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { OnnxBuilder } from './onnxModels';

// ONNX activations as the importer carries them: each is an `act` layer with its table function
// (HardSwish as an op and as x·Clip(x+3, 0, 6)/6 or x·HardSigmoid(x), Swish as x·Sigmoid(x), Elu,
// Selu, Softplus, a Max with a constant after one as its clamp),
// Softmax over the channels a `softmax` layer; what no kernel runs an import error naming the node. Post-training quantization gives each its table; onnxruntime runs the QDQ export
// within one LSB of the reference.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node');

type Pattern = (m: OnnxBuilder, x: string) => string;

const cases: { title: string; pattern: Pattern; table: Model['layers'][number]['table']; nodes: number }[] = [
  { title: 'HardSwish', pattern: (m, x) => m.node('HardSwish', [x]), table: { fn: 'hardswish' }, nodes: 1 },
  {
    title: 'x·Clip(x+3, 0, 6)/6 (PaddlePaddle)',
    pattern: (m, x) => m.node('Div', [m.node('Mul', [x, m.node('Clip', [m.node('Add', [x, m.floats('three', [3])]), m.floats('lo', [0]), m.floats('hi', [6])])]), m.floats('six', [6])]),
    table: { fn: 'hardswish' },
    nodes: 1,
  },
  { title: 'Tanh then Clip(0, 6) (its clamp)', pattern: (m, x) => m.node('Clip', [m.node('Tanh', [x]), m.floats('lo', [0]), m.floats('hi', [6])]), table: { fn: 'tanh', min: 0, max: 6 }, nodes: 1 },
  { title: 'x·HardSigmoid(x) with 1/6, 1/2', pattern: (m, x) => m.node('Mul', [x, m.node('HardSigmoid', [x], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } })]), table: { fn: 'hardswish' }, nodes: 1 },
  { title: 'x·Sigmoid(x) (Swish)', pattern: (m, x) => m.node('Mul', [m.node('Sigmoid', [x]), x]), table: { fn: 'swish' }, nodes: 1 },
  { title: 'HardSigmoid 0.2, 0.5', pattern: (m, x) => m.node('HardSigmoid', [x], { alpha: { float: 0.2 }, beta: { float: 0.5 } }), table: { fn: 'hardsigmoid', alpha: Math.fround(0.2), beta: 0.5 }, nodes: 1 },
  { title: 'Sigmoid', pattern: (m, x) => m.node('Sigmoid', [x]), table: { fn: 'sigmoid' }, nodes: 1 },
  { title: 'Tanh', pattern: (m, x) => m.node('Tanh', [x]), table: { fn: 'tanh' }, nodes: 1 },
  { title: 'LeakyRelu 0.1', pattern: (m, x) => m.node('LeakyRelu', [x], { alpha: { float: 0.1 } }), table: { fn: 'leakyrelu', alpha: Math.fround(0.1) }, nodes: 1 },
  { title: 'Elu 0.7', pattern: (m, x) => m.node('Elu', [x], { alpha: { float: 0.7 } }), table: { fn: 'elu', alpha: Math.fround(0.7) }, nodes: 1 },
  { title: 'Elu (its default α = 1)', pattern: (m, x) => m.node('Elu', [x]), table: { fn: 'elu', alpha: 1 }, nodes: 1 },
  { title: 'Selu (its defaults)', pattern: (m, x) => m.node('Selu', [x]), table: { fn: 'selu', alpha: 1.67326319217681884765625, gamma: 1.05070102214813232421875 }, nodes: 1 },
  { title: 'Selu 1.5, 1.2', pattern: (m, x) => m.node('Selu', [x], { alpha: { float: 1.5 }, gamma: { float: 1.2 } }), table: { fn: 'selu', alpha: 1.5, gamma: Math.fround(1.2) }, nodes: 1 },
  { title: 'Softplus', pattern: (m, x) => m.node('Softplus', [x]), table: { fn: 'softplus' }, nodes: 1 },
  {
    title: 'PRelu, a slope per channel',
    pattern: (m, x) => m.node('PRelu', [x, m.init('slope', [8, 1, 1], [0.1, 0.25, -0.3, 0, 0.5, 1, 2, 0.05])]),
    table: { fn: 'prelu', slopes: [0.1, 0.25, -0.3, 0, 0.5, 1, 2, 0.05].map(Math.fround) },
    nodes: 1,
  },
  { title: 'Clip(−1, 1) (a clamp table)', pattern: (m, x) => m.node('Clip', [x, m.floats('lo', [-1]), m.floats('hi', [1])]), table: { fn: 'clip', min: -1, max: 1 }, nodes: 1 },
  { title: 'Clip(0.5, ∞) after a conv', pattern: (m, x) => m.node('Clip', [x, m.floats('lo', [0.5])]), table: { fn: 'clip', min: 0.5 }, nodes: 1 },
  { title: 'Min(x, 2) then Max(x, −1): one clamp table', pattern: (m, x) => m.node('Max', [m.node('Min', [x, m.floats('hi', [2])]), m.floats('lo', [-1])]), table: { fn: 'clip', max: 2, min: -1 }, nodes: 1 },
  { title: 'PRelu, one slope (a LeakyRelu)', pattern: (m, x) => m.node('PRelu', [x, m.init('slope', [1], [0.2])]), table: { fn: 'leakyrelu', alpha: Math.fround(0.2) }, nodes: 1 },
  {
    title: 'LeakyRelu 0.2 then max(x, −0.4) (TensorFlow)',
    pattern: (m, x) => m.node('Max', [m.node('LeakyRelu', [x], { alpha: { float: 0.2 } }), m.floats('floor', [-0.4])]),
    table: { fn: 'leakyrelu', alpha: Math.fround(0.2), min: Math.fround(-0.4) },
    nodes: 1,
  },
];

/** conv 3→8 k3 (weights from a seed) → the activation → conv 8→4 k1. */
function modelWith(pattern: Pattern, seed: number): Uint8Array {
  const m = new OnnxBuilder();
  const rng = new Random(seed);
  const weights = (n: number) => Array.from({ length: n }, () => (rng.int(-100, 100) / 100) * 0.5);
  const conv = (x: string, cin: number, cout: number, k: number, name: string) =>
    m.node('Conv', [x, m.init(`${name}_w`, [cout, cin, k, k], weights(cout * cin * k * k)), m.init(`${name}_b`, [cout], weights(cout))], { kernel_shape: [k, k], pads: [k >> 1, k >> 1, k >> 1, k >> 1] }, undefined, name);
  const x = conv(m.input('x', [1, 3, 12, 12]), 3, 8, 3, 'c1');
  m.output(conv(pattern(m, x), 8, 4, 1, 'c2'));
  return m.bytes();
}

/** Our int8 output against onnxruntime's (int8 kernels) on random inputs: [within 1 LSB, total, max difference]. */
async function againstOrt(qm: QModel, inputs: number): Promise<[number, number, number]> {
  const session = await ort.InferenceSession.create(exportQdq(qm), { logSeverityLevel: 3, extra: { session: { qdqisint8allowed: '1' } } });
  const { h, w, c } = qm.model.input.shape;
  const rng = new Random(3);
  let [within, total, max] = [0, 0, 0];
  try {
    for (let k = 0; k < inputs; k++) {
      const image = Int8Array.from({ length: h * w * c }, () => rng.int(-128, 127));
      const nchw = new Float32Array(image.length);
      for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) nchw[ch * h * w + p] = (image[p * c + ch] - qm.input.zeroPoint) * qm.input.scale;
      const theirs = (await session.run({ input: new ort.Tensor('float32', nchw, [1, c, h, w]) })).output.data as Int8Array;
      const ours = runReference({ ...qm, image }).output;
      const o = qm.model.layers.at(-1)!.output;
      ours.forEach((v, i) => {
        // Ours HWC, onnxruntime's NCHW.
        const d = Math.abs(v - theirs[(i % o.c) * o.h * o.w + Math.floor(i / o.c)]);
        max = Math.max(max, d);
        within += d <= 1 ? 1 : 0;
        total++;
      });
    }
  } finally {
    await session.release();
  }
  return [within, total, max];
}

describe('ONNX activations: act and softmax layers, their tables, onnxruntime on the QDQ export', function () {
  this.timeout(120_000);
  for (const [i, c] of cases.entries()) {
    it(`${c.title}: one act layer (${c.table!.fn}), no PW5014; PTQ and onnxruntime agree within 1 LSB`, async () => {
      const bytes = modelWith(c.pattern, 10 + i);
      const { model, diagnostics } = importOnnx(bytes);
      assert.deepEqual(diagnostics.filter((d) => d.severity === 'error' || d.code === 'PW5014').map((d) => d.message), []);
      assert.deepEqual(model!.layers.map((l) => l.kind), ['conv', 'act', 'conv']);
      assert.deepEqual(model!.layers[1].table, c.table);
      assert.equal(model!.layers[1].inPlace, true, 'over the conv output it reads last');
      const q = quantizeOnnx(model!, bytes);
      assert.deepEqual(q.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
      const act = q.qm!.layers[1];
      if (c.table!.fn === 'sigmoid') assert.deepEqual(act.output, { scale: 1 / 256, zeroPoint: -128 }, "TFLite's logistic output");
      if (c.table!.fn === 'tanh') assert.deepEqual(act.output, { scale: 1 / 128, zeroPoint: 0 }, "TFLite's tanh output");
      assert.equal(act.table!.length, 256 * (c.table!.slopes?.length ?? 1), 'a table, or one a channel');
      const [within, total, max] = await againstOrt(q.qm!, 4);
      console.log(`      ${within}/${total} within 1 LSB of onnxruntime, max difference ${max}`);
      assert.ok(within >= 0.95 * total && max <= 2, `${within}/${total} within 1 LSB, max difference ${max}`);
    });
  }

  it('Softmax after a Gemm is a softmax layer with output 1/256, −128; onnxruntime agrees', async () => {
    const m = new OnnxBuilder();
    const x = m.conv(m.input('x', [1, 3, 8, 8]), 3, 8, 3, 1, { bn: false });
    const flat = m.node('Flatten', [m.node('GlobalAveragePool', [x])]);
    const logits = m.node('Gemm', [flat, m.init('fc_w', [5, 8], Array.from({ length: 40 }, (_, i) => ((i * 7) % 11) / 11 - 0.5)), m.init('fc_b', [5], [0.1, -0.2, 0.3, 0, 0.05])], { transB: 1 });
    m.output(m.node('Softmax', [logits], { axis: 1 }));
    const bytes = m.bytes();
    const { model } = importOnnx(bytes);
    assert.deepEqual(model!.layers.map((l) => l.kind), ['conv', 'gpool', 'fc', 'softmax']);
    const q = quantizeOnnx(model!, bytes);
    assert.deepEqual(q.qm!.layers[3].output, { scale: 1 / 256, zeroPoint: -128 });
    const [within, total, max] = await againstOrt(q.qm!, 6);
    console.log(`      ${within}/${total} within 1 LSB of onnxruntime, max difference ${max}`);
    assert.ok(within >= 0.95 * total && max <= 2, `${within}/${total} within 1 LSB, max difference ${max}`);
  });

  for (const [opset, axis, map] of [[11, 1, true], [12, undefined, true], [13, 1, false]] as const) {
    it(`Softmax on an 8×8×8 map, opset ${opset}, axis ${axis ?? 'default'}: over ${map ? 'the whole map' : "each pixel's channels"}; onnxruntime agrees`, async () => {
      const m = new OnnxBuilder();
      const x = m.conv(m.input('x', [1, 3, 8, 8]), 3, 8, 3, 1, { bn: false });
      m.output(m.node('Softmax', [x], axis === undefined ? {} : { axis }));
      const bytes = m.bytes(opset);
      const { model, diagnostics } = importOnnx(bytes);
      assert.deepEqual(diagnostics.filter((d) => d.severity === 'error' || d.code === 'PW5014').map((d) => d.message), []);
      assert.deepEqual(model!.layers.map((l) => l.kind), ['conv', 'softmax']);
      assert.equal(model!.layers[1].softmaxMap ?? false, map);
      const q = quantizeOnnx(model!, bytes);
      const out = runReference(q.qm!).output;
      // Over the whole map the 512 outputs share one sum; per pixel each 8 channels do.
      const sums = map ? [out] : Array.from({ length: 64 }, (_, p) => out.subarray(p * 8, p * 8 + 8));
      for (const part of sums) assert.ok(Math.abs(part.reduce((a, v) => a + (v + 128), 0) - 256) <= part.length, 'each softmax sums to 1 (256/256)');
      const [within, total, max] = await againstOrt(q.qm!, 4);
      console.log(`      ${within}/${total} within 1 LSB of onnxruntime, max difference ${max}`);
      assert.ok(within >= 0.95 * total && max <= 2, `${within}/${total} within 1 LSB, max difference ${max}`);
    });
  }

  it('what no kernel runs is an import error naming the node (PW5008), not an analysis the firmware then refuses', () => {
    // A PRelu slope of shape [8] broadcasts along the columns (a table a column, not a channel); a
    // Softmax along the rows (opset 13's axis 2) is neither one over each pixel's channels nor over
    // the whole map; a Max with a constant per channel is no clamp; x·Relu(x) is no gate it knows.
    const refused: [Pattern, RegExp][] = [
      [(m, x) => m.node('PRelu', [x, m.init('slope', [8], [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2])], {}, undefined, 'p1'), /PRelu node 'p1' .*slope of shape \[8\] \(the firmware runs one slope, or one a channel: Keras' PReLU\(shared_axes=\[1, 2\]\) exports one a channel\)/],
      [(m, x) => m.node('Softmax', [x], { axis: 2 }, undefined, 's1'), /Softmax node 's1' .*along axis 2 of \[1, 8, 8, 8\]/],
      [(m, x) => m.node('Max', [x, m.init('floor', [1, 8, 1, 1], [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])], {}, undefined, 'm1'), /Max node 'm1' .*a constant of 8 values/],
      [(m, x) => m.node('Mul', [x, m.node('Relu', [x])], {}, undefined, 'g1'), /Mul node 'g1' .*x·f\(x\)/],
    ];
    for (const [pattern, message] of refused) {
      const m = new OnnxBuilder();
      m.output(pattern(m, m.conv(m.input('x', [1, 3, 8, 8]), 3, 8, 3, 1, { bn: false })));
      const { model, diagnostics } = importOnnx(m.bytes());
      assert.equal(model, undefined);
      const errors = diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map((d) => d.code), ['PW5008']);
      assert.match(errors[0].message, message);
    }
  });
});
