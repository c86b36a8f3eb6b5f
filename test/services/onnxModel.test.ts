import { strict as assert } from 'assert';
import * as path from 'path';
import { analyzeText, FileSystem } from '../../server/src/core/engine';
import { modelNameOf, onnxModelView, scheduleFileText } from '../../server/src/core/services/onnxModel';
import { overBudgetChain, smallChain } from './onnxModelFixtures';

// The .onnx custom editor's analysis: the .pnet "Create schedule file" writes, and the chart of
// exactly that file (dynamic inputs fixed and said so, the best schedule when nothing fits).

function memoryFs(files: Record<string, Uint8Array>): FileSystem {
  return { readFile: (p) => files[p], resolve: (base, rel) => path.posix.join(path.posix.dirname(base), rel) };
}

const onnxPath = '/models/net-v2.onnx';
const view = (bytes: Uint8Array, settings = {}) => onnxModelView(memoryFs({ [onnxPath]: bytes }), onnxPath, 'file:///models/net-v2.onnx', settings);

describe('onnx model view (the .onnx editor)', () => {
  it('writes the model line, the input line, the target and the schedule, in that order', () => {
    const text = scheduleFileText({ name: 'net_v2', onnxFile: 'net-v2.onnx', input: { h: 224, w: 224, c: 3 }, target: 'stm32h743', schedule: { patch: [3, 2], untilBlock: 4 } });
    assert.equal(text, 'model net_v2 from "net-v2.onnx"\ninput 224x224x3\ntarget stm32h743\nschedule patch=3x2 until=block4\n');
    assert.equal(scheduleFileText({ name: 'm', onnxFile: 'm.onnx', input: null, target: 'stm32f746', schedule: { patch: null, untilBlock: 0 } }), 'model m from "m.onnx"\ntarget stm32f746\n');
    assert.deepEqual(['net-v2.onnx', '3d.ONNX', '.onnx'].map(modelNameOf), ['net_v2', 'm3d', 'model']);
  });

  it('gives a model over budget layer by layer the best schedule, and charts the file it writes', () => {
    const v = view(overBudgetChain([1, 3, 160, 160]));
    assert.equal(v.note, null);
    assert.deepEqual(v.diagnostics, []);
    const lines = v.scheduleFile!.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['model net_v2 from "net-v2.onnx"', 'target stm32f746']);
    assert.match(lines[2], /^schedule patch=\d+x\d+ until=block\d+$/);
    const model = v.data.model!;
    assert.ok(model.layerByLayerPeakBytes > model.sramBytes && model.peakBytes <= model.sramBytes, `${model.layerByLayerPeakBytes} then ${model.peakBytes}`);
    assert.equal(`schedule patch=${model.schedule!.patch.join('x')} until=block${model.schedule!.untilBlock}`, lines[2]);
    assert.equal(v.data.problem, null);
    // The written file, analysed next to the model as the editor will, gives the charted peak.
    const written = analyzeText(v.scheduleFile!, { fs: memoryFs({ [onnxPath]: overBudgetChain([1, 3, 160, 160]) }), basePath: '/models/net-v2.pnet' });
    assert.equal(written.hasErrors, false);
    assert.equal(written.report!.peakBytes, model.peakBytes);
  });

  it('writes no schedule for a model that fits, and the target of the setting', () => {
    const v = view(smallChain(), { target: 'stm32h743' });
    assert.equal(v.scheduleFile, 'model net_v2 from "net-v2.onnx"\ntarget stm32h743\n');
    assert.equal(v.data.model!.target, 'stm32h743');
    assert.equal(v.data.model!.schedule, null);
  });

  it('analyses a dynamic input at 224×224 with its own channels, says so, and writes the input line', () => {
    const v = view(overBudgetChain(['batch', 3, 'height', 'width']));
    assert.equal(v.note, "The model's input is dynamic (N×C×H×W = ?×3×?×?): analysed at 224×224×3 until you set its size; the schedule file's input line keeps it.");
    assert.match(v.scheduleFile!, /^model net_v2 from "net-v2\.onnx"\ninput 224x224x3\ntarget stm32f746\nschedule patch=/);
    assert.deepEqual(v.data.model!.input, [224, 224, 3]);
    assert.deepEqual(v.dynamicInput, { h: 224, w: 224 });
  });

  it('analyses a dynamic input at the size the page sets (the PP-OCR classifier runs at 48×192)', () => {
    const bytes = overBudgetChain(['batch', 3, 'height', 'width']);
    const v = onnxModelView(memoryFs({ [onnxPath]: bytes }), onnxPath, 'file:///models/net-v2.onnx', {}, { h: 48, w: 192 });
    assert.equal(v.note, "The model's input is dynamic (N×C×H×W = ?×3×?×?): analysed at 48×192×3; the schedule file's input line keeps it.");
    assert.deepEqual(v.data.model!.input, [48, 192, 3]);
    assert.match(v.scheduleFile!, /^model net_v2 from "net-v2\.onnx"\ninput 48x192x3\n/);
    assert.deepEqual(view(overBudgetChain([1, 3, 160, 160])).dynamicInput, null, 'a static input has no form');
  });

  it('lists what the importer cannot express, naming the node, and offers no file', () => {
    const v = view(smallChain(true));
    assert.equal(v.scheduleFile, null);
    assert.equal(v.data.model!.name, "net_v2, the layer before 'pixel_shuffle'");
    assert.deepEqual(v.data.layers.map((l) => l.out), [[16, 16, 8]]);
    assert.equal(v.data.problem, "Patchwise cannot import this model yet (one error, below): the chart is of the layers before 'pixel_shuffle', layer by layer; the graph shows where the import stopped.");
    assert.equal(v.diagnostics.length, 1);
    assert.match(v.diagnostics[0], /^PW5008 DepthToSpace node 'pixel_shuffle' is not supported yet/);
  });

  it('reports a missing or undecodable file without throwing', () => {
    assert.match(onnxModelView(memoryFs({}), onnxPath, 'file:///x').diagnostics.join(), /PW5001 cannot read 'net-v2.onnx'/);
    assert.match(view(new Uint8Array([1, 2, 3])).diagnostics.join(), /PW5002/);
  });
});
