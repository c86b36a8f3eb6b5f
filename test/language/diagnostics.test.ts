import { strict as assert } from 'assert';
import fc from 'fast-check';
import { analyzeText } from '../../server/src/core/engine';
import { parse } from '../../server/src/core/language/parser';
import { diagnosticCases } from '../helpers';

const header = 'model m\ninput 32x32x3\n';

describe('.pnet diagnostics', () => {
  const cases: [string, string, string, string][] = [
    // [what, source lines after the header, code, text the range covers]
    ['unknown op', 'convv out=8 k=3', 'PW1001', 'convv'],
    ['unknown key', 'conv out=8 kernel=3', 'PW1002', 'kernel'],
    ['bad number', 'conv out=8x k=3', 'PW1003', '8x'],
    ['number out of range', 'conv out=8 k=0', 'PW1003', '0'],
    ['missing value', 'conv out= k=3', 'PW1004', 'out='],
    ['duplicate key', 'conv out=8 out=16', 'PW1005', 'out'],
    ['missing required key', 'conv k=3', 'PW1006', 'conv'],
    ['unterminated string', 'model x from "a.onnx', 'PW1008', '"a.onnx'],
    ['invalid character', 'conv out=8 k=3 ;;', 'PW1009', ';;'],
    ['bad size', 'budget sram=lots', 'PW1010', 'lots'],
    ['unknown target', 'target esp32', 'PW1011', 'esp32'],
    ['duplicate statement', 'input 8x8x3', 'PW1012', 'input 8x8x3'],
    ['bad dimensions', 'conv out=8\nschedule patch=0x4 until=block0', 'PW1016', '0x4'],
    ['unmatched brace', '}', 'PW1014', '}'],
    ['bad activation', 'conv out=8 act=gelu', 'PW1016', 'gelu'],
    ['channel mismatch (in=)', 'conv out=8 k=3\nconv out=8 in=16', 'PW2003', '16'],
    ['channel mismatch (groups)', 'conv out=8 k=3 groups=2', 'PW2003', '2'],
    ['residual shape', 'block b {\n  conv out=8 k=3\n} residual', 'PW2004', 'block b {'],
    ['shape does not chain', 'conv out=8 k=7 s=2 pad=0\nconv out=8 k=15 pad=0', 'PW2005', '15'],
    ['until past the network', 'conv out=8 k=3\nschedule patch=2x2 until=block99', 'PW2006', 'block99'],
    ['until names nothing', 'conv out=8 k=3\nschedule patch=2x2 until=stem', 'PW2007', 'stem'],
    ['patch grid too fine', 'conv out=8 k=3 s=8\nschedule patch=8x8 until=block0', 'PW2008', '8x8'],
    ['global op in the stage', 'conv out=8 k=3\npool global\nschedule patch=2x2 until=block1', 'PW2009', 'block1'],
  ];
  diagnosticCases(header, cases);

  it('PW2001 when there is no input line, and no model', () => {
    const result = analyzeText('model m\nconv out=8\n');
    assert.deepEqual(result.diagnostics.map((d) => d.code), ['PW2001']);
    assert.equal(result.model, undefined);
    assert.ok(result.hasErrors);
  });

  it('an empty file is a diagnostic, not a crash', () => {
    const result = analyzeText('');
    assert.ok(result.hasErrors);
    assert.equal(result.diagnostics[0].code, 'PW2001');
  });

  it('PW1015 for a block left open, and the model is still built', () => {
    const result = analyzeText(header + 'block b {\n  conv out=8 k=3\n');
    assert.ok(result.diagnostics.some((d) => d.code === 'PW1015'));
    assert.equal(result.model?.blocks.length, 1);
  });

  it('keeps analysing after a bad line: the other layers are shaped and counted', () => {
    const result = analyzeText(header + 'conv out=16 k=3 s=2\nfrobnicate 3\nmbconv out=16 e=6 k=3 s=1\n');
    assert.deepEqual(result.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.code), ['PW1001']);
    assert.equal(result.model?.blocks.length, 2);
    assert.equal(result.report?.perLayer.peakBytes, 16 * 16 * 16 + 16 * 16 * 96);
  });

  it('warns once per line after fc, and reports a missing target as information', () => {
    const result = analyzeText('input 8x8x3\nfc out=10\nconv out=4\n');
    assert.deepEqual(result.diagnostics.map((d) => `${d.code}/${d.severity}`).sort(), ['PW2012/info', 'PW2013/warning']);
    assert.equal(result.hasErrors, false);
  });

  it('says when a file is binary', () => {
    const result = analyzeText('\u0000\u0001\u0002garbage\u0003');
    assert.equal(result.diagnostics[0].code, 'PW1018');
  });

  it('never throws on random text or random bytes, and every range lies inside the text', () => {
    const pieces = ['conv', 'mbconv', 'dwconv', 'pool', 'fc', 'input', 'schedule', 'block', 'target', 'budget', 'out=', 'k=', 's=', 'e=', 'repeat=', 'patch=', 'until=', '{', '}', '=', '"', '#', '\n', ' ', '3', '16', '224x224x3', 'x', 'global', 'block4', 'residual', '-1', '99999999999'];
    const structured = fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((p) => p.join(' '));
    const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1'));
    fc.assert(
      fc.property(fc.oneof(structured, bytes, fc.string({ maxLength: 200 })), (text) => {
        const result = analyzeText(text);
        const lines = text.split(/\r\n|\r|\n/);
        for (const d of result.diagnostics) {
          assert.ok(d.range.start.line < lines.length && d.range.end.character <= Math.max(lines[d.range.end.line]?.length ?? 0, 0) + 1, JSON.stringify(d));
        }
        return result.diagnostics.length > 0 || result.report !== undefined;
      }),
      { numRuns: 500, seed: 42 },
    );
  });

  it('parses MobileNetV2 syntax into statements with ranges', () => {
    const { ast, diagnostics } = parse('model x\ninput 8x8x3\nmbconv out=8 e=6 k=3 s=2 repeat=2  # two blocks\nschedule patch=2x3 until=block1\n');
    assert.deepEqual(diagnostics, []);
    const op = ast.items[0];
    assert.equal(op.kind, 'op');
    assert.equal(op.kind === 'op' && op.values.get('repeat'), 2);
    assert.deepEqual(ast.schedule?.patch, [2, 3]);
    assert.deepEqual(ast.schedule?.range, { start: { line: 3, character: 0 }, end: { line: 3, character: 31 } });
  });
});
