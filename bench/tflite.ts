import * as fs from 'fs';
import * as path from 'path';
import { analyzeModel } from '../server/src/core/analysis/analyze';
import { searchSchedules } from '../server/src/core/analysis/search';
import { importTflite } from '../server/src/core/import/tflite/tflite';
import { readTflite } from '../server/src/core/import/tflite/schema';
import { findTarget } from '../server/src/core/targets';
import { sharedRoot, tfliteModels } from '../test/support/sharedFiles';
import { time } from './timing';

// TFLite import benchmark: the flatbuffer read alone, decode + import (walk, blocks, model build),
// the analysis, and the schedule search against the F746's 320 KiB, on the real models of
// ../shared/models/tflite. Medians after a warm-up; the README keeps the latest figures.

const f746 = findTarget('stm32f746')!;

console.log(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| model | file | layers | read (median) | decode + import (median) | analyse (median) | schedule search (median) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const rel of Object.values(tfliteModels)) {
  const file = path.join(sharedRoot, rel);
  if (!fs.existsSync(file)) {
    console.log(`| ${path.basename(rel)} | absent (${file}) | | | | | |`);
    continue;
  }
  const bytes = new Uint8Array(fs.readFileSync(file));
  const model = importTflite(bytes).model!;
  const read = time(() => readTflite(bytes), 10, 500);
  const imported = time(() => importTflite(bytes), 10, 500);
  const analysed = time(() => analyzeModel(model), 10, 500);
  const search = time(() => searchSchedules(model, f746.sramBytes), 3, 500);
  const size = bytes.length >= 1e6 ? `${(bytes.length / 1e6).toFixed(2)} MB` : `${Math.round(bytes.length / 1e3)} kB`;
  const ms = (x: { median: number }) => `${x.median.toFixed(2)} ms`;
  console.log(`| ${path.basename(rel)} | ${size} | ${model.layers.length} | ${ms(read)} | ${ms(imported)} | ${ms(analysed)} | ${ms(search)} |`);
}
