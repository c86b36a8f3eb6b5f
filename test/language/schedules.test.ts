import { strict as assert } from 'assert';
import fc from 'fast-check';
import { analyzeText } from '../../server/src/core/engine';
import { parse } from '../../server/src/core/language/parser';
import { analyzeOk, diagnosticCases, readExample } from '../helpers';

// Schedule lines beyond MCUNetV2: several stages, row and column caches, streamed blocks.
const header = 'model m\ninput 32x32x3\nconv out=8 k=3 s=2\nmbconv out=8 e=4 k=3 s=1 repeat=2\nmbconv out=16 e=4 k=3 s=2\npool global\nfc out=10\n';



describe('schedule lines', () => {
  it('keeps `schedule patch=4x4 until=block4` exactly as it was: one stage from block 0, no cache', () => {
    const { model } = analyzeOk(readExample('mobilenetv2.pnet'));
    assert.deepEqual(Object.keys(model.schedule!).sort(), ['line', 'patch', 'range', 'untilBlock']);
    assert.deepEqual(model.stages, [model.schedule]);
    assert.equal(model.streams, undefined);
  });

  it('reads several stages, each starting after the one before unless from= says where', () => {
    const text = `${header}schedule patch=4x4 until=block1 cache=rows   # stem and block 1\nschedule patch=2x2 from=block3 until=block3 cache=rows+cols\n`;
    const { model, diagnostics } = analyzeOk(text);
    assert.deepEqual(diagnostics.filter((d) => d.severity !== 'info'), []);
    assert.deepEqual(model.stages!.map((s) => [s.fromBlock ?? 0, s.untilBlock, s.patch, s.cache]), [[0, 1, [4, 4], 'rows'], [3, 3, [2, 2], 'rows+cols']]);
    assert.equal(model.schedule, model.stages![0]);
    const chained = analyzeOk(`${header}schedule patch=2x2 until=block1\nschedule patch=2x1 until=block3\n`).model;
    assert.deepEqual(chained.stages!.map((s) => [s.fromBlock ?? 0, s.untilBlock]), [[0, 1], [2, 3]]);
  });

  it('reads a streamed run and analyses it: every row computed once, input and output sharing memory', () => {
    const text = `${header}schedule patch=2x2 until=block1\nschedule stream until=block3 band=2\n`;
    const { model, report, diagnostics } = analyzeOk(text);
    assert.deepEqual(diagnostics.filter((d) => d.severity !== 'info'), []);
    assert.deepEqual(model.streams!.map((s) => [s.fromBlock, s.untilBlock, s.band]), [[2, 3, 2]]);
    const [stream] = report.schedule!.streams!;
    assert.deepEqual([stream.fromBlock, stream.untilBlock, stream.band, stream.bands], [2, 3, 2, 4]);
    assert.ok(stream.rowCacheBytes > 0 && stream.peakBytes > stream.rowCacheBytes);
    const plain = analyzeOk(`${header}schedule patch=2x2 until=block1\n`).report;
    assert.equal(report.macs.scheduled, plain.macs.scheduled);
  });

  const cases: [string, string, string, string][] = [
    ['overlapping stages', 'schedule patch=2x2 until=block2\nschedule patch=2x2 from=block1 until=block3', 'PW2016', 'block1'],
    ['a stage before the one above', 'schedule patch=2x2 from=block2 until=block3\nschedule patch=2x2 until=block1', 'PW2016', 'schedule patch=2x2 until=block1'],
    ['a row cache on a 1-row grid', 'schedule patch=1x4 until=block2 cache=rows', 'PW2017', 'rows'],
    ['a column cache on a 1-column grid', 'schedule patch=4x1 until=block2 cache=rows+cols', 'PW2017', 'rows+cols'],
    ['a stage after a global op', 'schedule patch=1x1 from=block5 until=block5', 'PW2018', 'block5'],
    ['from after until', 'schedule patch=2x2 from=block3 until=block2', 'PW2019', 'block3'],
    ['patch= on a streamed line', 'schedule stream patch=2x2 until=block2', 'PW2021', '2x2'],
    ['cache= on a streamed line', 'schedule stream until=block2 cache=rows', 'PW2021', 'rows'],
    ['band= on a patch stage', 'schedule patch=2x2 until=block2 band=2', 'PW2021', 'schedule patch=2x2 until=block2 band=2'],
    ['unknown cache', 'schedule patch=2x2 until=block2 cache=cols', 'PW1016', 'cols'],
    ['from past the network', 'schedule patch=2x2 from=block9 until=block2', 'PW2006', 'block9'],
    ['from names nothing', 'schedule patch=2x2 from=stem until=block2', 'PW2007', 'stem'],
    ['a key twice', 'schedule patch=2x2 until=block2 cache=rows cache=none', 'PW1005', 'cache'],
    ['a global op inside a later stage', 'schedule patch=2x2 until=block1\nschedule patch=1x1 until=block4', 'PW2009', 'block4'],
  ];
  diagnosticCases(header, cases);

  it('drops a line it cannot run and keeps the others', () => {
    const text = `${header}schedule patch=2x2 until=block1\nschedule patch=2x2 from=block1 until=block3\nschedule patch=2x2 from=block3 until=block3\n`;
    const { model } = analyzeText(text);
    assert.deepEqual(model!.stages!.map((s) => [s.fromBlock ?? 0, s.untilBlock]), [[0, 1], [3, 3]]);
  });

  it('never throws on random schedule lines, and every range lies inside the text', () => {
    const word = fc.constantFrom('schedule', 'patch=', 'until=', 'from=', 'cache=', 'band=', 'stream', 'block', 'rows', 'rows+cols', 'none', '2x2', '4x1', '1', '9', '=', 'x', 'block0', 'block3', 'block9');
    fc.assert(
      fc.property(fc.array(fc.array(word, { maxLength: 8 }).map((w) => w.join(w.length % 2 ? '' : ' ')), { maxLength: 4 }), (lines) => {
        const text = header + lines.map((l) => `schedule ${l}`).join('\n') + '\n';
        const result = analyzeText(text);
        const rows = text.split('\n');
        for (const d of result.diagnostics) assert.ok(d.range.start.line < rows.length && d.range.end.character <= rows[d.range.end.line].length + 1, JSON.stringify(d));
        assert.equal((parse(text).ast.schedules ?? []).length, lines.length);
      }),
      { numRuns: 400, seed: 13 },
    );
  });
});
