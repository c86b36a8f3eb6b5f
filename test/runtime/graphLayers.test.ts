import { strict as assert } from 'assert';
import { importOnnx } from '../../server/src/core/import/onnx';
import { runReference } from '../../server/src/core/quant/interpreter';
import { quantizeModel } from '../../server/src/core/quant/params';
import { sourcesOf } from '../../server/src/core/model/ops';
import { randomGraph } from '../import/randomGraphs.test';
import { GraphKernelDriver } from './graphKernelDriver';
import { layerRecord, outputBytes } from './graphRecords';

// Random imported graphs (the ONNX random-graph generator: branches, two-branch adds, concat, SE
// scales, resize, transposed convs, odd sizes, asymmetric pooling), quantized with synthetic
// parameters: the reference runs the DAG, and every layer the new C kernels run — given the
// reference's bytes of its sources — gives the reference's bytes, under ASan/UBSan. Whole-model
// firmware (codegen and the graph arena) is not in this test: it checks the kernels on real
// graph shapes and quantizations, layer by layer.

describe('random graphs layer by layer: C kernels = reference', function () {
  this.timeout(600_000);
  let driver: GraphKernelDriver;
  before(() => {
    driver = GraphKernelDriver.build();
  });
  after(() => driver?.dispose());

  it('100 random graphs: every add, mul, concat, resize, convT and windowed conv equals the reference', () => {
    const counts = new Map<string, number>();
    const records: string[] = [];
    const expected: { label: string; bytes: Int8Array }[] = [];
    let skipped = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const model = importOnnx(randomGraph(seed).bytes).model!;
      const qm = quantizeModel(model);
      const ref = runReference(qm, true);
      qm.layers.forEach((q, i) => {
        assert.equal(ref.activations![i].length, outputBytes(q), `seed ${seed}: ${q.layer.name} output size`);
        const inputs = sourcesOf(q.layer).map((s) => (s < 0 ? qm.image : ref.activations![s]));
        const record = layerRecord(q, inputs);
        if (!record) {
          skipped++;
          return;
        }
        records.push(record);
        expected.push({ label: `seed ${seed}: ${q.layer.name}`, bytes: ref.activations![i] });
        counts.set(q.layer.kind, (counts.get(q.layer.kind) ?? 0) + 1);
      });
    }
    const failures: string[] = [];
    driver.run(records).forEach(([status, got], k) => {
      const e = expected[k];
      const at = got.findIndex((v, j) => v !== e.bytes[j]);
      if (status !== 0 || got.length !== e.bytes.length || at >= 0) failures.push(`${e.label}: status ${status}, ${got.length}/${e.bytes.length} bytes, first difference at ${at}`);
    });
    console.log(`      ${records.length} layers through the new kernels (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}); ${skipped} run by the older kernels`);
    assert.equal(failures.length, 0, `${failures.length} layers differ:\n${failures.slice(0, 10).join('\n')}`);
    for (const kind of ['add', 'mul', 'concat', 'resize', 'convT']) assert.ok((counts.get(kind) ?? 0) > 10, `few ${kind} layers`);
  });
});
