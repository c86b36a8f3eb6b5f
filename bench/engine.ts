import * as fs from 'fs';
import * as path from 'path';
import { analyzeText, optimizeText } from '../server/src/core/engine';
import { formatReport } from '../server/src/cliFormat';
import { chainOf, generateDeepModel } from './models';
import { time } from './timing';

// Engine benchmark: parse + analyse and the full schedule search (every split point × 1..8 × 1..8
// patch grids) on MobileNetV2-224 and on a generated 1,000-layer model. Medians of repeated runs
// after a warm-up, on one core; the README keeps the latest figures. `npm run bench`.

const root = path.resolve(__dirname, '..', '..');
const models: [string, string][] = [
  ['MobileNetV2-224 (65 layers)', fs.readFileSync(path.join(root, 'examples', 'mobilenetv2.pnet'), 'utf8')],
  ['generated deep model (1,000 layers)', generateDeepModel(1000)],
];

const rows: string[] = [];
const beyondRows: string[] = [];
for (const [name, text] of models) {
  const layers = analyzeText(text).model!.layers.length;
  const analyse = time(() => analyzeText(text), 20, 1000);
  let evaluated = 0;
  const search = time(() => (evaluated = optimizeText(text).search!.candidates.length), 5, 2000);
  rows.push(`| ${name} | ${layers} | ${analyse.median.toFixed(2)} ms | ${search.median.toFixed(1)} ms (${evaluated} schedules) |`);
  // The larger space (caches, several stages) is slow on the deep model: one warm-up, then 3 runs.
  // CPU time beside wall time: on a shared machine the wall time mostly measures the others.
  optimizeText(text, { beyond: true });
  const runs = [0, 1, 2].map(() => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    optimizeText(text, { beyond: true });
    const cpu = process.cpuUsage(c0);
    return [performance.now() - t0, (cpu.user + cpu.system) / 1000];
  });
  const median = (i: number) => runs.map((r) => r[i]).sort((a, b) => a - b)[1].toFixed(0);
  beyondRows.push(`| ${name} | ${median(0)} ms | ${median(1)} ms |`);
}
const big = ['model big', 'input 16x16x8', 'budget sram=1MiB flash=64MiB'];
for (let i = 0; i < 100_000; i++) big.push(i % 2 ? 'conv out=8 k=1' : 'dwconv k=3');
const bigText = big.join('\n');
const bigAnalyse = time(() => analyzeText(bigText), 3, 0);
const bigText100k = time(() => formatReport(analyzeText(bigText).report!), 3, 0);
rows.push(`| 100,000-line chain (dwconv/conv) | 100000 | ${bigAnalyse.median.toFixed(0)} ms (with the text report: ${bigText100k.median.toFixed(0)} ms) | — |`);
const chain = chainOf(5000);
const bounded = time(() => optimizeText(chain, { maxMillis: Infinity }).search!.bounded!.lastBlock, 1, 0);
rows.push(`| 5,000-layer chain, search to its bound | 5000 | — | ${(bounded.median / 1000).toFixed(1)} s (split points up to block ${optimizeText(chain, { maxMillis: Infinity }).search!.bounded!.lastBlock}) |`);

console.log(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| model | layers | parse + analyse (median) | full schedule search (median) |');
console.log('|---|---:|---:|---:|');
for (const row of rows) console.log(row);
console.log('\n| model | `optimize --beyond`, wall (median of 3) | CPU |');
console.log('|---|---:|---:|');
for (const row of beyondRows) console.log(row);
