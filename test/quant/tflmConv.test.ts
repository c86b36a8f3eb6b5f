import * as assert from 'assert';
import { Layer, Window } from '../../server/src/core/model/ir';
import { outputLength } from '../../server/src/core/model/ops';
import { quantizeMultiplier } from '../../server/src/core/quant/fixedPoint';
import { runLayer } from '../../server/src/core/quant/interpreter';
import { QLayer, TensorQuant } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { haveTflm, int32Bytes, Op, Options, runTflm, TensorType, writeOneOp } from '../support/tfliteOneOp';

// Convolutions and pools with TFLite's own window rules against TensorFlow Lite Micro: SAME
// padding with stride 2 (0 before, 1 after on even sizes), non-square kernels and strides
// (k=10×4), a depthwise multiplier of 8 (person_detect), per-channel weights.

const f32 = Math.fround;

/** TFLite's SAME padding of one axis: [before, after]. */
function samePadding(n: number, k: number, s: number): [number, number] {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function windowOf(n: number, k: number, s: number, same: boolean): Window {
  if (!same) return { k, s, p: 0 };
  const [p, pEnd] = samePadding(n, k, s);
  return { k, s, p, pEnd };
}

interface ConvCase {
  kind: 'conv' | 'dwconv' | 'pool';
  h: number;
  w: number;
  cin: number;
  /** conv: output channels; dwconv: depth multiplier. */
  out: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  same: boolean;
  poolMode?: 'avg' | 'max';
}

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function runCase(c: ConvCase, seed: number): { got: Int8Array; expected: Int8Array } {
  const rng = new Random(seed);
  const rows = windowOf(c.h, c.kh, c.sh, c.same);
  const cols = windowOf(c.w, c.kw, c.sw, c.same);
  const cout = c.kind === 'conv' ? c.out : c.kind === 'dwconv' ? c.cin * c.out : c.cin;
  const output = { h: outputLength(c.h, rows), w: outputLength(c.w, cols), c: cout };
  const input = { h: c.h, w: c.w, c: c.cin };
  const qi: TensorQuant = { scale: f32(0.05), zeroPoint: -9 };
  const qo: TensorQuant = c.kind === 'pool' ? qi : { scale: f32(0.11), zeroPoint: 6 };
  const perChannel = c.kind === 'conv' ? c.kh * c.kw * c.cin : c.kh * c.kw;
  const weights = Int8Array.from({ length: c.kind === 'pool' ? 0 : cout * perChannel }, () => rng.int(-127, 127));
  const wScales = Float32Array.from({ length: cout }, () => f32(0.002 + 0.01 * rng.next()));
  const bias = Int32Array.from({ length: c.kind === 'pool' ? 0 : cout }, () => rng.int(-3000, 3000));
  const ms = Array.from(wScales, (ws) => quantizeMultiplier((qi.scale * ws) / qo.scale));
  const layer = { index: 0, name: c.kind, block: 0, kind: c.kind, role: 'conv', rows, cols, groups: c.kind === 'dwconv' ? c.cin : 1, act: 'none', input, output, inPlace: false, writesShortcut: false, line: 0, range, ...(c.poolMode ? { poolMode: c.poolMode } : {}) } as Layer;
  const q: QLayer = { layer, input: qi, output: qo, weights, bias, multiplier: Int32Array.from(ms, (m) => m.multiplier), shift: Int32Array.from(ms, (m) => m.shift), actMin: -128, actMax: 127 };
  const x = Int8Array.from({ length: c.h * c.w * c.cin }, () => rng.int(-128, 127));

  const act = (q: TensorQuant, shape: number[]) => ({ shape, type: TensorType.INT8, scale: [q.scale], zeroPoint: [q.zeroPoint] });
  const padding = c.same ? 0 : 1;
  const tensors = [act(qi, [1, c.h, c.w, c.cin]), act(qo, [1, output.h, output.w, cout])];
  let model: Uint8Array;
  if (c.kind === 'pool') {
    model = writeOneOp({ op: c.poolMode === 'max' ? Op.MAX_POOL_2D : Op.AVERAGE_POOL_2D, tensors, inputs: [0], outputs: [1], options: { type: Options.Pool2D, fields: [{ slot: 0, int: padding }, { slot: 1, int: c.sw }, { slot: 2, int: c.sh }, { slot: 3, int: c.kw }, { slot: 4, int: c.kh }, { slot: 5, int: 0 }] } });
  } else {
    // Depthwise weights [kh][kw][c·m] are TFLite's [1][kh][kw][c·m]; conv's [cout][kh][kw][cin] its OHWI.
    const wShape = c.kind === 'conv' ? [cout, c.kh, c.kw, c.cin] : [1, c.kh, c.kw, cout];
    const filter = { shape: wShape, type: TensorType.INT8, scale: Array.from(wScales), zeroPoint: Array.from(wScales, () => 0), axis: c.kind === 'conv' ? 0 : 3, data: new Uint8Array(weights.buffer) };
    const biasTensor = { shape: [cout], type: TensorType.INT32, scale: Array.from(wScales, (ws) => f32(qi.scale * ws)), zeroPoint: Array.from(wScales, () => 0), data: int32Bytes(bias) };
    const options = c.kind === 'conv'
      ? { type: Options.Conv2D, fields: [{ slot: 0, int: padding }, { slot: 1, int: c.sw }, { slot: 2, int: c.sh }, { slot: 3, int: 0 }] }
      : { type: Options.DepthwiseConv2D, fields: [{ slot: 0, int: padding }, { slot: 1, int: c.sw }, { slot: 2, int: c.sh }, { slot: 3, int: c.out }, { slot: 4, int: 0 }] };
    model = writeOneOp({ op: c.kind === 'conv' ? Op.CONV_2D : Op.DEPTHWISE_CONV_2D, tensors: [tensors[0], filter, biasTensor, tensors[1]], inputs: [0, 1, 2], outputs: [3], options });
  }
  return { got: runLayer(q, [x]), expected: runTflm(model, x) };
}

const cases: [string, ConvCase][] = [
  ['conv 3×3 stride 2 SAME on an even size (pads 0 before, 1 after)', { kind: 'conv', h: 8, w: 10, cin: 3, out: 5, kh: 3, kw: 3, sh: 2, sw: 2, same: true }],
  ['conv 10×4 stride 2×1 VALID (a non-square window)', { kind: 'conv', h: 20, w: 9, cin: 2, out: 4, kh: 10, kw: 4, sh: 2, sw: 1, same: false }],
  ['conv 10×4 stride 2×2 SAME', { kind: 'conv', h: 13, w: 8, cin: 3, out: 3, kh: 10, kw: 4, sh: 2, sw: 2, same: true }],
  ['depthwise 3×3 multiplier 8 stride 1 SAME', { kind: 'dwconv', h: 6, w: 7, cin: 2, out: 8, kh: 3, kw: 3, sh: 1, sw: 1, same: true }],
  ['depthwise 3×3 multiplier 2 stride 2 SAME (asymmetric)', { kind: 'dwconv', h: 8, w: 8, cin: 5, out: 2, kh: 3, kw: 3, sh: 2, sw: 2, same: true }],
  ['depthwise 5×3 stride 1×2 VALID', { kind: 'dwconv', h: 9, w: 9, cin: 4, out: 1, kh: 5, kw: 3, sh: 1, sw: 2, same: false }],
  ['average pool 3×3 stride 2 SAME (padding not counted)', { kind: 'pool', h: 8, w: 6, cin: 4, out: 0, kh: 3, kw: 3, sh: 2, sw: 2, same: true, poolMode: 'avg' }],
  ['max pool 2×3 stride 2 SAME', { kind: 'pool', h: 7, w: 8, cin: 3, out: 0, kh: 2, kw: 3, sh: 2, sw: 2, same: true, poolMode: 'max' }],
];

describe('convolutions and pools with TFLite windows against TensorFlow Lite Micro', function () {
  this.timeout(60_000);
  before(function () {
    haveTflm(this);
  });
  for (const [name, c] of cases) {
    it(name, () => {
      for (const seed of [1, 2, 3]) {
        const { got, expected } = runCase(c, seed * 977 + c.kh);
        assert.strictEqual(got.length, expected.length, 'output size');
        assert.deepStrictEqual(Array.from(got), Array.from(expected), `seed ${seed}`);
      }
    });
  }
});
