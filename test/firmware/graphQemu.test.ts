import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import { analyzeModel } from '../../server/src/core/analysis/analyze';
import { importOnnx } from '../../server/src/core/import/onnx';
import { quantizeModel } from '../../server/src/core/quant/params';
import { firmwareOfQModel } from '../../server/src/firmware';
import { randomGraph } from '../import/randomGraphs.test';

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
});
