import { strict as assert } from 'assert';
import { formatReport } from '../../server/src/cliFormat';
import { analyzeText } from '../../server/src/core/engine';
import { importOnnx } from '../../server/src/core/import/onnx';
import { analyzeModel } from '../../server/src/core/analysis/analyze';
import { shown } from '../../server/src/core/language/shown';
import { OnnxBuilder } from '../import/onnxModels';

// Issue 15, item 8: text from a file (ONNX names, stray characters) is escaped and shortened in every
// message and report: no newline, ANSI escape, U+2028 or bidi control reaches a terminal or an editor.

const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('text from files in messages', () => {
  it('escapes controls, separators and bidi controls, and shortens', () => {
    assert.equal(shown('a\nb\u001b[31mc\u2028d\u202ee'), 'a\\u000ab\\u001b[31mc\\u2028d\\u202ee');
    assert.equal(shown('x'.repeat(100), 10), 'xxxxxxxxxx…');
    assert.equal(shown('\ud83d\ude00 ok'), '\ud83d\ude00 ok', 'a surrogate pair is a character, kept');
    assert.equal(shown('\ud83d'), '\\ud83d', 'a lone surrogate is escaped');
    // The bound is on what is shown: escapes count six characters, and none is cut in half.
    assert.equal(shown('\u0001'.repeat(400), 400).length, 6 * 66 + 1);
    assert.equal(shown('ab\u0001cd', 5), 'ab…');
    assert.equal(shown('ab\u0001cd', 8), 'ab\\u0001…');
  });

  it('PW1009 shows U+2028 escaped', () => {
    const d = analyzeText('input 8x8x3\nconv out=8 k=3 \u2028\n').diagnostics.find((x) => x.code === 'PW1009');
    assert.ok(d, 'PW1009');
    assert.equal(d.message, "invalid character '\\u2028'");
  });

  it('ONNX node and tensor names with newlines and ANSI codes are escaped in messages and in the report', () => {
    const evil = 'conv\n\u001b[2J\u001b[31mred\u2028' + 'x'.repeat(500);
    const m = new OnnxBuilder();
    const x = m.input('image', [1, 3, 8, 8]);
    const w = m.init('w', [4, 3, 3, 3]);
    const y = m.node('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, ['y'], evil);
    m.node('Relu', [y, `missing\u001b]0;title\u0007`], {}, ['z'], evil + '2');
    m.output('z', [1, 4, 8, 8]);
    const imported = importOnnx(m.bytes());
    for (const d of imported.diagnostics) {
      assert.doesNotMatch(d.message, unsafe, d.message);
      assert.ok(d.message.length < 1000, `${d.message.length} characters`);
    }
    if (imported.model) {
      for (const line of formatReport(analyzeModel(imported.model)).split('\n')) assert.doesNotMatch(line, unsafe);
    }
    const conv = new OnnxBuilder();
    const cx = conv.input('image', [1, 3, 8, 8]);
    conv.node('Conv', [cx, conv.init('w', [4, 3, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, ['y'], evil);
    conv.output('y', [1, 4, 8, 8]);
    const ok = importOnnx(conv.bytes());
    assert.ok(ok.model, JSON.stringify(ok.diagnostics));
    for (const line of formatReport(analyzeModel(ok.model)).split('\n')) assert.doesNotMatch(line, unsafe);
    assert.match(ok.model.layers[0].name, /\\u000a\\u001b\[2J/);
  });
});
