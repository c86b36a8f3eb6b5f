import { strict as assert } from 'assert';
import * as path from 'path';
import { analyzeText } from '../../../server/src/core/engine';
import { nodeFileSystem } from '../../../server/src/nodeFileSystem';
import { analyzeOk, readExample } from '../../helpers';
import { sharedOrSkip, tfliteModels } from '../../support/sharedFiles';

// The int8 MobileNetV2-224 of TFLite Micro's examples (real weights; NCHW input + TRANSPOSE, explicit
// PADs, MEAN) against MCUNetV2's Table 1 and its .pnet twin, examples/mobilenetv2.pnet. The file pads
// 1 on both sides before every stride-2 depthwise (a PyTorch export), which is the .pnet's k//2, so
// the two analyses agree to the byte; a TensorFlow SAME model would pad 0 before and 1 after.
describe('MobileNetV2-224 from the real .tflite file against MCUNetV2 Table 1', function () {
  let text = '';
  let basePath = '';
  before(function () {
    const file = sharedOrSkip(this, tfliteModels.mobilenetv2);
    text = `model mbv2 from "${path.basename(file)}"\ntarget stm32f746\nschedule patch=4x4 until=block4\n`;
    basePath = path.join(path.dirname(file), 'mbv2.pnet');
  });
  const analyze = () => {
    const a = analyzeText(text, { fs: nodeFileSystem, basePath });
    assert.deepEqual(a.diagnostics.map((d) => `${d.code} ${d.message}`), []);
    return a.report!;
  };

  it('needs 1372 KiB layer by layer, at block 2 (input + output of its expand conv)', () => {
    const r = analyze();
    assert.equal(r.perLayer.peakBytes, 112 * 112 * 16 + 112 * 112 * 96);
    assert.equal(r.perLayer.peakBlock, 2);
    assert.match(r.perLayer.peakLayer, /^block2\.expand /);
  });

  it('peaks at 162,288 B in the 4x4 until=block4 stage and 175,616 B (the paper\'s 172 kB) overall', () => {
    const r = analyze();
    assert.equal(r.schedule?.stagePeakBytes, 162_288);
    assert.deepEqual(r.schedule?.inputPatch, [75, 75]);
    assert.equal(r.peakBytes, 175_616);
    assert.equal(r.peakBlock, 5);
  });

  it('gives the .pnet twin\'s figures block by block: MACs, weights, memory, schedule', () => {
    const file = analyze();
    const { report: twin } = analyzeOk(readExample('mobilenetv2.pnet'));
    assert.deepEqual(file.macs, twin.macs);
    assert.equal(file.weightsBytes, twin.weightsBytes);
    assert.deepEqual(file.blocks.map((b) => [b.out, b.shortcut, b.macs, b.weightsBytes, b.peakBytesLayerByLayer, b.peakBytes]), twin.blocks.map((b) => [b.out, b.shortcut, b.macs, b.weightsBytes, b.peakBytesLayerByLayer, b.peakBytes]));
    assert.equal(file.schedule?.overheadStage, twin.schedule?.overheadStage);
  });
});
