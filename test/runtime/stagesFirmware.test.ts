import { strict as assert } from 'assert';
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { planArena } from '../../server/src/core/codegen/arenaPlan';
import { checkRuntimeSupport } from '../../server/src/core/codegen/support';
import { analyzeText } from '../../server/src/core/engine';
import { buildFirmware } from '../../server/src/firmware';
import { readExample } from '../helpers';
import { planPeakBytes } from './planPeak';
import { buildArchive } from './runtimeArchive';
import { randomModel, randomSchedule, scheduleChoices } from './randomModels';

// Schedules beyond MCUNetV2 in the firmware: several patch stages (a stage may start after block 0),
// row caches, row and column caches, streamed runs. The host firmware must print the TypeScript reference's bytes (which runs layer by
// layer), the plan must use exactly the analysis' peak, and the measured arena stay within it.

const hex = (bytes: Int8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

function runStaged(name: string, text: string, schedule: string, archive: string): Record<string, unknown> {
  const result = buildFirmware({ file: `${name}.pnet`, text, schedule, run: 'host', dumpOutput: true, runtimeArchive: archive });
  const where = `${name} with ${schedule.replace(/\n/g, ' ; ')}:\n${text}`;
  assert.deepEqual(result.diagnostics, [], `${where}: ${JSON.stringify(result.diagnostics)}`);
  assert.equal(result.failure, undefined, `${where}: ${result.failure?.message}`);
  const r = result.report!;
  const report = result.analysis.report!;
  assert.equal(r.output, hex(result.reference!.output), `output bytes differ from the reference for ${where}`);
  assert.equal(r.matchesReference, true);
  assert.equal(r.predictedPeakBytes, report.peakBytes);
  assert.ok((r.measuredArenaBytes as number) <= (r.predictedArenaBytes as number), `arena ${r.measuredArenaBytes} > ${r.predictedArenaBytes} for ${where}`);
  const plan = planArena(result.analysis.model!, report);
  assert.equal(planPeakBytes(plan, result.analysis.model!), report.peakBytes, `plan peak for ${where}`);
  return r;
}

describe('firmware beyond MCUNetV2: several patch stages, row and column caches, streamed runs, byte for byte', function () {
  this.timeout(900_000);
  let dir: string;
  let archive: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-stages-'));
    archive = buildArchive(dir, 'pw', []);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('mbv2-w0.35-r144: two stages, a stage after block 0, row caches, row and column caches, streamed runs; the measured arena is the prediction', () => {
    const text = readExample('mbv2-w0.35-r144.pnet');
    const schedules = [
      'patch=3x3 until=block4\nschedule patch=2x2 from=block5 until=block8',
      'patch=2x2 from=block2 until=block6',
      'patch=3x3 until=block4 cache=rows',
      'patch=8x1 until=block6 cache=rows\nschedule patch=4x2 from=block7 until=block12 cache=rows',
      'patch=3x3 until=block4 cache=rows+cols',
      'patch=20x20 until=block2 cache=rows+cols\nschedule patch=8x8 until=block8 cache=rows+cols',
      'patch=3x3 until=block4\nschedule stream from=block5 until=block6 band=2',
      // What optimize --beyond finds: every pixel once, 18.8 KiB.
      'patch=20x20 until=block2 cache=rows+cols\nschedule stream until=block3 band=1\nschedule stream until=block4 band=1\nschedule stream until=block6 band=1\nschedule patch=8x8 until=block8 cache=rows+cols',
    ];
    for (const schedule of schedules) {
      const r = runStaged('mbv2', text, schedule, archive);
      assert.equal(r.measuredArenaBytes, r.predictedArenaBytes, schedule);
    }
  });

  it('random chains with 1 to 3 random stages of every kind and streamed runs: host firmware = reference', () => {
    const kinds = new Set<string>();
    const arbitrary = fc.record({ seed: fc.integer({ min: 1, max: 100_000 }), choices: scheduleChoices });
    let ran = 0;
    fc.assert(
      fc.property(arbitrary, ({ seed, choices }) => {
        const { text } = randomModel(seed);
        const { schedule, runs } = randomSchedule(analyzeText(text).model!, choices);
        runs.forEach((r, i) => kinds.add(`${r.kind}${r.later ? ' later' : ''}${i > 0 ? ' several' : ''}`));
        fc.pre(!analyzeText(text, { schedule }).hasErrors);
        runStaged(`random-${seed}`, text, schedule, archive);
        ran++;
      }),
      { seed: 0x57a6e5, numRuns: 80 },
    );
    console.log(`      ran ${ran} nets; kinds: ${[...kinds].sort().join(', ')}`);
    assert.ok(ran >= 60, `${ran} nets ran`);
    for (const k of ['none', 'rows', 'rows+cols', 'stream', 'rows later', 'rows+cols later', 'stream later', 'none later several', 'rows later several', 'rows+cols later several', 'stream later several']) assert.ok(kinds.has(k), `no ${k} stage`);
  });

  it('refuses no schedule line of a chain model: every kind runs', () => {
    const text = readExample('mbv2-w0.35-r144.pnet').replace(/^schedule .*$/m, '');
    const schedule = 'schedule patch=3x3 until=block4 cache=rows\nschedule patch=2x2 from=block5 until=block8 cache=rows+cols\nschedule stream from=block10 until=block12 band=2';
    const analysis = analyzeText(`${text}${schedule}\n`);
    assert.equal(analysis.hasErrors, false);
    assert.deepEqual(checkRuntimeSupport(analysis.model!), []);
  });
});
