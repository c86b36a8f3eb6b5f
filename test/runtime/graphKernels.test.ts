import { strict as assert } from 'assert';
import { Layer } from '../../server/src/core/model/ir';
import { concatQuant, mulQuant, rescaleQuant, softmaxOutput, softmaxQuant } from '../../server/src/core/quant/graphParams';
import { runLayer } from '../../server/src/core/quant/interpreter';
import { addQuant } from '../../server/src/core/quant/params';
import { QLayer, TensorQuant } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { layerOf, qlayerOf } from '../support/layers';
import { GraphKernelDriver, GraphTag } from './graphKernelDriver';

// Grid tests of the graph kernels (runtime/src/pw_{add,mul,mul_float,concat,lut,pad,resize,mean,softmax}_s8.c)
// against the TypeScript reference, byte for byte, under AddressSanitizer and UBSan. The grids
// include saturation (scale ratios that push every output past the int8 range), rounding ties
// (power-of-two scale ratios, so that halves occur exactly), broadcasting, in-place writes,
// odd sizes, upsampling and downsampling, and softmax past 256 channels.

interface Case {
  label: string;
  record: string;
  expected: Int8Array;
}

const rngFor = (seed: number) => new Random(seed * 7919 + 13);
const bytes = (rng: Random, n: number) => Int8Array.from({ length: n }, () => rng.int(-128, 127));
const join = (...parts: (number | string | ArrayLike<number>)[]) => parts.map((p) => (typeof p === 'number' || typeof p === 'string' ? String(p) : Array.from(p).join(' '))).join(' ');

/** Input/output quantization pairs: ordinary, power-of-two ratios (exact ties), and saturating. */
const pairs: [TensorQuant, TensorQuant, TensorQuant][] = [
  [{ scale: 0.05, zeroPoint: 3 }, { scale: 0.2, zeroPoint: -7 }, { scale: 0.15, zeroPoint: 1 }],
  [{ scale: 0.125, zeroPoint: 0 }, { scale: 0.125, zeroPoint: 0 }, { scale: 0.25, zeroPoint: 0 }],
  [{ scale: 0.5, zeroPoint: -128 }, { scale: 0.25, zeroPoint: 127 }, { scale: 0.0625, zeroPoint: -3 }],
  [{ scale: 0.01, zeroPoint: -128 }, { scale: 0.3, zeroPoint: 20 }, { scale: 0.001, zeroPoint: 0 }],
];

/** float32 bits as a signed int32 (the driver reads them as integers). */
const bitsOf = (f: number) => new Int32Array(Float32Array.of(f).buffer)[0];

function elementwiseCases(kind: 'add' | 'mul' | 'mulFloat'): Case[] {
  const cases: Case[] = [];
  let seed = kind === 'add' ? 1 : kind === 'mul' ? 2 : 3;
  for (const [qa, qb, qo] of pairs) {
    for (const [rows, cols, c] of [[1, 1, 1], [3, 5, 7], [4, 4, 16], [2, 9, 3]]) {
      for (const broadcast of [0, 1]) {
        const rng = rngFor(seed++);
        const n = rows * cols * c;
        const a = bytes(rng, n);
        const b = bytes(rng, broadcast ? c : n);
        const inPlace = rng.int(0, 1);
        const [actMin, actMax] = rng.int(0, 2) === 0 ? [qo.zeroPoint, 127] : [-128, 127];
        const s = { h: rows, w: cols, c };
        const params = kind === 'add' ? addQuant(qa, qb, qo) : mulQuant(qa, qb, qo);
        const rule = kind === 'mulFloat' ? { rule: 'onnx' as const } : {};
        const q = qlayerOf(layerOf(kind === 'add' ? 'add' : 'mul', s, s), qa, qo, { inputs: [qa, qb], actMin, actMax, ...rule, ...(kind === 'add' ? { add: params as QLayer['add'] } : { mul: params as QLayer['mul'] }) });
        const fields = kind === 'add'
          ? (() => {
              const p = q.add!;
              return [qa.zeroPoint, qb.zeroPoint, p.leftShift, p.convMultiplier, p.convShift, p.residualMultiplier, p.residualShift, p.outputMultiplier, p.outputShift];
            })()
          : kind === 'mul'
            ? [qa.zeroPoint, qb.zeroPoint, q.mul!.multiplier, q.mul!.shift]
            : [qa.zeroPoint, qb.zeroPoint, bitsOf(qa.scale), bitsOf(qb.scale), bitsOf(qo.scale)];
        const tag = kind === 'add' ? GraphTag.Add : kind === 'mul' ? GraphTag.Mul : GraphTag.MulFloat;
        cases.push({ label: `${kind} ${rows}×${cols}×${c} broadcast=${broadcast} inPlace=${inPlace} scales ${qa.scale}/${qb.scale}→${qo.scale}`, record: join(tag, rows, cols, c, fields, qo.zeroPoint, actMin, actMax, broadcast, inPlace, a, b), expected: runLayer(q, [a, b]) });
      }
    }
  }
  return cases;
}

function concatCases(): Case[] {
  const cases: Case[] = [];
  for (let seed = 0; seed < 12; seed++) {
    const rng = rngFor(100 + seed);
    const rows = rng.int(1, 5);
    const cols = rng.int(1, 6);
    const widths = Array.from({ length: rng.int(1, 3) }, () => rng.int(1, 9));
    const out: TensorQuant = pairs[seed % pairs.length][2];
    const inputs = widths.map((_, i) => (rng.int(0, 1) ? out : pairs[(seed + i) % pairs.length][i % 2]));
    const rescales = concatQuant(inputs, out);
    const parts = widths.map((c) => bytes(rng, rows * cols * c));
    const outC = widths.reduce((a, b) => a + b, 0);
    const q = qlayerOf(layerOf('concat', { h: rows, w: cols, c: widths[0] }, { h: rows, w: cols, c: outC }), inputs[0], out, { inputs, concat: rescales });
    const sources = widths.map((c, i) => join(c, rescales[i] ? 1 : 0, rescales[i] ? [inputs[i].zeroPoint, out.zeroPoint, rescales[i]!.multiplier, rescales[i]!.shift] : [], parts[i]));
    cases.push({ label: `concat ${rows}×${cols} of ${widths.join('+')} (${rescales.filter(Boolean).length} requantized)`, record: join(GraphTag.Concat, rows, cols, outC, widths.length, sources.join(' ')), expected: runLayer(q, parts) });
  }
  return cases;
}

function lutCases(): Case[] {
  // One table, and a table a channel (PRelu's pw_lut_channels_s8), on both ends of the byte range.
  return [[1, 1, 1, 1], [3, 7, 5, 1], [8, 8, 3, 1], [1, 1, 1, 0], [3, 7, 5, 0], [2, 9, 16, 0]].map(([rows, cols, c, shared], i) => {
    const rng = rngFor(200 + i);
    const table = bytes(rng, shared ? 256 : 256 * c);
    const x = rows * cols * c === 1 ? Int8Array.of(i === 0 ? -128 : 127) : bytes(rng, rows * cols * c);
    const s = { h: rows, w: cols, c };
    const tag = shared ? GraphTag.Lut : GraphTag.LutChannels;
    return { label: `lut ${rows}×${cols}×${c}${shared ? '' : ', a table a channel'}`, record: join(tag, rows, cols, c, table, x), expected: runLayer(qlayerOf(layerOf('act', s, s), pairs[0][0], pairs[0][2], { table }), [x]) };
  });
}

function padCases(): Case[] {
  const cases: Case[] = [];
  for (let seed = 0; seed < 10; seed++) {
    const rng = rngFor(300 + seed);
    const [h, w, c] = [rng.int(1, 6), rng.int(1, 6), rng.int(1, 5)];
    const [top, bottom, left, right] = [rng.int(0, 2), rng.int(0, 3), rng.int(0, 2), rng.int(0, 3)];
    const value = rng.int(-128, 127);
    const out = { h: h + top + bottom, w: w + left + right, c };
    const layer = layerOf('pad', { h, w, c }, out, { rows: { k: 1, s: 1, p: top, pEnd: bottom }, cols: { k: 1, s: 1, p: left, pEnd: right } });
    const x = bytes(rng, h * w * c);
    const q = { scale: 0.1, zeroPoint: value };
    cases.push({ label: `pad ${h}×${w}×${c} by ${top}/${bottom}, ${left}/${right} with ${value}`, record: join(GraphTag.Pad, h, w, c, top, left, value, out.h, out.w, x), expected: runLayer(qlayerOf(layer, q, q), [x]) });
  }
  return cases;
}

function resizeCases(): Case[] {
  const cases: Case[] = [];
  let seed = 400;
  for (const mode of ['nearest', 'bilinear'] as const) {
    for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]]) {
      for (const [ih, iw, oh, ow] of [[1, 1, 3, 2], [3, 5, 6, 10], [4, 4, 7, 9], [9, 6, 4, 3], [5, 7, 5, 7]]) {
        const rng = rngFor(seed++);
        const c = rng.int(1, 4);
        const x = bytes(rng, ih * iw * c);
        const layer = layerOf('resize', { h: ih, w: iw, c }, { h: oh, w: ow, c }, { resize: { mode, alignCorners, halfPixelCenters } } as Partial<Layer>);
        const record = join(GraphTag.Resize, ih, iw, c, oh, ow, mode === 'bilinear' ? 1 : 0, alignCorners ? 1 : 0, halfPixelCenters ? 1 : 0, x);
        cases.push({ label: `resize ${mode} ${ih}×${iw}→${oh}×${ow} align=${alignCorners} half=${halfPixelCenters}`, record, expected: runLayer(qlayerOf(layer, pairs[0][0], pairs[0][0]), [x]) });
      }
    }
  }
  return cases;
}

function meanCases(): Case[] {
  const cases: Case[] = [];
  let seed = 500;
  // Each input quantization to another and to itself (TFLite Micro rescales both); over H×W, rows, columns.
  for (const [qi, , qo] of [...pairs, ...pairs.map(([qi]) => [qi, qi, qi])]) {
    for (const [h, w, c] of [[1, 1, 3], [2, 2, 5], [7, 6, 9], [3, 8, 2], [1, 300, 2]]) {
      for (const [oh, ow] of [[1, 1], [h, 1], [1, w]]) {
        const rng = rngFor(seed++);
        const x = bytes(rng, h * w * c);
        const mean = rescaleQuant(qi, qo);
        const layer = layerOf(oh === 1 && ow === 1 ? 'gpool' : 'pool', { h, w, c }, { h: oh, w: ow, c }, { rows: { k: oh === 1 ? h : 1, s: 1, p: 0 }, cols: { k: ow === 1 ? w : 1, s: 1, p: 0 } });
        const q = qlayerOf(layer, qi, qo, { mean });
        cases.push({ label: `mean ${h}×${w}×${c} → ${oh}×${ow} ${qi.scale}→${qo.scale}`, record: join(GraphTag.Mean, h, w, c, oh, ow, qi.zeroPoint, mean.multiplier, mean.shift, qo.zeroPoint, -128, 127, x), expected: runLayer(q, [x]) });
      }
    }
  }
  return cases;
}

function softmaxCases(): Case[] {
  const cases: Case[] = [];
  let seed = 600;
  for (const [scale, beta] of [[0.1, 1], [0.5, 1], [1 / 16, 0.5], [0.02, 2], [1, 1]]) {
    // Past 4,095 values TFLite's Q12.19 sum would wrap: the sum takes more integer bits (softmaxSumBits).
    for (const [pixels, c] of [[1, 1], [3, 2], [4, 10], [2, 100], [1, 300], [1, 4095], [1, 4096], [2, 9000], [1, 70000]]) {
      const rng = rngFor(seed++);
      const x = bytes(rng, pixels * c);
      // Long rows: peaked (most values far below a few, so that some probabilities are well above 0),
      // or nearly flat (thousands of exponentials near 1: a Q12.19 sum would wrap).
      if (c > 4000) for (let i = 0; i < x.length; i++) x[i] = seed % 2 === 0 ? (i % 997 === 0 ? 127 : rng.int(-128, -60)) : rng.int(124, 127);
      // Equal values (ties at the maximum, and a 300-channel row past 256 near the maximum).
      if (seed % 3 === 0) x.fill(rng.int(-128, 127), 0, Math.min(x.length, c));
      const qi = { scale, zeroPoint: 0 };
      const p = softmaxQuant(qi, beta);
      const s = { h: 1, w: pixels, c };
      cases.push({ label: `softmax ${pixels}×${c} scale ${scale} beta ${beta}`, record: join(GraphTag.Softmax, pixels, c, p.inputMultiplier, p.inputLeftShift, p.diffMin, x), expected: runLayer(qlayerOf(layerOf('softmax', s, s), qi, softmaxOutput, { softmax: p }), [x]) });
    }
  }
  return cases;
}

describe('graph kernels in C against the TypeScript reference', function () {
  this.timeout(300_000);
  let driver: GraphKernelDriver;
  before(function () {
    driver = GraphKernelDriver.build();
    if (!driver.sanitized) {
      if (process.env.CI === 'true') throw new Error('gcc here has no AddressSanitizer/UBSan runtime');
      console.warn('\n  (no sanitizer runtime: the kernels run unsanitized)\n');
    }
  });
  after(() => driver?.dispose());

  const suites: [string, () => Case[]][] = [
    ['add of two tensors (own scales, broadcast, in place, saturation, ties)', () => elementwiseCases('add')],
    ['mul (SE scale broadcast, saturation, ties)', () => elementwiseCases('mul')],
    ["mul under onnxruntime's float rule (pw_mul_float_s8)", () => elementwiseCases('mulFloat')],
    ['concat along channels (copies and requantized sources)', concatCases],
    ['lookup table', lutCases],
    ['pad with a constant, before ≠ after', padCases],
    ['resize nearest and bilinear, align corners and half-pixel centres, up and down', resizeCases],
    ['mean over H×W, rows or columns, 1/n folded into the multiplier', meanCases],
    ['softmax (depths 1–70,000, ties at the maximum, beta)', softmaxCases],
  ];
  for (const [name, make] of suites) {
    it(name, () => {
      const cases = make();
      const results = driver.run(cases.map((c) => c.record));
      const failures: string[] = [];
      results.forEach(([status, got], i) => {
        const c = cases[i];
        if (status !== 0) failures.push(`${c.label}: status ${status}`);
        else if (Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.length), Buffer.from(c.expected.buffer, c.expected.byteOffset, c.expected.length)) !== 0) {
          const at = got.findIndex((v, j) => v !== c.expected[j]);
          failures.push(`${c.label}: byte ${at} is ${got[at]}, reference ${c.expected[at]} (${got.length}/${c.expected.length} bytes)`);
        }
      });
      assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases differ:\n${failures.slice(0, 10).join('\n')}`);
      assert.ok(cases.length >= 3, 'cases');
    });
  }
});
