import * as assert from 'assert';
import { TableActivation } from '../../server/src/core/model/ir';
import { runLayer } from '../../server/src/core/quant/interpreter';
import { addQuant } from '../../server/src/core/quant/params';
import { mulQuant, rescaleQuant, softmaxOutput, softmaxQuant } from '../../server/src/core/quant/graphParams';
import { TensorQuant } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { activationTable, TableFunction } from '../../server/src/core/quant/tables';
import { importTflite } from '../../server/src/core/import/tflite/tflite';
import { tfliteQModel } from '../../server/src/core/import/tflite/quant';
import { runReference } from '../../server/src/core/quant/interpreter';
import { layerOf, qlayerOf } from '../support/layers';
import { haveTflm, int32Bytes, Op, OptionField, Options, runTflm, TensorSpec, TensorType, writeOneOp } from '../support/tfliteOneOp';

// The reference kernels of graph ops against TensorFlow Lite Micro itself: one-operator .tflite
// models run by tflm_run on every int8 input (tables) or random tensors, compared byte for byte.

const int8 = (shape: number[], q: TensorQuant, data?: Int8Array): TensorSpec => ({ shape, type: TensorType.INT8, scale: [Math.fround(q.scale)], zeroPoint: [q.zeroPoint], ...(data ? { data: new Uint8Array(data.buffer, data.byteOffset, data.length) } : {}) });

/** All 256 int8 values as a 1×16×16×1 tensor. */
const allValues = Int8Array.from({ length: 256 }, (_, i) => i - 128);

function randomBytes(n: number, seed: number): Int8Array {
  const rng = new Random(seed);
  return Int8Array.from({ length: n }, () => rng.int(-128, 127));
}

/** Scales as float32, the way a .tflite file stores them. */
const quant = (scale: number, zeroPoint: number): TensorQuant => ({ scale: Math.fround(scale), zeroPoint });

const inputQuants = [quant(0.02, 3), quant(0.1, -20), quant(1 / 64, -128), quant(0.05, 127), quant(0.0078125, 0)];

describe('graph kernels against TensorFlow Lite Micro', function () {
  this.timeout(120_000);
  before(function () {
    haveTflm(this);
  });

  const tableCases: { fn: TableActivation; op: number; output: (q: TensorQuant) => TensorQuant; options?: { type: number; fields: OptionField[] }; alpha?: number; table?: Partial<TableFunction> }[] = [
    { fn: 'sigmoid', op: Op.LOGISTIC, output: () => quant(1 / 256, -128) },
    { fn: 'tanh', op: Op.TANH, output: () => quant(1 / 128, 0) },
    { fn: 'hardswish', op: Op.HARD_SWISH, output: (q) => quant(q.scale * 0.75, -90) },
    { fn: 'leakyrelu', op: Op.LEAKY_RELU, output: (q) => quant(q.scale * 0.6, 10), options: { type: Options.LeakyRelu, fields: [{ slot: 0, float: 0.2 }] }, alpha: 0.2 },
    // A RELU or RELU6 no layer before it fuses is a clamp table; TFLM's RELU6 keeps the input's quantization.
    { fn: 'clip', op: Op.RELU, output: (q) => quant(q.scale * 0.7, -60), table: { min: 0 } },
    { fn: 'clip', op: Op.RELU6, output: (q) => q, table: { min: 0, max: 6 } },
    { fn: 'elu', op: Op.ELU, output: (q) => quant(q.scale * 0.8, 40), alpha: 1 },
  ];
  for (const c of tableCases) {
    it(`${c.fn}${c.table ? ` (${Object.keys(Op).find((k) => Op[k as keyof typeof Op] === c.op)})` : ''}: the table equals TFLM on all 256 inputs for ${inputQuants.length} input quantizations`, () => {
      for (const q of inputQuants) {
        const out = c.output(q);
        const model = writeOneOp({ op: c.op, tensors: [int8([1, 16, 16, 1], q), int8([1, 16, 16, 1], out)], inputs: [0], outputs: [1], ...(c.options ? { options: c.options } : {}) });
        const expected = runTflm(model, allValues);
        const table = activationTable({ fn: c.fn, ...(c.alpha !== undefined ? { alpha: c.alpha } : {}), ...c.table }, q, out, 'tflite');
        assert.deepStrictEqual(Array.from(table), Array.from(expected), `${c.fn} with input scale ${q.scale}, zero point ${q.zeroPoint}`);
      }
    });
  }

  it('softmax over channels equals TFLM (several depths, beta, input scales)', () => {
    for (const [channels, beta, q, seed] of [[10, 1, quant(0.1, 0), 1], [2, 1, quant(0.5, -3), 2], [37, 0.7, quant(0.03, 20), 3], [100, 1, quant(1 / 16, -128), 4]] as [number, number, TensorQuant, number][]) {
      const pixels = 12;
      const model = writeOneOp({ op: Op.SOFTMAX, tensors: [int8([1, 3, 4, channels], q), int8([1, 3, 4, channels], softmaxOutput)], inputs: [0], outputs: [1], options: { type: Options.Softmax, fields: [{ slot: 0, float: beta }] } });
      const x = randomBytes(pixels * channels, seed);
      x.fill(x[0], 0, Math.min(4, channels)); // ties at the maximum
      const expected = runTflm(model, x);
      const s = { h: 3, w: 4, c: channels };
      const got = runLayer(qlayerOf(layerOf('softmax', s, s), q, softmaxOutput, { softmax: softmaxQuant(q, beta) }), [x]);
      assert.deepStrictEqual(Array.from(got), Array.from(expected), `softmax depth ${channels}, beta ${beta}`);
    }
  });

  it('add of two tensors with their own scales equals TFLM, saturating', () => {
    const s = { h: 4, w: 5, c: 6 };
    for (const [qa, qb, qo, seed] of [[quant(0.05, 3), quant(0.2, -7), quant(0.15, 1), 5], [quant(0.01, -128), quant(0.01, -128), quant(0.005, 0), 6]] as [TensorQuant, TensorQuant, TensorQuant, number][]) {
      const b = randomBytes(120, seed + 100);
      const model = writeOneOp({ op: Op.ADD, tensors: [int8([1, 4, 5, 6], qa), int8([1, 4, 5, 6], qb, b), int8([1, 4, 5, 6], qo)], inputs: [0, 1], outputs: [2], options: { type: Options.Add, fields: [{ slot: 0, int: 0 }] } });
      const a = randomBytes(120, seed);
      const expected = runTflm(model, a);
      const q = qlayerOf(layerOf('add', s, s), qa, qo, { inputs: [qa, qb], add: addQuant(qa, qb, qo) });
      assert.deepStrictEqual(Array.from(runLayer(q, [a, b])), Array.from(expected));
    }
  });

  it('mul with a 1×1×C operand broadcast over H×W (the SE scale) equals TFLM', () => {
    const s = { h: 3, w: 5, c: 8 };
    const qa = quant(0.07, -5);
    const qb = quant(1 / 256, -128);
    const qo = quant(0.05, 2);
    const b = randomBytes(8, 11);
    const model = writeOneOp({ op: Op.MUL, tensors: [int8([1, 3, 5, 8], qa), int8([1, 1, 1, 8], qb, b), int8([1, 3, 5, 8], qo)], inputs: [0, 1], outputs: [2], options: { type: Options.Mul, fields: [{ slot: 0, int: 0 }] } });
    const a = randomBytes(120, 12);
    const q = qlayerOf(layerOf('mul', s, s), qa, qo, { inputs: [qa, qb], mul: mulQuant(qa, qb, qo) });
    assert.deepStrictEqual(Array.from(runLayer(q, [a, b])), Array.from(runTflm(model, a)));
  });

  it('PRELU, an alpha a channel and one alpha for all, imported from the file: every input value of every channel equals TFLM', () => {
    // Each of the 256 pixels holds the value p − 128 in every channel.
    const c = 3;
    const x = Int8Array.from({ length: 256 * c }, (_, i) => Math.floor(i / c) - 128);
    for (const [alpha, q, aq, out] of [
      [Int8Array.of(25, -40, 100), quant(0.05, -3), quant(0.01, 5), quant(0.04, 10)],
      [Int8Array.of(-128, 0, 127), quant(1 / 64, -128), quant(1 / 128, 0), quant(0.03, -20)],
      [Int8Array.of(60), quant(0.1, 20), quant(1 / 256, -128), quant(0.08, 0)],
    ] as [Int8Array, TensorQuant, TensorQuant, TensorQuant][]) {
      const model = writeOneOp({ op: Op.PRELU, tensors: [int8([1, 16, 16, c], q), int8(alpha.length === 1 ? [1] : [1, 1, c], aq, alpha), int8([1, 16, 16, c], out)], inputs: [0, 1], outputs: [2] });
      const imported = importTflite(model);
      assert.deepEqual(imported.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
      assert.deepEqual(imported.model!.layers.map((l) => l.table?.fn), ['prelu']);
      const quantized = tfliteQModel(model, imported.model!);
      assert.deepEqual(quantized.problems, []);
      const ours = runReference({ ...quantized.qm!, image: x }).output;
      assert.deepStrictEqual(Array.from(ours), Array.from(runTflm(model, x)), `alpha ${Array.from(alpha)}`);
    }
  });

  it('mean over H×W, over rows and over columns, with and without its own output quantization, equals TFLM', () => {
    const qi = quant(0.04, 7);
    const cases: [number[], TensorQuant, boolean][] = [[[1, 2], quant(0.02, -3), true], [[1, 2], qi, false], [[2], qi, false], [[1], quant(0.07, 4), false], [[1, 2], quant(0.013, 11), false]];
    for (const [[h, w, c], seed] of [[[7, 6, 9], 13], [[3, 3, 160], 14], [[7, 7, 40], 15]] as const) {
      for (const [axes, qo, keep] of cases) {
        const [oh, ow] = [axes.includes(1) ? 1 : h, axes.includes(2) ? 1 : w];
        const outShape = keep ? [1, oh, ow, c] : [1, ...(axes.includes(1) ? [] : [h]), ...(axes.includes(2) ? [] : [w]), c];
        const model = writeOneOp({ op: Op.MEAN, tensors: [int8([1, h, w, c], qi), { shape: [axes.length], type: TensorType.INT32, data: int32Bytes(axes) }, int8(outShape, qo)], inputs: [0, 1], outputs: [2], options: { type: Options.Reducer, fields: [{ slot: 0, bool: keep }] } });
        const x = randomBytes(h * w * c, seed);
        const layer = layerOf(oh === 1 && ow === 1 ? 'gpool' : 'pool', { h, w, c }, { h: oh, w: ow, c }, { rows: { k: oh === 1 ? h : 1, s: 1, p: 0 }, cols: { k: ow === 1 ? w : 1, s: 1, p: 0 } });
        const q = qlayerOf(layer, qi, qo, { mean: rescaleQuant(qi, qo) });
        assert.deepStrictEqual(Array.from(runLayer(q, [x])), Array.from(runTflm(model, x)), `${h}×${w}×${c} axes ${axes} scale ${qo.scale}`);
      }
    }
  });

  for (const mode of ['nearest', 'bilinear'] as const) {
    for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]]) {
      it(`resize ${mode} align_corners=${alignCorners} half_pixel_centers=${halfPixelCenters} equals TFLM (up and down)`, () => {
        for (const [ih, iw, oh, ow] of [[3, 5, 7, 10], [6, 4, 3, 9], [5, 5, 10, 10]]) {
          const q = quant(0.1, -4);
          const size = int32Bytes([oh, ow]);
          const options = mode === 'nearest'
            ? { type: Options.ResizeNearestNeighbor, fields: [{ slot: 0, bool: alignCorners }, { slot: 1, bool: halfPixelCenters }] }
            : { type: Options.ResizeBilinear, fields: [{ slot: 2, bool: alignCorners }, { slot: 3, bool: halfPixelCenters }] };
          const model = writeOneOp({ op: mode === 'nearest' ? Op.RESIZE_NEAREST_NEIGHBOR : Op.RESIZE_BILINEAR, tensors: [int8([1, ih, iw, 3], q), { shape: [2], type: TensorType.INT32, data: size }, int8([1, oh, ow, 3], q)], inputs: [0, 1], outputs: [2], options });
          const x = randomBytes(ih * iw * 3, ih * 31 + ow);
          const layer = layerOf('resize', { h: ih, w: iw, c: 3 }, { h: oh, w: ow, c: 3 }, { resize: { mode, alignCorners, halfPixelCenters } });
          assert.deepStrictEqual(Array.from(runLayer(qlayerOf(layer, q, q), [x])), Array.from(runTflm(model, x)), `${ih}×${iw} → ${oh}×${ow}`);
        }
      });
    }
  }

  it('pad with the zero point (before ≠ after) equals TFLM', () => {
    const q = quant(0.1, -17);
    const paddings = int32Bytes([0, 0, 1, 2, 0, 1, 0, 0]);
    const model = writeOneOp({ op: Op.PAD, tensors: [int8([1, 4, 3, 5], q), { shape: [4, 2], type: TensorType.INT32, data: paddings }, int8([1, 7, 4, 5], q)], inputs: [0, 1], outputs: [2] });
    const x = randomBytes(60, 21);
    const layer = layerOf('pad', { h: 4, w: 3, c: 5 }, { h: 7, w: 4, c: 5 }, { rows: { k: 1, s: 1, p: 1, pEnd: 2 }, cols: { k: 1, s: 1, p: 0, pEnd: 1 } });
    assert.deepStrictEqual(Array.from(runLayer(qlayerOf(layer, q, q), [x])), Array.from(runTflm(model, x)));
  });

  it('concatenation along channels of tensors with the output quantization equals TFLM', () => {
    const q = quant(0.1, 4);
    const b = randomBytes(4 * 3 * 2, 31);
    const model = writeOneOp({ op: Op.CONCATENATION, tensors: [int8([1, 4, 3, 5], q), int8([1, 4, 3, 2], q, b), int8([1, 4, 3, 7], q)], inputs: [0, 1], outputs: [2], options: { type: Options.Concatenation, fields: [{ slot: 0, int: 3 }] } });
    const a = randomBytes(60, 32);
    const layer = layerOf('concat', { h: 4, w: 3, c: 5 }, { h: 4, w: 3, c: 7 });
    assert.deepStrictEqual(Array.from(runLayer(qlayerOf(layer, q, q, { inputs: [q, q], concat: [undefined, undefined] }), [a, b])), Array.from(runTflm(model, a)));
  });
});
