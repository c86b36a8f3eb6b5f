import * as fs from 'fs';
import * as path from 'path';
import { analyzeModel } from '../server/src/core/analysis/analyze';
import { Candidate, searchSchedules } from '../server/src/core/analysis/search';
import { tfliteQModel } from '../server/src/core/import/tflite/quant';
import { importTflite } from '../server/src/core/import/tflite/tflite';
import { fnv1a, hex8 } from '../server/src/core/quant/random';
import { findTarget } from '../server/src/core/targets';
import { Board, buildFirmware } from '../server/src/firmware';
import { sharedRoot, tfliteModels } from '../test/support/sharedFiles';
import { runTflm, seededInputs, tflmFeed, withInt8Output } from '../test/support/tflm';

// The README's "TFLite models" table: for each real .tflite of ../shared/models/tflite, the
// analysis' peak layer by layer, the schedules the search finds for the F746 (lowest peak, fewest
// MACs within 320 KiB), what the firmware runs on QEMU's Cortex-M7 (mps2-an500; the host for a model
// whose weights exceed the F746's flash) with the arena it measured and the exact instruction count,
// and TensorFlow Lite Micro's arenaUsedBytes for the same file. Every run's output is checked
// against tflm_run on the same seeded random input. `node out/bench/tfliteFirmware.js` (needs
// arm-none-eabi-gcc, qemu-system-arm and ../shared/tools/tflm_run).

const f746 = findTarget('stm32f746')!;
const tflm = path.join(sharedRoot, 'tools', 'tflm_run');
/** The F746's flash: a model whose weights exceed it runs on the host instead. */
const flashBytes = 1 << 20;

/** What the papers report for the same networks. */
const published: Record<string, string> = {
  'mcunet-vww1': 'TinyEngine 92 kB peak (STM32H743); MCUNet 162 kB SRAM (STM32F746)',
  mobilenet_v2_quantized_1x3x224x224: 'MCUNetV2 Table 1: 1372 kB layer by layer, 172 kB with patch=4x4 until=block4',
};

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const int = (n: number) => n.toLocaleString('en-US');
const scheduleOf = (c: Candidate) => (c.patch ? `patch=${c.patch[0]}x${c.patch[1]} until=block${c.untilBlock}` : '');
const describe = (c: Candidate) => `${c.patch ? scheduleOf(c) : 'layer by layer'}: ${kib(c.peakBytes)}, ${(c.macs / 1e6).toFixed(1)}M MACs`;

interface Run {
  schedule: string;
  board: Board;
  arena?: number;
  instructions?: number;
  /** Why the firmware did not run it. */
  refused?: string;
}

function runFirmware(file: string, input: Int8Array, expected: string, board: Board, schedule: string): Run {
  const r = buildFirmware({ file, text: `model m from "${path.basename(file)}"\n`, schedule, board, run: board === 'host' ? 'host' : 'qemu', input, timeoutSeconds: 600 });
  if (r.diagnostics.length > 0) return { schedule, board, refused: r.diagnostics.map((d) => d.message).join('; ') };
  if (!r.report) throw new Error(`${file} ${schedule}: ${r.failure?.message}`);
  if (r.report.checksum !== expected) throw new Error(`${file} ${schedule} on ${board}: output ${r.report.checksum}, TFLite Micro ${expected}`);
  return { schedule, board, arena: r.report.measuredArenaBytes as number, instructions: r.report.instructions as number | undefined };
}

function cell(run: Run): string {
  if (run.refused) return `not run: ${run.refused}`;
  const where = run.board === 'host' ? 'host' : 'QEMU';
  return `${int(run.arena!)} B (${where})${run.instructions ? `, ${int(run.instructions)} instr.` : ''}`;
}

function main(): void {
  console.log(`node ${process.version}, ${new Date().toISOString().slice(0, 10)}; every run's output = tflm_run's on random input 1\n`);
  console.log('| model | peak layer by layer | lowest peak (search, F746) | fewest MACs within 320 KiB | firmware, layer by layer: arena, instructions | firmware, lowest-peak schedule | TFLite Micro arenaUsedBytes (x86-64) | published |');
  console.log('|---|---:|---|---|---|---|---:|---|');
  for (const rel of Object.values(tfliteModels)) {
    const file = path.join(sharedRoot, rel);
    const bytes = new Uint8Array(fs.readFileSync(file));
    const model = importTflite(bytes).model!;
    const report = analyzeModel(model);
    const search = searchSchedules(model, f746.sramBytes);
    const quant = tfliteQModel(bytes, model);
    const input = seededInputs(quant.qm!.image.length, 1)[1];
    const expected = hex8(fnv1a(runTflm(tflm, withInt8Output(bytes), tflmFeed(quant, input)).output));
    // The file as it is (a moved output changes TFLite Micro's plan).
    const tflmArena = runTflm(tflm, bytes, tflmFeed(quant, input)).arenaUsedBytes;
    const board: Board = report.weightsBytes > flashBytes ? 'host' : 'qemu-mps2-an500';
    const lbl = runFirmware(file, input, expected, board, '');
    const lowest = search.pareto[0];
    const patched = lowest.patch ? cell(runFirmware(file, input, expected, board, scheduleOf(lowest))) : '(layer by layer is the lowest)';
    const best = search.best ? describe(search.best) : `none fits: ${search.reason}`;
    console.log(`| ${path.basename(rel, '.tflite')} | ${int(report.peakBytes)} B | ${describe(lowest)} | ${best} | ${cell(lbl)} | ${patched} | ${int(tflmArena)} B | ${published[path.basename(rel, '.tflite')] ?? ''} |`);
  }
}

main();
