import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkRuntimeSupport } from '../../server/src/core/codegen/support';
import { analyzeText } from '../../server/src/core/engine';
import { buildFirmware } from '../../server/src/firmware';
import { nodeFileSystem } from '../../server/src/nodeFileSystem';
import { Random } from '../../server/src/core/quant/random';
import { OnnxBuilder } from '../import/onnxModels';
import { buildArchive } from './runtimeArchive';

// What the ONNX importer accepts, the firmware runs: layers that neither runtime's specialised
// kernels take (windows past 7, strides past 2, groups, rows and columns apart) run on the any-window
// kernels; an Add after such a layer stays an add layer instead of being fused into it; what has no
// kernel at all (a Softmax along rows, a gate other than HardSwish or Swish…) is an import error at
// the node, not an analysis the firmware then refuses. Each accepted model: no runtime diagnostic,
// the host firmware gives the reference's bytes, and its measured arena is at most the predicted.

interface Case {
  title: string;
  build(m: OnnxBuilder, x: string): string;
  /** Refused at import (an error naming the node), not accepted. */
  refused?: RegExp;
}

const window = (k: [number, number], s: [number, number], pads: [number, number, number, number], group = 1) => ({ kernel_shape: k, strides: s, pads, group });

let ids = 0;
const rng = new Random(41);
const values = (n: number, scale: number) => Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);

/** A conv with random weights (not zeros: the bytes must depend on every tap). */
function conv(m: OnnxBuilder, x: string, cin: number, cout: number, k: [number, number], s: [number, number], pads: [number, number, number, number], group = 1): string {
  const id = ids++;
  const taps = (cin / group) * k[0] * k[1];
  return m.node('Conv', [x, m.init(`w${id}`, [cout, cin / group, k[0], k[1]], values(cout * taps, 1 / Math.sqrt(taps))), m.init(`b${id}`, [cout], values(cout, 0.1))], window(k, s, pads, group));
}

const stem = (m: OnnxBuilder, x: string) => m.node('Relu', [conv(m, x, 3, 8, [3, 3], [1, 1], [1, 1, 1, 1])]);

const cases: Case[] = [
  { title: 'a 1×3 conv whose input is added back (a residual over a window the fused add kernels do not take)', build: (m, x) => { const y = stem(m, x); return m.node('Add', [y, conv(m, y, 8, 8, [1, 3], [1, 1], [0, 1, 0, 1])]); } },
  { title: 'a 3×3 average pool (stride 1, padding 1) added to its input', build: (m, x) => { const y = stem(m, x); return m.node('Add', [y, m.node('AveragePool', [y], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] })]); } },
  { title: 'a grouped 3×3 conv (2 groups) added to its input', build: (m, x) => { const y = stem(m, x); return m.node('Add', [y, conv(m, y, 8, 8, [3, 3], [1, 1], [1, 1, 1, 1], 2)]); } },
  { title: 'a 9×9 depthwise conv', build: (m, x) => conv(m, stem(m, x), 8, 8, [9, 9], [1, 1], [4, 4, 4, 4], 8) },
  { title: 'a 3×3 depthwise conv at stride 3', build: (m, x) => conv(m, stem(m, x), 8, 8, [3, 3], [3, 3], [1, 1, 1, 1], 8) },
  { title: 'a grouped 3×3 conv (4 groups)', build: (m, x) => conv(m, stem(m, x), 8, 16, [3, 3], [1, 1], [1, 1, 1, 1], 4) },
  { title: 'a 9×9 conv', build: (m, x) => conv(m, stem(m, x), 8, 4, [9, 9], [1, 1], [4, 4, 4, 4]) },
  { title: 'a 5×5 depthwise conv at stride 3 added to nothing, then a 1×1', build: (m, x) => conv(m, conv(m, stem(m, x), 8, 8, [5, 5], [3, 3], [2, 2, 2, 2], 8), 8, 4, [1, 1], [1, 1], [0, 0, 0, 0]) },
  { title: 'Max with a per-channel constant', build: (m, x) => m.node('Max', [stem(m, x), m.init('floor', [1, 8, 1, 1], [-0.5, -0.4, -0.3, -0.2, -0.1, 0, 0.1, 0.2])]), refused: /Max node .*a constant of 8 values/ },
  { title: 'Softmax along the rows (axis 2)', build: (m, x) => m.node('Softmax', [stem(m, x)], { axis: 2 }), refused: /Softmax node .*along axis 2/ },
  { title: 'PRelu with a slope per element ([C, H, W], Keras\' default)', build: (m, x) => m.node('PRelu', [stem(m, x), m.init('slope', [8, 12, 10], values(960, 0.3))]), refused: /PRelu node .*slope of shape \[8, 12, 10\]/ },
  { title: 'x·Relu(x), a gate other than HardSwish or Swish', build: (m, x) => { const y = stem(m, x); return m.node('Mul', [y, m.node('Relu', [y])]); }, refused: /Mul node .*x·f\(x\)/ },
  { title: 'x·Tanh(x): an elementwise product of two tensors', build: (m, x) => { const y = stem(m, x); return m.node('Mul', [y, m.node('Tanh', [y])]); } },
];

describe('what the ONNX importer accepts, the firmware runs', function () {
  this.timeout(300_000);
  let dir: string;
  let archive: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-accepted-'));
    archive = buildArchive(dir, 'pw', []);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [i, c] of cases.entries()) {
    it(c.refused ? `refused at import: ${c.title}` : c.title, () => {
      const m = new OnnxBuilder();
      const x = m.input('x', [1, 3, 12, 10]);
      m.output(c.build(m, x));
      const file = path.join(dir, `case${i}.onnx`);
      fs.writeFileSync(file, m.bytes());
      const text = `model m from "${path.basename(file)}"\ntarget stm32f746\n`;
      const pnet = path.join(dir, 'm.pnet');
      const analysis = analyzeText(text, { fs: nodeFileSystem, basePath: pnet });
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
      if (c.refused) {
        assert.ok(errors.some((d) => c.refused!.test(d.message)), `an import error naming the node: ${analysis.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
        return;
      }
      assert.deepEqual(errors.map((d) => d.message), []);
      assert.deepEqual(checkRuntimeSupport(analysis.model!).map((d) => d.message), []);
      const r = buildFirmware({ file: pnet, text, run: 'host', runtimeArchive: archive });
      assert.deepEqual(r.diagnostics.map((d) => d.message), []);
      assert.equal(r.failure, undefined, r.failure?.message);
      assert.equal(r.report?.matchesReference, true, 'host firmware = reference');
      const [measured, predicted] = [r.report!.measuredArenaBytes as number, r.report!.predictedArenaBytes as number];
      assert.ok(measured > 0 && measured <= predicted, `measured arena ${measured} B ≤ predicted ${predicted} B`);
    });
  }
});
