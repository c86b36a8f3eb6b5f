import * as fs from 'fs';
import * as path from 'path';
import { analyzeText } from '../server/src/core/engine';
import { runReference } from '../server/src/core/quant/interpreter';
import { quantizeModel } from '../server/src/core/quant/params';

// The TS reference interpreter (the bit-exact oracle every runtime test and firmware check uses):
// MACs per second on two models, best of a few runs after a warm-up, one core. `npm run bench`.

const root = path.resolve(__dirname, '..', '..');
const models: [string, string, number][] = [
  ['mbv2-w0.35-r144', 'mbv2-w0.35-r144.pnet', 5],
  ['MobileNetV2-224', 'mobilenetv2.pnet', 2],
];

console.log(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| model | MACs | reference run (best) | MMAC/s | checksum |');
console.log('|---|---:|---:|---:|---|');
for (const [name, file, runs] of models) {
  const analysis = analyzeText(fs.readFileSync(path.join(root, 'examples', file), 'utf8'));
  const qm = quantizeModel(analysis.model!);
  const macs = analysis.report!.macs.total;
  let best = Infinity;
  let checksum = '';
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    checksum = runReference(qm).checksum;
    // The first run warms the JIT up; it is not counted.
    if (i > 0) best = Math.min(best, performance.now() - t0);
  }
  console.log(`| ${name} | ${(macs / 1e6).toFixed(1)}M | ${(best / 1000).toFixed(2)} s | ${(macs / best / 1000).toFixed(0)} | ${checksum} |`);
}
