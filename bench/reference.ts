import * as fs from 'fs';
import * as path from 'path';
import { analyzeText } from '../server/src/core/engine';
import { runReference } from '../server/src/core/quant/interpreter';
import { quantizeModel } from '../server/src/core/quant/params';

// The TS reference interpreter (the bit-exact oracle every runtime test and firmware check uses):
// MACs per second on two models and on a deep chain of small layers (where per-layer and per-element
// costs weigh most), best of a few runs after a warm-up, one core; and the synthetic quantization
// that `patchwise reference` runs first (it calibrates on every layer's output). `npm run bench`.

const root = path.resolve(__dirname, '..', '..');

/** n layers alternating a 3×3 depthwise and a 1×1 conv on 32×32×8 (the fuzz suite's deep chains). */
function deepChain(n: number): string {
  const lines = ['model deep', 'input 32x32x8', 'budget sram=1MiB flash=64MiB'];
  for (let i = 0; i < n; i++) lines.push(i % 2 ? 'conv out=8 k=1' : 'dwconv k=3');
  return lines.join('\n') + '\n';
}

const models: [string, string, number][] = [
  ['mbv2-w0.35-r144', fs.readFileSync(path.join(root, 'examples', 'mbv2-w0.35-r144.pnet'), 'utf8'), 5],
  ['MobileNetV2-224', fs.readFileSync(path.join(root, 'examples', 'mobilenetv2.pnet'), 'utf8'), 2],
  ['deep chain, 20,000 layers of 32×32×8', deepChain(20_000), 1],
];

console.log(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| model | MACs | reference run (best) | MMAC/s | quantization | checksum |');
console.log('|---|---:|---:|---:|---:|---|');
for (const [name, text, runs] of models) {
  const analysis = analyzeText(text);
  let t0 = performance.now();
  const qm = quantizeModel(analysis.model!);
  const quantization = performance.now() - t0;
  const macs = analysis.report!.macs.total;
  let best = Infinity;
  let checksum = '';
  for (let i = 0; i <= runs; i++) {
    t0 = performance.now();
    checksum = runReference(qm).checksum;
    // The first run warms the JIT up; it is not counted.
    if (i > 0) best = Math.min(best, performance.now() - t0);
  }
  console.log(`| ${name} | ${(macs / 1e6).toFixed(1)}M | ${(best / 1000).toFixed(2)} s | ${(macs / best / 1000).toFixed(0)} | ${(quantization / 1000).toFixed(2)} s | ${checksum} |`);
}
