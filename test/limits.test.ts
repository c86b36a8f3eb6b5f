import { strict as assert } from 'assert';
import { analyzeText } from '../server/src/core/engine';
import { checkRuntimeSupport } from '../server/src/core/codegen/support';
import { limits } from '../server/src/core/limits';
import { getLanguageService } from '../server/src/core/services/languageService';
import { runReference } from '../server/src/core/quant/interpreter';
import { quantizeModel } from '../server/src/core/quant/params';
import { analyzeOk } from './helpers';

// Issue 15, items 1-3 and 9: models that crashed the engine or filled the memory, and the limits
// (core/limits.ts) that refuse what no microcontroller could run, each with its code.

const codes = (text: string) => analyzeText(text).diagnostics.map((d) => d.code);

describe('resource limits and the crashes of issue 15', () => {
  it('item 1: a model that is one residual block over the streamed input is analysed (its sum has a buffer)', () => {
    const a = analyzeOk('input 8x8x4\nblock r {\nconv out=4 k=3\n} residual\n');
    // The conv's output cannot go over an image in flash: 8·8·4 bytes, nothing kept in SRAM.
    assert.equal(a.report.perLayer.peakBytes, 256);
    assert.equal(a.report.perLayer.peakLayer, 'block0.conv');
    // With a patch stage too (the same rule per patch).
    const staged = analyzeOk('input 8x8x4\nblock r {\nconv out=4 k=3\n} residual\nschedule patch=2x2 until=block0\n');
    assert.equal(staged.report.schedule!.stagePeakBytes, 256);
  });

  it('item 9: the firmware path refuses that model up front with PW4001 (the same check the CLI and editor commands run)', () => {
    const a = analyzeOk('input 8x8x4\nblock r {\nconv out=4 k=3\n} residual\n');
    assert.deepEqual(checkRuntimeSupport(a.model).map((d) => [d.code, d.message]), [['PW4001', 'the firmware runtime cannot run block 0 adds a shortcut over the network input']]);
    // …and the editor says so in Problems, on the block's line, before Generate Firmware is run.
    const service = getLanguageService();
    const shown = service.doValidation(service.analyze('input 8x8x4\nblock r {\nconv out=4 k=3\n} residual\n')).filter((d) => d.code === 'PW4001');
    assert.equal(shown.length, 1);
    assert.equal(shown[0].range.start.line, 1);
  });

  it('item 2: a fully connected layer over 131,072 inputs a channel quantizes and runs (no spread into Math.max)', () => {
    const a = analyzeOk('input 64x64x32\nfc out=2\n');
    const result = runReference(quantizeModel(a.model));
    assert.equal(result.output.length, 2);
  });

  it('item 3: an input or a tensor past 16 MiB is refused with PW6001 on its line, before anything is allocated', () => {
    const input = analyzeText('input 20000x20000x16\nconv out=4 k=3\n').diagnostics.find((d) => d.code === 'PW6001')!;
    assert.equal(input.range.start.line, 0);
    assert.match(input.message, /the input is 6400000000 bytes; the limit is 16777216 bytes/);
    const inner = analyzeText('input 1024x1024x8\nconv out=64 k=3\nconv out=8 k=1\n').diagnostics.filter((d) => d.code === 'PW6001');
    assert.deepEqual(inner.map((d) => d.range.start.line), [1]);
    assert.ok(!codes('input 1024x1024x16\nconv out=16 k=3\n').includes('PW6001'), '16 MiB itself is allowed');
  });

  it('weights past 64 MiB (PW6002) and MACs past 10 G (PW6003) are refused', () => {
    assert.ok(codes('input 1x1x8192\nfc out=8192\nfc out=8192\n').includes('PW6002'));
    assert.ok(!codes('input 1x1x4096\nfc out=4096\n').includes('PW6002'));
    assert.ok(codes('input 512x512x64\nconv out=64 k=3 repeat=200\n').includes('PW6003'));
  });

  it('repeats cannot build more than the layer limit (PW6004, once, on the line that passed it)', () => {
    const lines = ['input 8x8x8'];
    for (let i = 0; i < 300; i++) lines.push('conv out=8 k=1 repeat=1000');
    const a = analyzeText(lines.join('\n'));
    const found = a.diagnostics.filter((d) => d.code === 'PW6004');
    assert.equal(found.length, 1);
    assert.equal(found[0].range.start.line, 1 + limits.layers / 1000);
    assert.equal(a.model!.layers.length, limits.layers);
  });

  it('a text past the limit is refused whole with PW6005 (no parse)', () => {
    const a = analyzeText('#'.repeat(limits.textChars + 1));
    assert.deepEqual(a.diagnostics.map((d) => d.code), ['PW6005']);
    assert.equal(a.hasErrors, true);
  });
});
