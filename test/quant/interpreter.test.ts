import { strict as assert } from 'assert';
import fc from 'fast-check';
import { macs } from '../../server/src/core/model/ops';
import { Layer } from '../../server/src/core/model/ir';
import { runReference } from '../../server/src/core/quant/interpreter';
import { accumulate } from '../../server/src/core/quant/kernels';
import { quantizeModel } from '../../server/src/core/quant/params';
import { analyzeOk, readExample } from '../helpers';

// Issue 15, item 7: the faster reference kernels (gathered windows, four channels a pass, the zero
// point taken off once) against the plain loops they replaced, and the reference's progress.

/** The accumulation as written before the speed-up: one MAC at a time, straight from the definition. */
function plainAccumulate(layer: Layer, x: Int8Array, zp: number, w: Int8Array): Int32Array {
  const { input: i, output: o } = layer;
  const acc = new Int32Array(o.h * o.w * o.c);
  const { k, s, p } = layer.rows;
  if (layer.kind === 'fc') {
    const n = i.h * i.w * i.c;
    for (let co = 0; co < o.c; co++) for (let j = 0; j < n; j++) acc[co] += (x[j] - zp) * w[co * n + j];
    return acc;
  }
  for (let oy = 0; oy < o.h; oy++) for (let ox = 0; ox < o.w; ox++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
    const iy = oy * s - p + ky;
    const ix = ox * s - p + kx;
    if (iy < 0 || iy >= i.h || ix < 0 || ix >= i.w) continue;
    for (let co = 0; co < o.c; co++) {
      const base = (oy * o.w + ox) * o.c + co;
      if (layer.kind === 'dwconv') acc[base] += (x[(iy * i.w + ix) * i.c + co] - zp) * w[(ky * k + kx) * o.c + co];
      else for (let ci = 0; ci < i.c; ci++) acc[base] += (x[(iy * i.w + ix) * i.c + ci] - zp) * w[((co * k + ky) * k + kx) * i.c + ci];
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
