import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileSystem } from '../../../server/src/core/engine';
import { getLanguageService } from '../../../server/src/core/services/languageService';
import { onnxModelView } from '../../../server/src/core/services/onnxModel';
import { repoRoot } from '../../helpers';
import { sharedOrSkip, tfliteModels } from '../../support/sharedFiles';
import { buildTflite, tinyModel } from '../../support/tfliteBuilder';

// A .tflite file wherever an .onnx one works: `model NAME from "x.tflite"` with its hover and until=
// completion by tensor name, the custom editor's analysis, and the CLI on the file directly.

function memoryFs(files: Record<string, Uint8Array>): FileSystem {
  return { readFile: (p) => files[p], resolve: (base, rel) => path.posix.join(path.posix.dirname(base), rel) };
}

function patchwise(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'patchwise'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a .tflite model everywhere an .onnx one works', () => {
  const files = { '/m/tiny.tflite': buildTflite(tinyModel()) };
  const ls = getLanguageService({ fs: memoryFs(files) });

  it('from "x.tflite": the hover on the from line sums the import up', () => {
    const doc = ls.analyze('model tiny from "tiny.tflite"\ntarget stm32f746\n', undefined, '/m/tiny.pnet');
    assert.deepEqual(doc.analysis.diagnostics.filter((d) => d.severity === 'error'), []);
    const hover = ls.doHover(doc, { line: 0, character: 20 })!.contents;
    assert.match(hover, /^\*\*from "tiny\.tflite"\*\*: 3 layers in 3 blocks/);
  });

  it('until= completes the tensor names a patch stage can end at, and takes one', () => {
    const text = 'model tiny from "tiny.tflite"\ntarget stm32f746\nschedule patch=2x2 until=';
    const doc = ls.analyze(text, undefined, '/m/tiny.pnet');
    const names = ls.doComplete(doc, { line: 2, character: 25 }).map((c) => c.label).filter((l) => !/^block\d+$/.test(l));
    assert.deepEqual(names, ['conv', 'dw']);
    const scheduled = ls.analyze(`${text}dw\n`, undefined, '/m/tiny.pnet');
    assert.deepEqual(scheduled.analysis.model?.schedule?.untilBlock, 1);
  });

  it('the custom editor analyses it as the schedule file it would write', () => {
    const view = onnxModelView(memoryFs(files), '/m/tiny.tflite', 'file:///m/tiny.tflite');
    assert.deepEqual(view.diagnostics, []);
    assert.equal(view.scheduleFile, 'model tiny from "tiny.tflite"\ntarget stm32f746\n');
    assert.equal(view.data.layers.length, 3);
  });

  it('the CLI analyses and optimizes a .tflite file given directly', function () {
    const file = sharedOrSkip(this, tfliteModels.person);
    const analyze = patchwise('analyze', file, '--json');
    assert.equal(analyze.status, 0, analyze.stderr);
    const report = JSON.parse(analyze.stdout);
    assert.deepEqual([report.model, report.macs.total, report.perLayer.peakBytes], ['person_detect', 7_157_888, 55_296]);
    const mbv2 = patchwise('optimize', sharedOrSkip(this, tfliteModels.mobilenetv2), '--sram', '256KiB', '--json');
    assert.equal(mbv2.status, 0, mbv2.stderr);
    assert.ok(JSON.parse(mbv2.stdout).best.peakBytes <= 256 * 1024);
  });

  it('the CLI says where a .pnet from a broken .tflite goes wrong', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-tflite-'));
    try {
      fs.writeFileSync(path.join(dir, 'net.tflite'), buildTflite({ ...tinyModel(), operators: tinyModel().operators.map((o, i) => (i === 1 ? { ...o, code: 150 } : o)) }));
      fs.writeFileSync(path.join(dir, 'net.pnet'), 'model net from "net.tflite"\ntarget stm32f746\n');
      const r = patchwise('analyze', path.join(dir, 'net.pnet'));
      assert.equal(r.status, 2);
      assert.match(r.stderr, /net\.pnet:1:16: error PW7002 operator 1 \(GELU\) writing 'dw' is not supported/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
