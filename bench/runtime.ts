import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFirmware } from '../server/src/firmware';

// The int8 runtime on the host: MobileNetV2-0.35-144 layer by layer vs with its patch schedule
// (best of 20 runs, both paths), and the size of what is generated. `npm run bench`.

const root = path.resolve(__dirname, '..', '..');
const text = fs.readFileSync(path.join(root, 'examples', 'mbv2-w0.35-r144.pnet'), 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-bench-'));
try {
  const rows: string[] = [];
  let baseline = 0;
  for (const [name, schedule] of [['layer by layer', ''], ['patch=3x3 until=block4', 'patch=3x3 until=block4'], ['patch=4x4 until=block4', 'patch=4x4 until=block4']]) {
    for (const dsp of [false, true]) {
      const out = path.join(dir, `${schedule || 'lbl'}-${dsp}`);
      const r = buildFirmware({ file: 'mbv2-w0.35-r144.pnet', text, schedule, outDir: out, run: 'host', repeats: 20, cflags: dsp ? ['-DPW_USE_DSP=1'] : [] }).report!;
      const micros = r.runMicros as number;
      if (!baseline) baseline = micros;
      const size = spawnSync('size', [path.join(out, 'model')], { encoding: 'utf8' }).stdout.split('\n')[1]?.trim().split(/\s+/) ?? [];
      rows.push(`| ${name} | ${dsp ? 'DSP (emulated)' : 'portable'} | ${(micros / 1000).toFixed(2)} ms | ×${(micros / baseline).toFixed(2)} | ${r.predictedArenaBytes} B | ${r.measuredArenaBytes} B | ${size[0]} B | ${r.checksum} |`);
    }
  }
  const sources = path.join(dir, 'lbl-false');
  const bytes = (f: string) => fs.statSync(path.join(sources, f)).size;
  console.log(`node ${process.version}, gcc -O2 on this machine; MobileNetV2-0.35-144 (23.5M MACs)\n`);
  console.log('| schedule | kernels | host time (best of 20) | vs layer by layer | arena predicted | arena measured | binary text | checksum |');
  console.log('|---|---|---:|---:|---:|---:|---:|---|');
  for (const row of rows) console.log(row);
  console.log(`\nGenerated sources: model.c ${bytes('model.c')} B, weights.c ${bytes('weights.c')} B, model.h ${bytes('model.h')} B.`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
