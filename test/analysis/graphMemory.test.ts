import { strict as assert } from 'assert';
import { layerByLayer } from '../../server/src/core/analysis/memory';
import { analyzeText } from '../../server/src/core/engine';
import { Model } from '../../server/src/core/model/ir';
import { randomModel } from '../runtime/randomModels';
import { readExample } from '../helpers';

/**
 * The liveness rule for graphs (imported ONNX models) against the chain rule: a chain written as a
 * graph — every layer naming the layer before it as its source — must need the same bytes at every
 * step, fused shortcuts and in-place depthwise included.
 */
function asGraph(model: Model): Model {
  return { ...model, layers: model.layers.map((l) => ({ ...l, sources: [l.index - 1] })) };
}

describe('graph liveness agrees with the chain rule on chains', () => {
  it('the three examples, step by step', () => {
    for (const name of ['mobilenetv2.pnet', 'vww-mbv1-0.25-96.pnet', 'mbv2-w0.35-r144.pnet']) {
      const { model } = analyzeText(readExample(name));
      assert.ok(model, name);
      assert.deepEqual(layerByLayer(asGraph(model)), layerByLayer(model), name);
    }
  });

  it('200 random chains with residual blocks, pools and fc, streamed and SRAM inputs', () => {
    let residual = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const text = randomModel(seed).text;
      const { model } = analyzeText(text);
      assert.ok(model, text);
      // A shortcut over a streamed network input is counted by the chain rule only (the firmware refuses it).
      if (model.blocks[0].shortcut && model.input.placement === 'stream') continue;
      residual += model.blocks.filter((b) => b.shortcut).length;
      assert.deepEqual(layerByLayer(asGraph(model)).map((s) => s.totalBytes), layerByLayer(model).map((s) => s.totalBytes), text);
    }
    assert.ok(residual > 50, `only ${residual} residual blocks were drawn`);
  });
});
