import { strict as assert } from 'assert';
import { hostMessageSchema } from '../../client/src/panels/messages';
import { scheduleEditText } from '../../client/src/panels/scheduleEdit';
import { applyEdits, scheduleEdit } from '../../server/src/core/engine';
import { analyzeDocument } from '../../server/src/core/services/document';
import { panelData } from '../../server/src/core/services/panelData';
import { PanelData, panelSections } from '../../server/src/core/services/panelTypes';
import { readExample } from '../helpers';

// The chart panels' data: the memory stacks add up to the report's figures, the patches' regions
// tile each stage tensor, and the schedule space and its edit agree with the search and the engine.

const example = readExample('mobilenetv2.pnet');

function dataOf(text: string, sections = panelSections): PanelData {
  return panelData(analyzeDocument(text), 'file:///m.pnet', 3, sections);
}

const activations = (m: { inputBytes: number; outputBytes: number; keptBytes: number; stageBytes: number }) => m.inputBytes + m.outputBytes + m.keptBytes + m.stageBytes;

describe('panel data', () => {
  const data = dataOf(example);
  const model = data.model!;

  it('summarises MobileNetV2 4x4 until block 4 as the report does', () => {
    assert.equal(data.problem, null);
    assert.equal(model.peakBytes, 175_616);
    assert.equal(model.layerByLayerPeakBytes, 1_404_928);
    assert.equal(data.layers[model.layerByLayerPeakLayer].name, 'block2.expand');
    assert.equal(data.layers[model.peakLayer].block, 5);
    assert.deepEqual(model.schedule && [model.schedule.patch, model.schedule.untilBlock, model.schedule.endLayer, model.schedule.line], [[4, 4], 4, 12, 21]);
    assert.deepEqual(model.schedule?.inputPatch, [75, 75]);
  });

  it('stacks each layer into parts that add up to its step, and the largest is the peak', () => {
    const lbl = data.layers.map((l) => activations(l.layerByLayer));
    const scheduled = data.layers.map((l) => activations(l.scheduled));
    assert.equal(Math.max(...lbl), model.layerByLayerPeakBytes);
    assert.equal(Math.max(...scheduled), model.peakBytes);
    assert.equal(scheduled[model.peakLayer], model.peakBytes);
    const expand = data.layers[3];
    assert.deepEqual(expand.layerByLayer, { inputBytes: 112 * 112 * 16, outputBytes: 112 * 112 * 96, keptBytes: 0, stageBytes: 0, scratchBytes: 0 });
    // Per patch: 35×35 rows and columns of 16 in, 96 out, beside the 28×28×32 stage output.
    assert.deepEqual(expand.scheduled, { inputBytes: 35 * 35 * 16, outputBytes: 35 * 35 * 96, keptBytes: 0, stageBytes: 28 * 28 * 32, scratchBytes: 0 });
    for (const layer of data.layers.slice(12)) assert.deepEqual(layer.scheduled, layer.layerByLayer);
  });

  it('gives every stage tensor regions that cover it and own shares that tile it', () => {
    const overlap = data.overlap!;
    assert.equal(overlap.tensors.length, 13);
    assert.equal(overlap.tensors[0].label, 'input 224×224×3');
    assert.equal(overlap.tensors[12].label, 'block4.project output 28×28×32 (stage output)');
    for (const tensor of overlap.tensors) {
      for (const [axis, size] of [[tensor.rows, tensor.size[0]], [tensor.cols, tensor.size[1]]] as const) {
        let next = 0;
        for (let i = 0; i < axis.length; i += 4) {
          const [lo, hi, ownLo, ownHi] = axis.slice(i, i + 4);
          assert.equal(ownLo, next, `${tensor.label}: own shares are contiguous`);
          assert.ok(lo <= ownLo && ownHi <= hi && lo >= 0 && hi < size, `${tensor.label}: the share lies in the region`);
          next = ownHi + 1;
        }
        assert.equal(next, size, `${tensor.label}: the shares end at the border`);
      }
    }
    // An interior patch reads 75 input rows; its own share is 7 output rows × a jump of 8.
    assert.deepEqual(overlap.tensors[0].rows.slice(4, 8), [43, 117, 56, 111]);
  });

  it('lays out the schedule search in columns with the front, the best and the current schedule', () => {
    const space = data.schedules!;
    assert.equal(space.peakBytes.length, 1142);
    for (const column of [space.patchRows, space.patchCols, space.untilBlock, space.macs]) assert.equal(column.length, 1142);
    assert.deepEqual([space.patchRows[0], space.untilBlock[0], space.peakBytes[0]], [0, -1, 1_404_928]);
    const current = space.current;
    assert.deepEqual([space.patchRows[current], space.patchCols[current], space.untilBlock[current], space.peakBytes[current]], [4, 4, 4, 175_616]);
    assert.ok(space.peakBytes[space.best] <= space.budgetBytes);
    for (let i = 1; i < space.pareto.length; i++) {
      assert.ok(space.peakBytes[space.pareto[i]] >= space.peakBytes[space.pareto[i - 1]] && space.macs[space.pareto[i]] < space.macs[space.pareto[i - 1]]);
    }
  });

  it('writes a picked schedule exactly as the engine does, with or without a schedule line', () => {
    const without = example.replace(/^schedule .*\n/m, '');
    for (const text of [example, without, without.trimEnd()]) {
      const doc = analyzeDocument(text);
      const slot = dataOf(text).schedules!.edit;
      for (const candidate of [{ patch: [2, 3] as [number, number], untilBlock: 5 }, { patch: null, untilBlock: null }]) {
        const ours = applyEdits(text, [{ range: slot.range, newText: scheduleEditText(slot, candidate.patch, candidate.untilBlock) }]);
        assert.equal(ours, applyEdits(text, [scheduleEdit(doc.analysis.ast, text, candidate)]));
      }
    }
  });

  it('passes the webview message schema, and the schema refuses a damaged copy', () => {
    assert.equal(hostMessageSchema({ type: 'data', data }, 'message'), null);
    const damaged = JSON.parse(JSON.stringify(data));
    damaged.layers[2].scheduled.inputBytes = 'many';
    assert.equal(hostMessageSchema({ type: 'data', data: damaged }, 'message'), 'message.data.layers[2].scheduled.inputBytes: expected an integer');
    assert.match(hostMessageSchema({ type: 'data', data: { ...data, extra: 1 } }, 'message') ?? '', /extra: unexpected field/);
  });

  it('runs the search only when the schedule explorer asks, and says why nothing fits', () => {
    const memoryOnly = dataOf(example, ['memory']);
    assert.equal(memoryOnly.schedules, null);
    assert.equal(memoryOnly.overlap, null);
    const tight = panelData(analyzeDocument(example, { sramBudget: '64KiB' }), 'file:///m.pnet', 1, panelSections);
    assert.equal(tight.schedules!.best, -1);
    assert.match(tight.problem!, /^No schedule fits 64\.0 KiB: /);
  });

  it('refuses a model too deep to chart, with the reason, and does not search it', () => {
    const lines = ['model chain', 'input 32x32x8', 'target stm32f746'];
    for (let i = 0; i < 1001; i++) lines.push('dwconv k=3', 'conv out=8 k=1');
    const deep = dataOf(lines.join('\n'));
    assert.equal(deep.model?.name, 'chain');
    assert.deepEqual([deep.layers, deep.overlap, deep.schedules], [[], null, null]);
    assert.equal(deep.problem, 'The model has 2,002 layers; the panels chart models of up to 2,000 layers (the CLI reports any size).');
  });

  it('explains a document with no model instead of drawing nothing', () => {
    const none = dataOf('model m\nconv out=8\n');
    assert.equal(none.model, null);
    assert.deepEqual(none.layers, []);
    assert.match(none.problem!, /^No model to chart: line \d+: /);
    assert.equal(hostMessageSchema({ type: 'data', data: none }, 'message'), null);
  });
});

describe('panel data of a schedule beyond one MCUNetV2 stage', () => {
  const text = example.replace(/^schedule .*$/m, 'schedule patch=8x8 until=block4 cache=rows+cols\nschedule patch=4x4 until=block7 cache=rows');
  const data = dataOf(text);

  it('stacks each stage layer with its own stage\'s buffers, and the largest is the peak', () => {
    const scheduled = data.layers.map((l) => activations(l.scheduled));
    assert.equal(Math.max(...scheduled), data.model!.peakBytes);
  });

  it('draws each of its stages (see overlapData.test.ts), with nothing to excuse', () => {
    assert.deepEqual(data.overlap?.runs.map((r) => r.label), ['stage 1: patch=8x8, blocks 0–4, cache=rows+cols', 'stage 2: patch=4x4, blocks 5–7, cache=rows']);
    assert.equal(data.problem, null);
  });
});
