import { strict as assert } from 'assert';
import * as fs from 'fs';
import { analyzeModel } from '../../../server/src/core/analysis/analyze';
import { Builtin, builtinName } from '../../../server/src/core/import/tflite/builtins';
import { readTflite, TfliteModel } from '../../../server/src/core/import/tflite/schema';
import { importTflite } from '../../../server/src/core/import/tflite/tflite';
import { Model } from '../../../server/src/core/model/ir';
import { sharedOrSkip, tfliteModels } from '../../support/sharedFiles';

// The real int8 models of ../shared/models/tflite: each imports with zero errors, every layer's
// output has the shape the file gives its tensor, the weights the IR counts are the bytes of the
// file's own filters and biases, and the MACs are the published ones where they are published.

interface Case {
  key: keyof typeof tfliteModels;
  macs: number;
  /** A published figure the MACs are checked against (within 1%), with where it is from. */
  published?: [number, string];
  layers: Partial<Record<string, number>>;
}

const cases: Case[] = [
  { key: 'vww', macs: 7_489_664, published: [7.49e6, 'MLPerf Tiny VWW, MobileNetV1-0.25 96×96'], layers: { conv: 14, dwconv: 13, gpool: 1, fc: 1, softmax: 1 } },
  { key: 'resnet8', macs: 12_501_632, published: [12.5e6, 'MLPerf Tiny ResNet-8'], layers: { conv: 9, add: 3, gpool: 1, fc: 1, softmax: 1 } },
  { key: 'dscnn', macs: 2_656_768, layers: { conv: 5, dwconv: 4, gpool: 1, fc: 1, softmax: 1 } },
  { key: 'person', macs: 7_157_888, layers: { conv: 14, dwconv: 14, gpool: 1, softmax: 1 } },
  { key: 'mcunet', macs: 11_578_816, layers: { conv: 30, dwconv: 15, pool: 2, fc: 1 } },
  { key: 'mobilenetv2', macs: 300_774_272, published: [300e6, 'MobileNetV2 1.0 224 (Sandler et al.)'], layers: { conv: 35, dwconv: 17, gpool: 1, fc: 1 } },
];

/** Layout ops (no layer), PADs folded into the conv after them, shortcut adds fused into a block. */
const noLayer = new Set<number>([Builtin.Reshape, Builtin.Squeeze, Builtin.Transpose, Builtin.Quantize, Builtin.Dequantize, Builtin.Pad, Builtin.Add]);

describe('TFLite import of the real models', () => {
  for (const c of cases) {
    describe(tfliteModels[c.key], function () {
      let file: TfliteModel;
      let model: Model;
      before(function () {
        const bytes = new Uint8Array(fs.readFileSync(sharedOrSkip(this, tfliteModels[c.key])));
        const imported = importTflite(bytes);
        const errors = imported.diagnostics.filter((d) => d.severity === 'error');
        assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), []);
        file = readTflite(bytes);
        model = imported.model!;
      });

      it('makes a layer of every operator but the layout ops, folded PADs and fused shortcut adds', () => {
        const kinds: Record<string, number> = {};
        for (const l of model.layers) kinds[l.kind] = (kinds[l.kind] ?? 0) + 1;
        assert.deepEqual(kinds, c.layers);
        const named = new Set(model.layers.map((l) => l.node));
        const nameOf = (i: number) => file.tensors[i].name;
        for (const op of file.operators) {
          const out = nameOf(op.outputs[0]);
          if (!named.has(out) && !named.has(out.split(';')[0]) && !named.has(out.split(';').pop()!)) assert.ok(noLayer.has(op.code), `operator ${op.index} (${builtinName(op.code)}) writing '${out}' made no layer`);
        }
      });

      it("gives every layer the file's own output shape", () => {
        for (const l of model.layers) {
          const t = file.tensors.find((x) => x.name === l.node || x.name.split(';')[0] === l.node || x.name.split(';').pop() === l.node);
          assert.ok(t, `${l.name}: no tensor named '${l.node}'`);
          const count = t.shape.reduce((a, b) => a * b, 1);
          assert.equal(l.output.h * l.output.w * l.output.c, count, `${l.name}: [${t.shape}]`);
          if (t.shape.length === 4 && l.kind !== 'pool') assert.deepEqual(t.shape, [1, l.output.h, l.output.w, l.output.c], l.name);
        }
      });

      it("counts the file's own filter and bias bytes as the weights", () => {
        const weighted = new Set<number>([Builtin.Conv2d, Builtin.DepthwiseConv2d, Builtin.FullyConnected]);
        let bytes = 0;
        for (const op of file.operators.filter((o) => weighted.has(o.code))) {
          bytes += file.buffers[file.tensors[op.inputs[1]].buffer].length + file.buffers[file.tensors[op.inputs[2]].buffer].length;
        }
        const report = analyzeModel(model, []);
        assert.equal(report.weightsBytes, bytes);
        console.log(`      ${model.name}: ${model.layers.length} layers in ${model.blocks.length} blocks, ${(report.macs.total / 1e6).toFixed(2)}M MACs, weights ${bytes} B, layer-by-layer peak ${report.perLayer.peakBytes} B at ${report.perLayer.peakLayer}`);
      });

      it('counts the MACs (and the published figure where there is one)', () => {
        const report = analyzeModel(model, []);
        assert.equal(report.macs.total, c.macs);
        if (c.published) assert.ok(Math.abs(report.macs.total / c.published[0] - 1) < 0.01, `${report.macs.total} vs ${c.published[1]}: ${c.published[0]}`);
      });
    });
  }
});
