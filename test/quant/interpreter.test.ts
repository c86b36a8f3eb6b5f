import { strict as assert } from 'assert';
import fc from 'fast-check';
import { macs } from '../../server/src/core/model/ops';
import { Layer } from '../../server/src/core/model/ir';
import { runReference } from '../../server/src/core/quant/interpreter';
import { multiplyByQuantizedMultiplier } from '../../server/src/core/quant/fixedPoint';
import { accumulate, requantize } from '../../server/src/core/quant/kernels';
import { QLayer } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { quantizeModel } from '../../server/src/core/quant/params';
import { analyzeOk, readExample } from '../helpers';

// Issue 15, item 7: the faster reference kernels (gathered windows, four channels a pass, the zero
// point taken off once) against the plain loops they replaced, and the reference's progress.

/**
 * The accumulation as written before the speed-up: one MAC at a time, straight from the definition
 * (rows and columns apart; a depthwise output channel co reads input channel ⌊co/m⌋, a grouped conv's
 * reads its group's channels).
 */
function plainAccumulate(layer: Layer, x: Int8Array, zp: number, w: Int8Array): Int32Array {
  const { input: i, output: o } = layer;
  const acc = new Int32Array(o.h * o.w * o.c);
  const { k: kh, s: sh, p: ph } = layer.rows;
  const { k: kw, s: sw, p: pw } = layer.cols;
  if (layer.kind === 'fc') {
    const n = i.h * i.w * i.c;
    for (let co = 0; co < o.c; co++) for (let j = 0; j < n; j++) acc[co] += (x[j] - zp) * w[co * n + j];
    return acc;
  }
  const groupIn = i.c / layer.groups;
  const groupOut = o.c / layer.groups;
  for (let oy = 0; oy < o.h; oy++) for (let ox = 0; ox < o.w; ox++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
    const iy = oy * sh - ph + ky;
    const ix = ox * sw - pw + kx;
    if (iy < 0 || iy >= i.h || ix < 0 || ix >= i.w) continue;
    for (let co = 0; co < o.c; co++) {
      const base = (oy * o.w + ox) * o.c + co;
      const g = Math.floor(co / groupOut);
      if (layer.kind === 'dwconv') acc[base] += (x[(iy * i.w + ix) * i.c + g] - zp) * w[(ky * kw + kx) * o.c + co];
      else for (let cg = 0; cg < groupIn; cg++) acc[base] += (x[(iy * i.w + ix) * i.c + g * groupIn + cg] - zp) * w[((co * kh + ky) * kw + kx) * groupIn + cg];
    }
  }
  return acc;
}

describe('reference interpreter kernels', () => {
  it('accumulate equals the plain loops on random conv, depthwise and fc layers (padding, strides, odd channel counts)', () => {
    const layerText = fc.oneof(
      fc.record({ op: fc.constant('conv'), out: fc.integer({ min: 1, max: 9 }), k: fc.constantFrom(1, 3, 5), s: fc.constantFrom(1, 2), pad: fc.integer({ min: 0, max: 2 }) }).map((l) => `conv out=${l.out} k=${l.k} s=${l.s} pad=${Math.min(l.pad, l.k - 1)}`),
      fc.record({ k: fc.constantFrom(3, 5), s: fc.constantFrom(1, 2) }).map((l) => `dwconv k=${l.k} s=${l.s}`),
      fc.integer({ min: 1, max: 7 }).map((out) => `fc out=${out}`),
    );
    const shape = fc.record({ h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }), c: fc.integer({ min: 1, max: 7 }) });
    fc.assert(
      fc.property(shape, layerText, fc.integer({ min: -128, max: 127 }), ({ h, w, c }, line, zp) => {
        const a = analyzeOk(`input ${Math.max(h, 5)}x${Math.max(w, 5)}x${c}\n${line}\n`);
        const qm = quantizeModel(a.model);
        const q = qm.layers[0];
        assert.deepEqual(accumulate(q.layer, qm.image, zp, q.weights), plainAccumulate(q.layer, qm.image, zp, q.weights));
      }),
      { seed: 15, numRuns: 300 },
    );
  });

  it('accumulate equals the plain loops on layers of every shape: rectangular windows, strides and end padding, depth multipliers, groups, 1…20 channels', () => {
    // Built directly (not from text) so that the window, stride and padding differ per axis and the
    // output may stop short of or run into the end padding; a 3×3 depthwise's unrolled interior,
    // its border rectangles and the pointwise pixel pairs all meet odd sizes here.
    const axis = fc.record({ k: fc.integer({ min: 1, max: 5 }), s: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 0, max: 4 }), pEnd: fc.integer({ min: 0, max: 4 }), size: fc.integer({ min: 1, max: 11 }) });
    const kind = fc.constantFrom('dwconv', 'dwconv', 'conv', 'pointwise', 'grouped');
    fc.assert(
      fc.property(kind, axis, axis, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: -128, max: 127 }), fc.integer(), (op, rowAxis, colAxis, c, m, zp, seed) => {
        const rows = op === 'pointwise' ? { k: 1, s: 1, p: 0, pEnd: 0, size: rowAxis.size } : { ...rowAxis, k: op === 'dwconv' && seed % 2 === 0 ? 3 : rowAxis.k, p: Math.min(rowAxis.p, rowAxis.k - 1), pEnd: Math.min(rowAxis.pEnd, rowAxis.k - 1) };
        const cols = op === 'pointwise' ? { k: 1, s: 1, p: 0, pEnd: 0, size: colAxis.size } : { ...colAxis, k: op === 'dwconv' && seed % 2 === 0 ? 3 : colAxis.k, p: Math.min(colAxis.p, colAxis.k - 1), pEnd: Math.min(colAxis.pEnd, colAxis.k - 1) };
        const outH = Math.floor((rows.size + rows.p + rows.pEnd - rows.k) / rows.s) + 1;
        const outW = Math.floor((cols.size + cols.p + cols.pEnd - cols.k) / cols.s) + 1;
        if (outH < 1 || outW < 1) return;
        const groups = op === 'dwconv' ? c : op === 'grouped' ? m : 1;
        const inC = op === 'grouped' ? c * m : c;
        const outC = op === 'dwconv' ? c * m : op === 'grouped' ? m * (1 + (seed & 3)) : c + (seed & 7);
        const layer = {
          index: 0, name: 'l', block: 0, kind: op === 'dwconv' ? 'dwconv' : 'conv', role: 'conv', groups, act: 'none', inPlace: false, writesShortcut: false, line: 0,
          rows: { k: rows.k, s: rows.s, p: rows.p, pEnd: rows.pEnd }, cols: { k: cols.k, s: cols.s, p: cols.p, pEnd: cols.pEnd },
          input: { h: rows.size, w: cols.size, c: inC }, output: { h: outH, w: outW, c: outC },
        } as unknown as Layer;
        const rng = new Random(seed);
        const x = Int8Array.from({ length: rows.size * cols.size * inC }, () => rng.int(-128, 127));
        const perOut = op === 'dwconv' ? rows.k * cols.k : rows.k * cols.k * (inC / groups);
        const w = Int8Array.from({ length: perOut * outC }, () => rng.int(-128, 127));
        assert.deepEqual(accumulate(layer, x, zp, w), plainAccumulate(layer, x, zp, w));
      }),
      { seed: 1515, numRuns: 600 },
    );
  });

  it('requantize equals MultiplyByQuantizedMultiplier element by element: shifts −31…+31, sums past 2^21 and wrapping, ties, clamps', () => {
    const rng = new Random(77);
    for (let run = 0; run < 400; run++) {
      const channels = rng.int(1, 9);
      const pixels = rng.int(1, 40);
      const shift = Int32Array.from({ length: channels }, () => (run % 4 === 0 ? rng.int(-31, 31) : rng.int(-12, 8)));
      const multiplier = Int32Array.from({ length: channels }, () => (rng.int(0, 20) === 0 ? 0 : rng.int(2 ** 30, 2 ** 31 - 1)));
      const bias = Int32Array.from({ length: channels }, () => rng.int(-5000, 5000));
      // Sums small and large: around the fast path's bound 2^21, ties of the right shift, int32's ends.
      const magnitude = [2 ** 8, 2 ** 16, 2 ** 21 - 2, 2 ** 21 + 2, 2 ** 27, 2 ** 31 - 5001][run % 6];
      const acc = Int32Array.from({ length: channels * pixels }, (_, j) => (j % 7 === 0 ? rng.int(-4, 4) << Math.max(0, -shift[j % channels] - 1) : rng.int(-magnitude, magnitude)));
      const zpOut = rng.int(-128, 127);
      const actMin = rng.int(-128, 0);
      const actMax = rng.int(actMin, 127);
      const q = { layer: { output: { h: 1, w: pixels, c: channels } }, output: { scale: 1, zeroPoint: zpOut }, bias, multiplier, shift, actMin, actMax } as unknown as QLayer;
      const expected = Int8Array.from(acc, (a, j) => {
        const c = j % channels;
        const v = multiplyByQuantizedMultiplier(a + bias[c], multiplier[c], shift[c]) + zpOut;
        return Math.min(Math.max(v, actMin), actMax);
      });
      assert.deepEqual(requantize(q, acc), expected, `run ${run}`);
    }
  });

  it('tells its progress in MACs after each layer, ending at the model total', () => {
    const a = analyzeOk(readExample('mbv2-w0.35-r144.pnet'));
    const seen: [number, number][] = [];
    runReference(quantizeModel(a.model), false, (done, total) => seen.push([done, total]));
    assert.equal(seen.length, a.model.layers.length);
    assert.deepEqual(seen[seen.length - 1], [a.report.macs.total, a.report.macs.total]);
    assert.ok(seen.every(([done], i) => i === 0 || done >= seen[i - 1][0]));
    assert.equal(seen[0][0], macs(a.model.layers[0]));
  });
});
