import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tfliteQModel } from '../../../server/src/core/import/tflite/quant';
import { importTflite } from '../../../server/src/core/import/tflite/tflite';
import { runReference } from '../../../server/src/core/quant/interpreter';
import { decodeBmp, readInputFile } from '../../../server/src/inputFile';
import { repoRoot } from '../../helpers';
import { sharedOrSkip, tfliteModels } from '../../support/sharedFiles';
import { runTflm, tflmOrSkip } from '../../support/tflm';
import { buildTflite, tinyModel } from '../../support/tfliteBuilder';

// `--input-file`: a .bin of the input tensor's bytes or an image quantized with the model's input
// parameters, for `reference` (and `firmware`, through the same quantizeForFirmware).

function patchwise(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'patchwise'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--input-file', () => {
  let dir = '';
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-input-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the test BMPs as TFLite Micro\'s test feeds them (person.bin is the BMP\'s pixels, top row first)', function () {
    for (const name of ['person', 'no_person']) {
      const bmp = decodeBmp(new Uint8Array(fs.readFileSync(sharedOrSkip(this, `models/tflite/testdata/${name}.bmp`))));
      const bin = fs.readFileSync(sharedOrSkip(this, `models/tflite/testdata/${name}.bin`));
      assert.deepEqual([bmp.w, bmp.h, bmp.c], [96, 96, 1]);
      assert.ok(Buffer.from(bmp.data).equals(bin), name);
    }
  });

  it('quantizes an image with the input parameters: p → p − 128, which scores [4, −4] and [77, −77] in TFLite Micro', function () {
    const tflm = tflmOrSkip(this);
    const model = fs.readFileSync(sharedOrSkip(this, tfliteModels.person));
    const quant = { scale: 0.007843137718737125, zeroPoint: -1 }; // person_detect's input
    const scores: number[][] = [];
    for (const name of ['person', 'no_person']) {
      const file = sharedOrSkip(this, `models/tflite/testdata/${name}.bmp`);
      const read = readInputFile(file, { h: 96, w: 96, c: 1 }, quant);
      const pixels = decodeBmp(new Uint8Array(fs.readFileSync(file))).data;
      assert.deepEqual([...read.input!], Array.from(pixels, (p) => p - 128));
      scores.push([...runTflm(tflm, model, new Uint8Array(read.input!.buffer)).output]);
    }
    assert.deepEqual(scores, [[4, -4], [77, -77]]);
  });

  it('says what is wrong with a file: size, kind, image size', () => {
    const shape = { h: 8, w: 8, c: 3 };
    const q = { scale: 0.5, zeroPoint: -1 };
    fs.writeFileSync(path.join(dir, 'short.bin'), new Uint8Array(100));
    fs.writeFileSync(path.join(dir, 'x.jpg'), new Uint8Array(10));
    fs.writeFileSync(path.join(dir, 'small.pgm'), 'P2 4 4 255 ' + '0 '.repeat(16));
    assert.match(readInputFile(path.join(dir, 'short.bin'), shape, q).problem!, /has 100 bytes; the 8×8×3 int8 input has 192/);
    assert.match(readInputFile(path.join(dir, 'x.jpg'), shape, q).problem!, /expected a \.bin/);
    assert.match(readInputFile(path.join(dir, 'small.pgm'), shape, q).problem!, /the image is 4×4; the model's input is 8×8/);
    assert.match(readInputFile(path.join(dir, 'absent.bin'), shape, q).problem!, /ENOENT/);
  });

  it('reference --input-file runs the .tflite on those bytes: the checksum of TFLite Micro\'s output', function () {
    const tflm = tflmOrSkip(this);
    const bytes = buildTflite(tinyModel());
    fs.writeFileSync(path.join(dir, 'tiny.tflite'), bytes);
    const input = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 7919) % 256);
    fs.writeFileSync(path.join(dir, 'in.bin'), input);
    const run = patchwise('reference', path.join(dir, 'tiny.tflite'), '--input-file', path.join(dir, 'in.bin'), '--json');
    assert.equal(run.status, 0, run.stderr);
    const model = importTflite(bytes).model!;
    const qm = tfliteQModel(bytes, model, new Int8Array(input.buffer)).qm!;
    const ours = runReference(qm);
    assert.deepEqual([...ours.output], [...runTflm(tflm, bytes, input).output]);
    assert.equal(JSON.parse(run.stdout).checksum, ours.checksum);
    const bad = patchwise('reference', path.join(dir, 'tiny.tflite'), '--input-file', path.join(dir, 'x.jpg'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /error PW4050 cannot run on the input file '.*x\.jpg': expected a \.bin/);
  });

  it('reference on person_detect with the test images: person 113 from person.bin, and the BMP quantized scores 4', function () {
    const file = sharedOrSkip(this, tfliteModels.person);
    const score = (input: string) => {
      const run = patchwise('reference', file, '--input-file', sharedOrSkip(this, `models/tflite/testdata/${input}`), '--json');
      assert.equal(run.status, 0, run.stderr);
      return (JSON.parse(run.stdout).top5 as [number, number][]).find(([i]) => i === 1)![1];
    };
    assert.deepEqual([score('person.bin'), score('no_person.bin'), score('person.bmp'), score('no_person.bmp')], [113, -57, -4, -77]);
  });

  it('host firmware on the two test images gives TFLite Micro\'s bytes: person 113, no person −57', function () {
    this.timeout(300_000);
    const tflm = tflmOrSkip(this);
    const model = sharedOrSkip(this, tfliteModels.person);
    const scores: number[] = [];
    for (const name of ['person', 'no_person']) {
      const bin = sharedOrSkip(this, `models/tflite/testdata/${name}.bin`);
      const run = patchwise('firmware', model, '--input-file', bin, '--run', 'host', '--json');
      assert.equal(run.status, 0, run.stderr);
      const report = JSON.parse(run.stdout) as { top5: [number, number][]; matchesReference: boolean; measuredArenaBytes: number; predictedArenaBytes: number };
      assert.ok(report.matchesReference, name);
      assert.ok(report.measuredArenaBytes <= report.predictedArenaBytes);
      // Two outputs: top-5 is all of them, by score.
      const oracle = runTflm(tflm, new Uint8Array(fs.readFileSync(model)), new Uint8Array(fs.readFileSync(bin))).output;
      const firmware = new Int8Array(2);
      for (const [i, v] of report.top5) firmware[i] = v;
      assert.deepEqual([...firmware], [...oracle], name);
      scores.push(firmware[1]);
    }
    assert.deepEqual(scores, [113, -57]);
  });
});
