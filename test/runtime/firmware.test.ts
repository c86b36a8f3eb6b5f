import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeText } from '../../server/src/core/engine';
import { Random } from '../../server/src/core/quant/random';
import { buildFirmware } from '../../server/src/firmware';
import { readExample, repoRoot } from '../helpers';
import { qoperatorModel } from '../import/quantModels';
import { randomModel } from './randomModels';
import { buildArchive } from './runtimeArchive';

// Whole models on the host: the generated C, built with gcc, must print the TypeScript
// reference's output byte for byte, with a patch schedule and layer by layer, and stay within the
// predicted arena, whose activation part is the analysis' peak.

const hex = (bytes: Int8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

function runChecked(name: string, text: string, schedule: string, archive: string): Record<string, unknown> {
  const result = buildFirmware({ file: `${name}.pnet`, text, schedule, run: 'host', dumpOutput: true, runtimeArchive: archive });
  assert.deepEqual(result.diagnostics, [], `${name}: ${JSON.stringify(result.diagnostics)}`);
  assert.equal(result.failure, undefined, `${name} (${schedule || 'layer by layer'}): ${result.failure}\n${text}`);
  const r = result.report!;
  const where = `${name} with ${schedule || 'layer by layer'}:\n${text}`;
  assert.equal(r.output, hex(result.reference!.output), `output bytes differ from the reference for ${where}`);
  assert.equal(r.checksum, result.reference!.checksum);
  assert.equal(r.matchesReference, true);
  assert.ok((r.measuredArenaBytes as number) <= (r.predictedArenaBytes as number), `arena ${r.measuredArenaBytes} > ${r.predictedArenaBytes} for ${where}`);
  assert.equal(r.predictedPeakBytes, result.analysis.report!.peakBytes);
  assert.equal(r.predictedArenaBytes, result.analysis.report!.peakBytes + result.analysis.report!.scratchBytes);
  return r;
}

describe('firmware on the host: the same bytes as the TypeScript reference', function () {
  this.timeout(900_000);
  let dir: string;
  let portable: string;
  let dsp: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-rt-'));
    portable = buildArchive(dir, 'pw', []);
    dsp = buildArchive(dir, 'pwdsp', ['-DPW_USE_DSP=1']);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('mbv2-w0.35-r144: its patch schedule and layer by layer, portable and DSP paths', () => {
    const text = readExample('mbv2-w0.35-r144.pnet');
    const patched = runChecked('mbv2', text, 'patch=3x3 until=block4', portable);
    const whole = runChecked('mbv2', text, '', portable);
    runChecked('mbv2', text, 'patch=4x4 until=block6', dsp);
    assert.equal(patched.checksum, whole.checksum);
    // The measured high-water mark is the planned arena exactly, for both.
    assert.equal(patched.measuredArenaBytes, patched.predictedArenaBytes);
    assert.equal(whole.measuredArenaBytes, whole.predictedArenaBytes);
  });

  it('50 random architectures, each with a random patch schedule and layer by layer', () => {
    const rng = new Random(0x5eed);
    const run: string[] = [];
    for (let seed = 1; seed <= 50; seed++) {
      const { text } = randomModel(seed);
      const model = analyzeText(text).model!;
      const patchable = model.blocks.findIndex((b) => model.layers.slice(b.firstLayer, b.endLayer).some((l) => l.kind === 'gpool' || l.kind === 'fc'));
      const last = (patchable < 0 ? model.blocks.length : patchable) - 1;
      const until = rng.int(0, last);
      const out = model.blocks[until].output;
      const schedule = `patch=${rng.int(1, Math.min(8, out.h))}x${rng.int(1, Math.min(8, out.w))} until=block${until}`;
      const archive = seed % 2 ? portable : dsp;
      const a = runChecked(`random-${seed}`, text, schedule, archive);
      const b = runChecked(`random-${seed}`, text, '', archive);
      assert.equal(a.checksum, b.checksum);
      run.push(`${seed}:${model.layers.length}L ${schedule}`);
    }
    console.log(`      ran ${run.length} models: ${run.join(', ')}`);
  });

  it('links the float-rule kernel instances only into models that use that rule (its Makefile says the same)', () => {
    // Built from the sources (no shared archive), so that the binary holds what this model's build links.
    const build = (name: string, file: string, text: string) => {
      const out = path.join(dir, name);
      const result = buildFirmware({ file, text, run: 'host', outDir: out });
      assert.equal(result.failure, undefined, `${name}: ${result.failure?.message}`);
      assert.equal(result.report!.matchesReference, true);
      const nm = spawnSync('nm', [path.join(out, 'model')], { encoding: 'utf8' });
      assert.equal(nm.status, 0, nm.stderr);
      return { symbols: nm.stdout, makefile: fs.readFileSync(path.join(out, 'Makefile'), 'utf8') };
    };
    const fixed = build('fixed', 'mbv2.pnet', readExample('mbv2-w0.35-r144.pnet'));
    assert.match(fixed.makefile, /CFLAGS \+= -DPW_FLOAT_RULE=0/);
    assert.match(fixed.symbols, / conv_1x1_fixed\b/);
    assert.doesNotMatch(fixed.symbols, /_float\b/);
    fs.writeFileSync(path.join(dir, 'qop.onnx'), qoperatorModel(7).bytes);
    const float = build('float', path.join(dir, 'qop.pnet'), 'model qop from "qop.onnx"\n');
    assert.doesNotMatch(float.makefile, /PW_FLOAT_RULE/);
    assert.match(float.symbols, / conv_1x1_float\b/);
  });

  it('refuses a model the runtime cannot express, naming the line, and writes nothing; runs the windows only the any-window kernels take', () => {
    const out = path.join(dir, 'never');
    const cli = (text: string, to = out) => {
      const file = path.join(dir, 'bad.pnet');
      fs.writeFileSync(file, text);
      return spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'patchwise'), 'firmware', file, '--run', 'host', '--out', to], { encoding: 'utf8' });
    };
    // A shortcut added by a pool: no kernel adds it.
    const pool = cli('input 32x32x3\nconv out=8 k=3\nblock r {\nconv out=8 k=3\npool avg k=3 s=1 pad=1\n} residual\n');
    assert.equal(pool.status, 2);
    assert.match(pool.stderr, /bad\.pnet:3:1: error PW4001 the firmware runtime cannot run block1\.1\.pool: a shortcut added after pool/);
    assert.equal(fs.existsSync(out), false, 'no partial output directory');
    // A k=9 conv, a grouped conv and a k=9 depthwise conv run (the window kernels, the graph runtime for the last two).
    for (const [i, text] of ['input 32x32x3\nconv out=8 k=3\nconv out=8 k=9\n', 'input 32x32x4\nconv out=8 k=3 groups=2\n', 'input 32x32x4\ndwconv k=9\n'].entries()) {
      const ran = cli(text, path.join(dir, `windows${i}`));
      assert.equal(ran.status, 0, `${text}: ${ran.stderr}`);
    }
  });

  it('refuses at once a model whose weights exceed the board\'s flash or whose arena exceeds its SRAM: no build, no folder', () => {
    const out = path.join(dir, 'never-mcu');
    // A toolchain that does not exist: reaching the build would fail with exit 3, not 1.
    const cli = (file: string, text: string) => {
      fs.writeFileSync(path.join(dir, file), text);
      return spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'patchwise'), 'firmware', path.join(dir, file), '--board', 'stm32f746', '--build', '--out', out, '--toolchain', '/nonexistent/arm-none-eabi-'], { encoding: 'utf8' });
    };
    const mbv2 = cli('mobilenetv2.pnet', readExample('mobilenetv2.pnet'));
    assert.equal(mbv2.status, 1, mbv2.stderr);
    assert.match(mbv2.stderr, /^patchwise: the firmware does not fit the 1024\.0 KiB of flash, over by \d+ B: the weights alone need \d+ B/m);
    assert.equal(fs.existsSync(out), false, 'no partial output directory');
    const big = cli('big.pnet', readExample('mbv2-w0.35-r144.pnet').replace('input 144x144x3', 'input 176x176x3').replace(/^schedule .*$/m, ''));
    assert.equal(big.status, 1, big.stderr);
    assert.match(big.stderr, /the firmware does not fit the 320\.0 KiB of SRAM, over by \d+ B before the stack and data: its arena needs \d+ B .*patchwise optimize/);
    assert.equal(fs.existsSync(out), false, 'no partial output directory');
  });
});
