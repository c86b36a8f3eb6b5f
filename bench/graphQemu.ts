import { analyzeModel } from '../server/src/core/analysis/analyze';
import { importOnnx } from '../server/src/core/import/onnx';
import { elements, QLayer } from '../server/src/core/quant/qmodel';
import { quantizeModel } from '../server/src/core/quant/params';
import { macs } from '../server/src/core/model/ops';
import { firmwareOfQModel } from '../server/src/firmware';
import { OnnxBuilder } from '../test/import/onnxModels';

// Exact QEMU instruction counts (mps2-an500, Patchwise's counting plugin) of the graph kernels in
// a generated graph model: instructions per MAC for convolutions, per input element for pools,
// per output element for the rest. `node out/bench/graphQemu.js` (needs arm-none-eabi-gcc and qemu-system-arm).

/** A 32×32×16 graph with every graph kernel the ONNX importer produces. */
function benchGraph(): Uint8Array {
  const m = new OnnxBuilder();
  const x = m.conv(m.input('x', [1, 3, 32, 32]), 3, 16, 3, 1, { act: 'relu' });
  const a = m.conv(x, 16, 16, 1, 1, { act: 'relu' });
  const b = m.conv(x, 16, 16, 3, 1, { groups: 16 });
  const sum = m.node('Add', [a, b]);
  const squeeze = m.conv(m.node('GlobalAveragePool', [sum]), 16, 4, 1, 1, { act: 'relu', bn: false });
  const gate = m.node('HardSigmoid', [m.conv(squeeze, 4, 16, 1, 1, { act: 'none', bn: false })]);
  const scaled = m.node('Mul', [sum, gate]);
  const joined = m.node('Concat', [scaled, x], { axis: 1 });
  const wide = m.conv(m.node('MaxPool', [joined], { kernel_shape: [2, 2], strides: [2, 2] }), 32, 16, 1, 1);
  const up = m.node('Resize', [wide, '', m.init('scales', [4], [1, 1, 2, 2])], { mode: 'nearest' });
  const t = m.node('ConvTranspose', [wide, m.init('wt', [16, 8, 2, 2])], { strides: [2, 2] });
  const out = m.node('Concat', [m.node('GlobalAveragePool', [up]), m.node('GlobalAveragePool', [t])], { axis: 1 });
  m.output(out);
  return m.bytes();
}

function kindOf(q: QLayer): string {
  const l = q.layer;
  if (l.kind === 'conv') return l.groups > 1 ? 'grouped conv' : `conv ${l.rows.k}×${l.cols.k}`;
  return l.kind === 'gpool' ? 'global pool' : l.kind;
}

function main(): void {
  const model = importOnnx(benchGraph()).model!;
  const qm = quantizeModel(model);
  const r = firmwareOfQModel(qm, analyzeModel(model), { text: '', file: 'bench-graph.onnx', board: 'qemu-mps2-an500', run: 'qemu', cflags: ['-DPW_PROFILE'] });
  if (!r.report?.matchesReference) throw new Error(r.failure?.message ?? 'the output differs from the reference');
  const counts = r.report.layerInstructions as number[];
  const rows = new Map<string, { instructions: number; work: number; unit: string }>();
  qm.layers.forEach((q, i) => {
    const k = kindOf(q);
    const perMac = ['conv', 'dwconv', 'convT', 'fc'].includes(q.layer.kind);
    // Pools reduce: their work is the input they read.
    const pooling = q.layer.kind === 'pool' || q.layer.kind === 'gpool';
    const e = rows.get(k) ?? { instructions: 0, work: 0, unit: perMac ? 'MAC' : pooling ? 'input element' : 'output element' };
    e.instructions += counts[i];
    e.work += perMac ? macs(q.layer) : pooling ? elements(q.layer.input) : elements(q.layer.output);
    rows.set(k, e);
  });
  console.log(`graph model on QEMU: ${r.report.instructions} instructions, the reference's bytes; arena ${r.report.measuredArenaBytes}/${r.report.predictedArenaBytes} B`);
  console.log('| layer kind | instructions | per |');
  console.log('|---|---:|---|');
  for (const [k, e] of rows) console.log(`| ${k} | ${(e.instructions / e.work).toFixed(2)} | ${e.unit} |`);
}

main();
