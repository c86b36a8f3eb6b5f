import { strict as assert } from 'assert';
import { formatReport } from '../server/src/cliFormat';
import { AnalysisReport } from '../server/src/core/analysis/analyze';
import { analyzeDocument } from '../server/src/core/services/document';
import { findCodeLenses, findDocumentSymbols, findInlayHints } from '../server/src/core/services/outline';
import { analyzeOk, chainModel } from './helpers';

// Issue 15, item 5: the text report and the editor's outline stay linear in the model's size. The
// sizes are chosen so that the quadratic versions could not finish within the test's timeout (the
// report filtered all layers per block: 54 s for 100,000 lines), while the linear ones take seconds.

/** A report of `n` one-layer blocks, made by copying one analysed block (analysing n lines is slower). */
function wideReport(n: number): AnalysisReport {
  const one = analyzeOk('input 16x16x8\nconv out=8 k=1\n').report;
  const block = one.blocks[0];
  const layer = one.layers[0];
  return {
    ...one,
    blocks: Array.from({ length: n }, (_, i) => ({ ...block, index: i, line: i + 3 })),
    layers: Array.from({ length: n }, (_, i) => ({ ...layer, block: i, name: `block${i}.conv` })),
  };
}


describe('linear report and outline paths', function () {
  this.timeout(60_000);

  it('formats the report of 200,000 blocks, one row each, each with its own last layer', () => {
    const text = formatReport(wideReport(200_000));
    const rows = text.split('\n').filter((l) => /^\s*\d+\s+\d+\s+conv/.test(l));
    assert.equal(rows.length, 200_000);
    assert.match(rows[199_999], /^199999\s+200002\s/);
  });

  it('analyses a 100,000-line model as text, with its outline, lenses and hints', () => {
    const doc = analyzeDocument(chainModel(100_000, ['model big', 'input 16x16x8', 'budget sram=1MiB flash=64MiB']));
    assert.equal(doc.analysis.model!.layers.length, 100_000);
    assert.equal(formatReport(doc.analysis.report!).split('\n').length, 100_000 + 8);
    const symbols = findDocumentSymbols(doc);
    assert.equal(symbols.filter((s) => s.kind === 'block').length, 100_000);
    // With every lens and hint on (patchwise.codeLens.blocks, patchwise.inlayHints.shapes): the
    // linear path is the full one; by default the editor shows the summary lens only.
    const all = { codeLens: { blocks: true }, inlayHints: { shapes: true } };
    assert.equal(findCodeLenses(doc, all).length, 100_000);
    assert.equal(findInlayHints(doc, all).length, 100_000);
    assert.equal(findCodeLenses(doc).length, 1);
  });

  it('groups 1,000 repeats of one line into one lens', () => {
    const doc = analyzeDocument('input 16x16x8\nconv out=8 k=1 repeat=1000\n');
    const lenses = findCodeLenses(doc);
    assert.equal(lenses.length, 1);
    assert.match(lenses[0].title, /^blocks 0–999: peak/);
  });
});
