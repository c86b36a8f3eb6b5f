import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import { analyzeModel } from '../../server/src/core/analysis/analyze';
import { importOnnx } from '../../server/src/core/import/onnx';
import { quantizeModel } from '../../server/src/core/quant/params';
import { firmwareOfQModel } from '../../server/src/firmware';
import { randomGraph } from '../import/randomGraphs.test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkRuntimeSupport } from '../../server/src/core/codegen/support';
import { analyzeText } from '../../server/src/core/engine';
import { nodeFileSystem } from '../../server/src/nodeFileSystem';
import { OnnxBuilder } from '../import/onnxModels';

// Graph models on the Cortex-M7 under QEMU (mps2-an500): random imported graphs, quantized, built
// with arm-none-eabi-gcc and run; their output equals the host firmware's and the reference's,
// and the arena they use is at most the predicted one.

const haveTools = ['arm-none-eabi-gcc', 'qemu-system-arm'].every((t) => spawnSync(t, ['--version']).status === 0);

describe('graph models on QEMU', function () {
  this.timeout(600_000);
  before(function () {
    if (haveTools) return;
    if (process.env.CI === 'true') throw new Error('arm-none-eabi-gcc and qemu-system-arm are required');
    console.error('\n!! SKIPPING the graph QEMU tests: install gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm\n');
    this.skip();
  });

  it('3 random graphs: QEMU firmware = host firmware = reference byte for byte, measured arena ≤ predicted', () => {
    const lines: string[] = [];
    for (const seed of [11, 38, 90]) {
      const model = importOnnx(randomGraph(seed).bytes).model!;
      const qm = quantizeModel(model);
      const report = analyzeModel(model);
      const file = `random${seed}.onnx`;
      const qemu = firmwareOfQModel(qm, report, { text: '', file, board: 'qemu-mps2-an500', run: 'qemu', timeoutSeconds: 120 });
      const host = firmwareOfQModel(qm, report, { text: '', file, board: 'host', run: 'host' });
      assert.equal(qemu.failure, undefined, `seed ${seed}: ${qemu.failure?.message}`);
      assert.equal(host.failure, undefined, `seed ${seed}: ${host.failure?.message}`);
      const q = qemu.report!;
      assert.equal(q.matchesReference, true, `seed ${seed}: QEMU ${q.checksum} vs reference ${q.referenceChecksum}`);
      assert.equal(host.report!.checksum, q.checksum, `seed ${seed}: host vs QEMU`);
      assert.ok((q.measuredArenaBytes as number) <= (q.predictedArenaBytes as number), `seed ${seed}: measured arena ${q.measuredArenaBytes} > ${q.predictedArenaBytes}`);
      lines.push(`seed ${seed}: ${model.layers.length} layers, ${q.instructions ?? '?'} instructions, arena ${q.measuredArenaBytes}/${q.predictedArenaBytes} B`);
    }
    console.log(lines.map((l) => `      ${l}`).join('\n'));
  });

  it('a graph with a patch stage over its stem (conv, conv, depthwise, HardSwish, conv; then two branches and their add): QEMU = host = reference, the arena measured = predicted, half of layer by layer', () => {
    const m = new OnnxBuilder();
    let x = m.conv(m.input('x', [1, 3, 64, 64]), 3, 8, 3, 2, { bn: false });
    x = m.node('HardSwish', [m.conv(m.conv(x, 8, 16, 1, 1, { bn: false }), 16, 16, 3, 1, { groups: 16, bn: false })]);
    x = m.conv(x, 16, 16, 3, 2, { bn: false });
    const y = m.node('Add', [m.conv(x, 16, 16, 3, 1, { bn: false, act: 'none' }), m.conv(x, 16, 16, 1, 1, { bn: false, act: 'none' })]);
    m.output(m.node('GlobalAveragePool', [y]));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-staged-graph-'));
    try {
      fs.writeFileSync(path.join(dir, 'g.onnx'), m.bytes(14));
      const run = (schedule: string, board: 'host' | 'qemu-mps2-an500') => {
        const analysis = analyzeText('model g from "g.onnx"\n', { fs: nodeFileSystem, basePath: path.join(dir, 'g.pnet'), schedule });
        assert.deepEqual(checkRuntimeSupport(analysis.model!), []);
        const r = firmwareOfQModel(quantizeModel(analysis.model!), analysis.report!, { text: '', file: 'g.onnx', board, run: board === 'host' ? 'host' : 'qemu', timeoutSeconds: 120 });
        assert.equal(r.failure, undefined, `${schedule} on ${board}: ${r.failure?.message}`);
        assert.equal(r.report!.matchesReference, true, `${schedule} on ${board}`);
        assert.equal(r.report!.measuredArenaBytes, r.report!.predictedArenaBytes, `${schedule} on ${board}`);
        return r.report!;
      };
      const whole = run('', 'host');
      const host = run('patch=2x2 until=block4', 'host');
      const qemu = run('patch=2x2 until=block4', 'qemu-mps2-an500');
      assert.equal(qemu.checksum, whole.checksum);
      assert.ok(2 * (qemu.measuredArenaBytes as number) <= (whole.measuredArenaBytes as number) + 256, `${qemu.measuredArenaBytes} B patched vs ${whole.measuredArenaBytes} B`);
      console.log(`      patch=2x2 until=block4: arena ${host.measuredArenaBytes} B (layer by layer ${whole.measuredArenaBytes} B); QEMU ${qemu.instructions} instructions`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
