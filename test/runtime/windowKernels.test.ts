import { strict as assert } from 'assert';
import { Layer, Shape, Window } from '../../server/src/core/model/ir';
import { outputLength } from '../../server/src/core/model/ops';
import { quantizeMultiplier } from '../../server/src/core/quant/fixedPoint';
import { runLayer } from '../../server/src/core/quant/interpreter';
import { onnxMultiplier } from '../../server/src/core/quant/onnxRule';
import { QLayer } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { layerOf } from '../support/layers';
import { GraphKernelDriver, GraphTag } from './graphKernelDriver';

// The any-window convolutions (runtime/src/pw_conv_window_s8.c, pw_dwconv_window_s8.c,
// pw_conv_transpose_s8.c) against the TypeScript reference under ASan/UBSan: non-square kernels
// and strides, asymmetric padding, groups, depth multipliers 1–8, transposed strides 1–3, both
// requantization rules, and output scales small enough that most outputs saturate.

interface Spec {
  kind: 'conv' | 'dwconv' | 'convT';
  input: Shape;
  outC: number;
  groups: number;
  rows: Window;
  cols: Window;
  rule: 'tflite' | 'onnx';
  /** Output scale factor: 1 ordinary, ≥ 8 mostly saturating. */
  gain: number;
}

/** Output length of a transposed conv along one axis. */
const transposedLength = (n: number, w: Window) => (n - 1) * w.s + w.k - w.p - (w.pEnd ?? w.p);

function caseOf(spec: Spec, seed: number): { label: string; record: string; expected: Int8Array } {
  const rng = new Random(seed);
  const { input: i, outC } = spec;
  const output = spec.kind === 'convT' ? { h: transposedLength(i.h, spec.rows), w: transposedLength(i.w, spec.cols), c: outC } : { h: outputLength(i.h, spec.rows), w: outputLength(i.w, spec.cols), c: outC };
  const perChannel = spec.kind === 'dwconv' ? spec.rows.k * spec.cols.k : spec.rows.k * spec.cols.k * (i.c / spec.groups);
  const weights = Int8Array.from({ length: outC * perChannel }, () => rng.int(-127, 127));
  const bias = Int32Array.from({ length: outC }, () => rng.int(-5000, 5000));
  const inScale = 0.05;
  const wScales = Array.from({ length: outC }, () => 0.002 + 0.01 * rng.next());
  const outScale = (inScale * 0.006 * Math.sqrt(perChannel) * 40) / spec.gain;
  const fixed = wScales.map((ws) => quantizeMultiplier((inScale * ws) / outScale));
  const float = Float32Array.from(wScales, (ws) => onnxMultiplier(inScale, ws, outScale));
  const zpIn = rng.int(-20, 20);
  const zpOut = rng.int(-10, 10);
  const [actMin, actMax] = rng.int(0, 1) ? [zpOut, 127] : [-128, 127];
  const layer = layerOf(spec.kind, i, output, { rows: spec.rows, cols: spec.cols, groups: spec.kind === 'dwconv' ? i.c : spec.groups } as Partial<Layer>);
  const q: QLayer = {
    layer, input: { scale: inScale, zeroPoint: zpIn }, output: { scale: outScale, zeroPoint: zpOut }, weights, bias, actMin, actMax,
    multiplier: Int32Array.from(fixed, (m) => m.multiplier), shift: Int32Array.from(fixed, (m) => m.shift),
    ...(spec.rule === 'onnx' ? { rule: 'onnx' as const, floatMultiplier: float } : {}),
  };
  const x = Int8Array.from({ length: i.h * i.w * i.c }, () => rng.int(-128, 127));
  const multipliers = spec.rule === 'onnx' ? Array.from(new Int32Array(float.buffer)) : Array.from(q.multiplier);
  const tag = spec.kind === 'conv' ? GraphTag.ConvWindow : spec.kind === 'dwconv' ? GraphTag.DwconvWindow : GraphTag.ConvTranspose;
  const fields = [i.h, i.w, i.c, outC, spec.groups, spec.rows.k, spec.cols.k, spec.rows.s, spec.cols.s, spec.rows.p, spec.cols.p, zpIn, zpOut, actMin, actMax, spec.rule === 'onnx' ? 1 : 0, output.h, output.w, weights.length];
  const record = [tag, ...fields, ...weights, ...bias, ...multipliers, ...q.shift, ...x].join(' ');
  const label = `${spec.kind} ${i.h}×${i.w}×${i.c}→${outC} k${spec.rows.k}×${spec.cols.k} s${spec.rows.s}×${spec.cols.s} p${spec.rows.p}+${spec.rows.pEnd ?? spec.rows.p}/${spec.cols.p}+${spec.cols.pEnd ?? spec.cols.p} g${spec.groups} ${spec.rule} gain ${spec.gain}`;
  return { label, record, expected: runLayer(q, [x]) };
}

const win = (k: number, s: number, p: number, pEnd = p): Window => ({ k, s, p, ...(pEnd !== p ? { pEnd } : {}) });

function specs(): Spec[] {
  const out: Spec[] = [];
  for (const rule of ['tflite', 'onnx'] as const) {
    for (const gain of [1, 16]) {
      // Convolutions: the kws model's 10×4, 1×k and k×1, a 9×9, grouped, SAME with stride 2.
      out.push({ kind: 'conv', input: { h: 20, w: 9, c: 2 }, outC: 4, groups: 1, rows: win(10, 2, 4, 5), cols: win(4, 1, 1, 2), rule, gain });
      out.push({ kind: 'conv', input: { h: 7, w: 8, c: 6 }, outC: 9, groups: 3, rows: win(1, 1, 0), cols: win(3, 2, 0, 1), rule, gain });
      out.push({ kind: 'conv', input: { h: 11, w: 11, c: 3 }, outC: 5, groups: 1, rows: win(9, 1, 4), cols: win(9, 3, 4), rule, gain });
      out.push({ kind: 'conv', input: { h: 8, w: 6, c: 4 }, outC: 4, groups: 2, rows: win(3, 2, 0, 1), cols: win(1, 1, 0), rule, gain });
      // Depthwise with multipliers 8 (person_detect), 2 and 1 on odd windows.
      out.push({ kind: 'dwconv', input: { h: 6, w: 7, c: 2 }, outC: 16, groups: 2, rows: win(3, 1, 1), cols: win(3, 1, 1), rule, gain });
      out.push({ kind: 'dwconv', input: { h: 8, w: 8, c: 5 }, outC: 10, groups: 5, rows: win(3, 2, 0, 1), cols: win(3, 2, 0, 1), rule, gain });
      out.push({ kind: 'dwconv', input: { h: 9, w: 5, c: 3 }, outC: 3, groups: 3, rows: win(5, 1, 2), cols: win(2, 2, 0), rule, gain });
      // Transposed: the FPN's 2×2 stride 2, a 3×3 stride 2 with padding, a stride-3 4×1.
      out.push({ kind: 'convT', input: { h: 3, w: 4, c: 3 }, outC: 2, groups: 1, rows: win(2, 2, 0), cols: win(2, 2, 0), rule, gain });
      out.push({ kind: 'convT', input: { h: 4, w: 3, c: 2 }, outC: 3, groups: 1, rows: win(3, 2, 1), cols: win(3, 2, 1, 0), rule, gain });
      out.push({ kind: 'convT', input: { h: 2, w: 5, c: 4 }, outC: 2, groups: 1, rows: win(4, 3, 2, 1), cols: win(1, 1, 0), rule, gain });
    }
  }
  return out;
}

describe('any-window convolutions in C against the TypeScript reference', function () {
  this.timeout(300_000);
  let driver: GraphKernelDriver;
  before(() => {
    driver = GraphKernelDriver.build();
  });
  after(() => driver?.dispose());

  it('conv (non-square, k = 9 and 10, groups), depthwise (multipliers 1, 2, 8), transposed (strides 1–3): both rules, saturating', () => {
    const cases = specs().flatMap((s, k) => [caseOf(s, 1000 + k), caseOf(s, 2000 + k)]);
    const failures: string[] = [];
    driver.run(cases.map((c) => c.record)).forEach(([status, got], k) => {
      const c = cases[k];
      const at = got.findIndex((v, j) => v !== c.expected[j]);
      if (status !== 0 || got.length !== c.expected.length || at >= 0) failures.push(`${c.label}: status ${status}, ${got.length}/${c.expected.length} bytes, first difference at ${at}`);
    });
    const saturated = cases.reduce((n, c) => n + c.expected.filter((v) => v === 127 || v === -128).length, 0);
    const total = cases.reduce((n, c) => n + c.expected.length, 0);
    console.log(`      ${cases.length} cases, ${total} outputs, ${saturated} of them at the int8 limits`);
    assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases differ:\n${failures.slice(0, 10).join('\n')}`);
  });
});
