import { strict as assert } from 'assert';
import { readExample } from '../helpers';
import { completionsAt, hoverAt, service } from './caret';

const model = 'model m\ninput 32x32x3\ntarget stm32f412\nconv out=8 k=3 s=2\nmbconv out=8 e=6 k=3 s=1 name=first\n';

describe('completion', () => {
  it('offers ops and statements at the start of a line', () => {
    const labels = completionsAt(model + '|');
    for (const label of ['conv', 'dwconv', 'mbconv', 'pool', 'fc', 'input', 'target', 'budget', 'schedule', 'block']) assert.ok(labels.includes(label), label);
  });

  it('offers the keys an op does not have yet, required first', () => {
    const labels = completionsAt(model + 'mbconv out=16 |');
    assert.ok(labels.includes('e=') && labels.includes('k=') && labels.includes('repeat='));
    assert.ok(!labels.includes('out='));
    assert.deepEqual(completionsAt(model + 'pool |').slice(0, 3), ['global', 'avg', 'max']);
  });

  it('offers targets, activations, and the blocks for until=', () => {
    assert.deepEqual(completionsAt('target |'), ['stm32f746', 'stm32f412', 'stm32h743']);
    assert.deepEqual(completionsAt(model + 'conv out=8 act=|'), ['relu', 'relu6', 'none']);
    const blocks = completionsAt(model + 'schedule patch=2x2 until=|');
    assert.deepEqual(blocks, ['block0', 'block1', 'first']);
    assert.deepEqual(completionsAt(model + 'schedule patch=2x2 |'), ['until=', 'from=', 'cache=']);
    assert.deepEqual(completionsAt(model + 'schedule patch=2x2 until=block1 cache=|'), ['none', 'rows', 'rows+cols']);
  });

  it('offers nothing inside a comment', () => {
    assert.deepEqual(completionsAt(model + '# conv |'), []);
  });
});

describe('hover', () => {
  it('on each line of a schedule with several stages: that stage\'s blocks, grid, caches and buffers', () => {
    const staged = `${model}schedule patch=4x4 until=block0 cache=rows+cols\nsche|dule patch=2x2 until=block1 cache=rows\n`;
    const text = hoverAt(staged);
    assert.match(text, /\*\*stage 2 of 2\*\* blocks 1–1, patch=2x2: rows shared with the patch below cached, columns recomputed/);
    assert.match(text, /held input .* row caches .* column caches/);
    assert.match(hoverAt(staged.replace('sche|dule', 'schedule').replace('schedule patch=4x4', 'sche|dule patch=4x4')), /\*\*stage 1 of 2\*\* blocks 0–0, patch=4x4: rows and columns/);
  });

  it('on a layer line: shape, MACs, memory, receptive field', () => {
    const text = hoverAt(model.replace('conv out=8 k=3 s=2', 'co|nv out=8 k=3 s=2'));
    assert.match(text, /\*\*block 0\*\* · `conv k3 s2` · runs layer by layer/);
    assert.match(text, /Output 16×16×8 · 55\.3k MACs/);
    assert.match(text, /\*\*Receptive field\*\* 3×3 px · jump 2 · start −1/);
  });

  it('on a user block: the layers of the block and the shortcut', () => {
    const text = hoverAt('input 8x8x4\nblo|ck fire {\n  conv out=8 k=1\n  conv out=4 k=3\n} residual\n');
    assert.match(text, /\*\*block 0\*\* · `block fire \(residual\)` · shortcut/);
    assert.match(text, /`block0\.0\.conv`/);
    assert.match(text, /`block0\.1\.conv`/);
  });

  it('on input and target, and nothing on comments or blank lines', () => {
    assert.match(hoverAt('model m\ninp|ut 32x32x3\nconv out=8\n'), /\*\*input\*\* 32×32×3 int8, streamed/);
    assert.match(hoverAt('input 32x32x3\ntar|get stm32h743\nconv out=8\n'), /\*\*stm32h743\*\*: 512 KiB SRAM, 2 MiB flash/);
    assert.match(hoverAt('input 32x32x3\ntar|get stm32h743\nconv out=8\n', { sramBudget: '64KiB' }), /from the settings/);
    assert.equal(hoverAt('# a com|ment\ninput 32x32x3\nconv out=8\n'), '');
    assert.equal(hoverAt('input 32x32x3\nconv out=8   |   # x\n'), '');
  });
});

describe('outline, code lenses and inlay hints', () => {
  const doc = service.analyze(readExample('mobilenetv2.pnet'));

  it('lists the blocks with their layers', () => {
    const symbols = service.findDocumentSymbols(doc);
    const blocks = symbols.filter((s) => s.kind === 'block');
    assert.equal(blocks.length, 21);
    assert.equal(blocks[2].name, 'block 2: mbconv e6 k3 s2');
    assert.deepEqual(blocks[2].children.map((c) => c.name), ['block2.expand', 'block2.dw', 'block2.project']);
    assert.deepEqual(symbols.filter((s) => s.kind === 'statement').map((s) => s.name), ['input', 'target', 'schedule']);
  });

  it('is quiet by default: one summary lens on the model line, the lenses of blocks over budget, no hints', () => {
    assert.deepEqual(service.findCodeLenses(doc).map((l) => [l.range.start.line, l.title]), [[4, 'peak 171.5 KiB · 54% of budget (block 5)']]);
    assert.deepEqual(service.findInlayHints(doc), []);
    const over = service.analyze(readExample('mobilenetv2.pnet').replace('patch=4x4', 'patch=2x2'));
    assert.deepEqual(service.findCodeLenses(over).map((l) => l.title), ['peak 431.5 KiB · 135% of budget (block 2)', 'blocks 2–3: peak 431.5 KiB · 135% of budget · patch stage · over budget']);
  });

  it('puts one lens per block line with the peak and its share of the budget (codeLens.blocks)', () => {
    const lenses = service.findCodeLenses(doc, { codeLens: { blocks: true } });
    assert.equal(lenses.length, 11);
    assert.equal(lenses[2].title, 'blocks 2–3: peak 158.5 KiB · 50% of budget · patch stage');
    assert.equal(lenses[3].title, 'blocks 4–6: peak 171.5 KiB · 54% of budget · block 4 in the patch stage');
  });

  it('shows the output shape at the end of each block line (inlayHints.shapes)', () => {
    const hints = service.findInlayHints(doc, { inlayHints: { shapes: true } });
    assert.equal(hints[0].label, ' → 112×112×32');
    assert.equal(hints[hints.length - 1].label, ' → 1×1×1000');
  });
});

describe('validation of several stages', () => {
  it('puts a stage over the budget on its own schedule line, paired with the block where it peaks', () => {
    const text = `model m\ninput 64x64x3\nbudget sram=40KiB\nconv out=16 k=3 s=2\nmbconv out=16 e=6 k=3 s=1\nmbconv out=24 e=6 k=3 s=2\nschedule patch=4x4 until=block1 cache=rows+cols\nschedule patch=1x1 until=block2\n`;
    const doc = service.analyze(text);
    const over = service.doValidation(doc).filter((d) => d.code === 'PW3001');
    assert.equal(over.length, 2);
    assert.equal(over[0].range.start.line, 7);
    assert.match(over[0].message, /^stage 2 \(blocks 2-2\) needs .* > 40 KiB, at block 2/);
    assert.equal(over[1].range.start.line, 5);
    assert.match(over[1].message, /stage 2 needs .* per patch \+ .* held input \+ .* stage output \+ .* caches = /);
  });
});
