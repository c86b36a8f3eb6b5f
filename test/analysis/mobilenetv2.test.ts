import { strict as assert } from 'assert';
import { layerByLayer } from '../../server/src/core/analysis/memory';
import { evaluatePatchStage } from '../../server/src/core/analysis/patch';
import { opRules } from '../../server/src/core/model/ops';
import { analyzeOk, readExample } from '../helpers';

// MCUNetV2 Table 1 (MobileNetV2 w1.0, 224×224, 4×4 patches, stage = stem + 4 blocks), recomputed
// from the architecture in ../shared/reference/mcunetv2-facts.md.
describe('MobileNetV2-224 against the MCUNetV2 paper', () => {
  const { model, report } = analyzeOk(readExample('mobilenetv2.pnet'));

  it('needs 1372 KiB layer by layer, at block 2 (input + output of its expand conv)', () => {
    assert.equal(report.perLayer.peakBytes, 1_404_928);
    assert.equal(report.perLayer.peakBytes, 112 * 112 * 16 + 112 * 112 * 96);
    assert.equal(report.perLayer.peakBlock, 2);
    assert.equal(report.perLayer.peakLayer, 'block2.expand');
  });

  it('counts 300,774,272 MACs for the whole network', () => {
    assert.equal(report.macs.total, 300_774_272);
  });

  it('reads a 75×75 input patch for each interior 7×7 output patch', () => {
    assert.deepEqual(report.schedule?.inputPatch, [75, 75]);
    const rfSizes = [0, 1, 2, 3, 4].map((b) => report.layers.filter((l) => l.block === b).pop()!.rf.size);
    assert.deepEqual(rfSizes, [3, 7, 11, 19, 27]);
  });

  it('peaks at 162,288 B in the patch stage: 137,200 B per patch (block 2) + the 28×28×32 stage output', () => {
    const s = report.schedule!;
    assert.equal(s.stagePeakBytes, 162_288);
    assert.equal(s.perPatchPeakBytes, 35 * 35 * 16 + 35 * 35 * 96);
    assert.equal(s.perPatchPeakBlock, 2);
    assert.equal(s.stageOutputBytes, 28 * 28 * 32);
  });

  it('peaks at 175,616 B (171.5 KiB, the paper\'s "172 kB") overall, set by block 5 after the stage', () => {
    assert.equal(report.peakBytes, 175_616);
    assert.equal(report.peakBlock, 5);
    assert.equal(report.schedule?.laterPeakBytes, 28 * 28 * 32 + 28 * 28 * 192);
    assert.equal(report.schedule?.laterPeakBlock, 5);
    assert.ok(report.fitsSram);
  });

  it('spends 119,202,032 MACs in the stage with clipped border patches vs 91,282,688 layer by layer', () => {
    assert.equal(report.macs.patchStage, 119_202_032);
    assert.equal(report.macs.patchStageLayerByLayer, 91_282_688);
    assert.equal(report.schedule?.overheadStage.toFixed(3), '0.306');
    assert.equal(report.macs.scheduled, 300_774_272 - 91_282_688 + 119_202_032);
    assert.equal(report.schedule?.overheadTotal.toFixed(3), '0.093');
  });

  it('would spend the paper\'s 130M if every patch were computed at full size (16 × an interior patch)', () => {
    // An interior patch's MACs, scaled to the 16 patches of the grid: TinyEngine's padded patches.
    const stage = evaluatePatchStage(model, 4, [4, 4]);
    const interior = stage.layers.reduce((sum, l, i) => sum + l.maxOutput[0] * l.maxOutput[1] * opRules[model.layers[i].kind].macsPerPixel(model.layers[i]), 0);
    assert.ok(Math.abs(16 * interior - 130e6) < 1.5e6, `16 interior patches = ${16 * interior}`);
  });

  it('reproduces the 539 kB first-layer example when the input is held in SRAM', () => {
    const { report: sram } = analyzeOk(readExample('mobilenetv2.pnet').replace('input 224x224x3', 'input 224x224x3 sram'));
    assert.equal(sram.layers[0].memory.totalBytes, 224 * 224 * 3 + 112 * 112 * 32);
    assert.equal(Math.round(sram.layers[0].memory.totalBytes / 1024), 539);
    // Held whole during the stage: the stage peak grows by the input.
    assert.equal(sram.schedule?.stagePeakBytes, 162_288 + 224 * 224 * 3);
  });

  it('runs depthwise convs in place and fuses the shortcut add into the project conv', () => {
    const steps = layerByLayer(model);
    const dw2 = model.layers.findIndex((l) => l.name === 'block2.dw');
    assert.equal(steps[dw2].totalBytes, 112 * 112 * 96);
    const project3 = model.layers.findIndex((l) => l.name === 'block3.project');
    assert.ok(model.layers[project3].writesShortcut);
    assert.equal(steps[project3].totalBytes, 56 * 56 * 144 + 56 * 56 * 24);
    const expand3 = model.layers.findIndex((l) => l.name === 'block3.expand');
    assert.equal(steps[expand3].totalBytes, 56 * 56 * 24 + 56 * 56 * 144);
  });

  it('reports the weights (int8 + int32 bias) against flash: MobileNetV2 does not fit 1 MiB', () => {
    assert.equal(report.weightsBytes, 3_541_984);
    assert.equal(report.fitsFlash, false);
    assert.equal(report.fits, false);
    assert.equal(report.flashMarginBytes, 1024 * 1024 - 3_541_984);
  });
});
