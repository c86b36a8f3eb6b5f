import * as fs from 'fs';
import * as path from 'path';
import { analyzeText } from '../server/src/core/engine';
import { Layer } from '../server/src/core/model/ir';
import { buildFirmware } from '../server/src/firmware';

// Exact instruction counts in QEMU's Cortex-M7 (mps2-an500, -icount shift=0, Patchwise's counting
// plugin): per kernel kind (instructions per MAC) and per model, layer by layer vs patch-based.
// Repeatable: the same binary gives the same count. `npm run bench` (needs arm-none-eabi-gcc and
// qemu-system-arm).

const root = path.resolve(__dirname, '..', '..');

function kind(layer: Layer): string {
  if (layer.kind === 'conv') return layer.writesShortcut ? '1×1 conv + fused add' : layer.rows.k === 1 ? '1×1 conv' : `conv ${layer.rows.k}×${layer.rows.k}`;
  if (layer.kind === 'dwconv') return `depthwise ${layer.rows.k}×${layer.rows.k}${layer.writesShortcut ? ' + add' : ''}`;
  return layer.kind === 'gpool' ? 'global pool' : layer.kind;
}

interface Run {
  instructions: number;
  stage: number;
  macs: number;
  perKind: Map<string, { instructions: number; macs: number }>;
}

function run(example: string, schedule: string): Run {
  const text = fs.readFileSync(path.join(root, 'examples', example), 'utf8');
  const r = buildFirmware({ file: example, text, schedule, board: 'qemu-mps2-an500', run: 'qemu', cflags: ['-DPW_PROFILE'] });
  if (!r.report || !r.report.matchesReference) throw new Error(`${example}: ${r.failure?.message ?? 'output differs from the reference'}`);
  const report = analyzeText(text, { schedule }).report!;
  const model = r.analysis.model!;
  const layerInstructions = r.report.layerInstructions as number[];
  const perKind = new Map<string, { instructions: number; macs: number }>();
  model.layers.forEach((layer, i) => {
    const macs = report.layers[i].patch?.macs ?? report.layers[i].macs;
    const k = kind(layer);
    const entry = perKind.get(k) ?? { instructions: 0, macs: 0 };
    entry.instructions += layerInstructions[i];
    entry.macs += macs;
    perKind.set(k, entry);
  });
  const split = r.report.split as { stage: number };
  return { instructions: r.report.instructions as number, stage: split.stage, macs: report.macs.scheduled, perKind };
}

const rows: string[] = [];
const kinds = new Map<string, { instructions: number; macs: number }>();
for (const [example, schedule] of [['mbv2-w0.35-r144.pnet', 'patch=3x3 until=block4'], ['vww-mbv1-0.25-96.pnet', 'patch=2x2 until=block8']]) {
  const whole = run(example, '');
  const patched = run(example, schedule);
  for (const [k, v] of whole.perKind) {
    const e = kinds.get(k) ?? { instructions: 0, macs: 0 };
    kinds.set(k, { instructions: e.instructions + v.instructions, macs: e.macs + v.macs });
  }
  const extraInstructions = patched.instructions / whole.instructions - 1;
  const extraMacs = patched.macs / whole.macs - 1;
  rows.push(`| ${example.replace('.pnet', '')} | layer by layer | ${whole.instructions.toLocaleString('en')} | — | ${(whole.instructions / whole.macs).toFixed(2)} |`);
  rows.push(`| | ${schedule} | ${patched.instructions.toLocaleString('en')} (stage ${patched.stage.toLocaleString('en')}) | +${(100 * extraInstructions).toFixed(1)}% instructions vs +${(100 * extraMacs).toFixed(1)}% MACs | ${(patched.instructions / patched.macs).toFixed(2)} |`);
}
console.log('Whole models, exact instructions in QEMU (Cortex-M7, -O2, DSP path):\n');
console.log('| model | schedule | instructions | patch overhead | instructions / MAC |');
console.log('|---|---|---:|---|---:|');
for (const row of rows) console.log(row);
console.log('\nPer kernel kind, both models run layer by layer:\n');
console.log('| kernel | MACs | instructions | instructions / MAC |');
console.log('|---|---:|---:|---:|');
for (const [k, v] of [...kinds].sort((a, b) => b[1].macs - a[1].macs)) {
  console.log(`| ${k} | ${v.macs.toLocaleString('en')} | ${v.instructions.toLocaleString('en')} | ${v.macs ? (v.instructions / v.macs).toFixed(2) : '—'} |`);
}
