import { strict as assert } from 'assert';
import * as path from 'path';
import { checkRuntimeSupport } from '../../server/src/core/codegen/support';
import { analyzeText, applyEdits, FileSystem } from '../../server/src/core/engine';
import { getLanguageService } from '../../server/src/core/services/languageService';
import { readExample } from '../helpers';
import { OnnxBuilder } from '../import/onnxModels';
import { fetchOrSkip, ocrClassifier } from '../support/npmModels';

// What the editor underlines must be what the firmware and the budget will say: the runtime's
// refusals (PW4001) before Generate Firmware runs, and, when no schedule fits, the model changes
// that would — each found by analysing the changed model, and offered as an enabled quick fix.

const service = getLanguageService();
const validate = (text: string) => {
  const doc = service.analyze(text);
  return { doc, diagnostics: service.doValidation(doc) };
};

const clsText = 'model cls from "cls.onnx"\ninput 48x192x3\ntarget stm32f746\n';

/** A language service whose file system holds one model file. */
function serviceFor(file: string, bytes: Uint8Array) {
  const fs: FileSystem = { readFile: (p) => (p === file ? bytes : undefined), resolve: (base, rel) => path.posix.join(path.posix.dirname(base), rel) };
  return getLanguageService({ fs });
}

describe('validation: what the firmware cannot run', () => {
  it('puts PW4001 at the layer line of a .pnet model, from the runtime check the firmware makes', () => {
    // A conv k=9 or groups=2 runs (the any-window kernels); a shortcut added by a pool does not.
    const text = 'model bad\ninput 32x32x3\nconv out=8 k=9 groups=1\nconv out=8 k=3 groups=2\nblock r {\nconv out=8 k=3\npool avg k=3 s=1 pad=1\n} residual\n';
    const { doc, diagnostics } = validate(text);
    const refusals = diagnostics.filter((d) => d.code === 'PW4001');
    assert.equal(refusals.length, 1, JSON.stringify(diagnostics));
    assert.equal(refusals[0].severity, 'error');
    assert.equal(refusals[0].range.start.line, 6, 'the pool\'s line');
    assert.match(refusals[0].message, /block2\.1\.pool: a shortcut added after a pool/);
    assert.deepEqual(refusals, checkRuntimeSupport(doc.analysis.model!));
    assert.deepEqual(checkRuntimeSupport(validate(text.replace(/block r[^]*$/, '')).doc.analysis.model!), [], 'k=9 and groups=2 run');
  });

  it('carries the PP-OCR classifier\'s activations: no PW4001, no PW5014 (HardSwish, HardSigmoid and Softmax are layers)', function () {
    const bytes = fetchOrSkip(this, ocrClassifier);
    const doc = serviceFor('/m/cls.onnx', bytes).analyze(clsText, {}, '/m/cls.pnet');
    assert.equal(doc.analysis.hasErrors, false, 'the import itself is clean');
    const diagnostics = getLanguageService().doValidation(doc);
    assert.deepEqual(diagnostics.filter((d) => d.code === 'PW4001' || d.code === 'PW5014').map((d) => d.message), []);
    assert.deepEqual(checkRuntimeSupport(doc.analysis.model!), []);
    assert.ok(doc.analysis.model!.layers.some((l) => l.kind === 'softmax'));
  });

  it('puts the refusal of an activation no kernel runs (PRelu sloped along the columns) on the from line, naming the ONNX node, before any firmware', () => {
    const m = new OnnxBuilder();
    const x = m.conv(m.input('x', [1, 3, 8, 8]), 3, 8, 3, 1, { bn: false, act: 'none' });
    // Its slope of shape [8] broadcasts along the columns: a table a column, which no kernel runs.
    m.output(m.conv(m.node('PRelu', [x, m.init('slope', [8], [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2])], {}, undefined, 'prelu_1'), 8, 4, 1, 1, { bn: false, act: 'none' }));
    const text = 'model e from "e.onnx"\ntarget stm32f746\n';
    const service = serviceFor('/m/e.onnx', m.bytes());
    const doc = service.analyze(text, {}, '/m/e.pnet');
    const refusals = service.doValidation(doc).filter((d) => d.severity === 'error');
    assert.equal(refusals.length, 1, JSON.stringify(refusals.map((r) => r.message)));
    assert.equal(refusals[0].code, 'PW5008');
    assert.equal(refusals[0].range.start.line, 0);
    assert.equal(text.slice(refusals[0].range.start.character, refusals[0].range.end.character), '"e.onnx"');
    assert.match(refusals[0].message, /PRelu node 'prelu_1' .*slope of shape \[8\]/, refusals[0].message);
  });
});

describe('validation: when nothing fits, what would', () => {
  it('names the schedule that fits when one does', () => {
    const { diagnostics } = validate(readExample('mbv2-w0.35-r144.pnet').replace(/^target .*$/m, 'budget sram=48KiB'));
    const onSchedule = diagnostics.find((d) => d.code === 'PW3001' && d.related?.length)!;
    assert.match(onSchedule.message, /; patch=\d+x\d+ until=block\d+ \(peak [\d.]+ KiB, \+[\d.]+% MACs\) fits \(quick fix\)$/);
  });

  it('MobileNetV2 at 160 KiB: the diagnostic names a smaller input and a narrower width that fit, and each quick fix makes the file fit', () => {
    const text = readExample('mobilenetv2.pnet').replace(/^target .*$/m, 'budget sram=160KiB');
    const { doc, diagnostics } = validate(text);
    assert.equal(doc.search!.best, null, 'no schedule of this model fits 160 KiB');
    const onSchedule = diagnostics.find((d) => d.code === 'PW3002' && d.range.start.line === doc.analysis.ast.schedule!.line)!;
    assert.match(onSchedule.message, /no schedule fits 160 KiB; what would: input (\d+)x\1x3 with patch=\d+x\d+ until=block\d+ \(peak [\d.]+ KiB\); or width ×0\.\d+ with /);
    assert.doesNotMatch(onSchedule.message, /may help/);
    const actions = service.doCodeActions(doc, diagnostics);
    assert.ok(actions.length >= 2, JSON.stringify(actions.map((a) => a.title)));
    assert.ok(actions.every((a) => !a.disabled && a.edits.length > 0), 'visible (enabled) actions');
    for (const action of actions) {
      const fixed = analyzeText(applyEdits(text, action.edits));
      assert.equal(fixed.hasErrors, false, action.title);
      assert.ok(fixed.report!.fitsSram, `${action.title}: peak ${fixed.report!.peakBytes}`);
      const peak = /peak ([\d.]+) KiB/.exec(action.title)![1];
      assert.equal((fixed.report!.peakBytes / 1024).toFixed(1), peak, action.title);
    }
    // The input named is the largest that fits: 16 pixels more does not.
    const side = Number(/input (\d+)x/.exec(onSchedule.message)![1]);
    const larger = service.analyze(text.replace('input 224x224x3', `input ${side + 16}x${side + 16}x3`));
    assert.equal(larger.search!.best, null, `input ${side + 16} does not fit either`);
  });

  it('offers a larger built-in target, replacing the budget line, when that is what fits', () => {
    const text = readExample('mbv2-w0.35-r144.pnet').replace(/^target .*$/m, 'budget sram=16KiB');
    const { doc, diagnostics } = validate(text);
    const target = service.doCodeActions(doc, diagnostics).find((a) => /target stm32f412/.test(a.title));
    assert.ok(target, 'the smallest target with more SRAM that fits');
    const fixed = applyEdits(text, target.edits);
    assert.match(fixed, /^target stm32f412$/m);
    assert.doesNotMatch(fixed, /^budget/m);
    assert.ok(analyzeText(fixed).report!.fitsSram);
  });

  it('says so when no input, width or target the analysis tries makes it fit', () => {
    // The largest built-in target; its 512 KiB output cannot shrink by width (the last out= stays).
    const { doc, diagnostics } = validate('model wide\ninput 16x16x3\ntarget stm32h743\nconv out=2048 k=3\nconv out=2048 k=3\n');
    const over = diagnostics.find((d) => d.code === 'PW3004')!;
    assert.match(over.message, /no schedule fits 512 KiB \(.+\), and no smaller input, narrower width or larger built-in target makes one fit$/);
    assert.deepEqual(service.doCodeActions(doc, diagnostics).map((a) => a.disabled !== undefined), [true]);
  });
});
