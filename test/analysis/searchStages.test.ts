import { strict as assert } from 'assert';
import fc from 'fast-check';
import { analyzeText, optimizeText, scheduleText } from '../../server/src/core/engine';
import { readExample } from '../helpers';

// The search over caches and several stages: what it finds must be what the analysis says of the
// schedule lines it writes, and on MobileNetV2-224 it must reach the two targets itself.
describe('schedule search beyond MCUNetV2', () => {
  const text = readExample('mobilenetv2.pnet');
  const kib = 1024;

  it('finds on MobileNetV2-224 a schedule ≤ 86 KiB at ≤ +10% MACs and one ≤ 171.5 KiB at ≤ +3%', () => {
    for (const [budget, overhead] of [[86 * kib, 0.1], [171.5 * kib, 0.03]]) {
      const { search } = optimizeText(text, { beyond: true, sramBytes: budget });
      const best = search!.best!;
      assert.ok(best && best.peakBytes <= budget && best.overheadTotal <= overhead, JSON.stringify(best));
      // The schedule lines it would write give the same peak and MACs when analysed.
      const lines = scheduleText(best);
      const { report, hasErrors } = analyzeText(text.replace(/^schedule .*$/m, lines));
      assert.equal(hasErrors, false);
      assert.equal(report!.peakBytes, best.peakBytes, lines);
      assert.equal(report!.macs.scheduled, best.macs, lines);
    }
  });

  it('is off by default: the search offers what the firmware runs, as before', () => {
    const { search } = optimizeText(text);
    assert.ok(search!.candidates.every((c) => c.stages === undefined));
  });

  it('every plan on the front is what the analysis says of its schedule lines (random nets)', () => {
    const block = fc.record({ k: fc.constantFrom(1, 3, 5), s: fc.constantFrom(1, 2), e: fc.integer({ min: 1, max: 6 }), out: fc.integer({ min: 2, max: 16 }) });
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 40 }), fc.array(block, { minLength: 2, maxLength: 6 }), (side, blocks) => {
        const model = ['model r', `input ${side}x${side}x3`, ...blocks.map((b) => `mbconv out=${b.out} e=${b.e} k=${b.k} s=${b.s}`), ''].join('\n');
        const { search, analysis } = optimizeText(model, { beyond: { maxStageBlocks: 4, maxEvaluations: 2000 } });
        if (!search || analysis.hasErrors) return;
        for (const c of search.pareto.filter((p) => p.stages)) {
          const lines = scheduleText(c);
          const { report, hasErrors } = analyzeText(model + lines + '\n');
          assert.equal(hasErrors, false, lines);
          assert.equal(report!.peakBytes, c.peakBytes, lines);
          assert.equal(report!.macs.scheduled, c.macs, lines);
        }
        // The front never loses to MCUNetV2's own schedules.
        const plain = optimizeText(model).search!;
        for (const p of plain.pareto) assert.ok(search.pareto.some((c) => c.peakBytes <= p.peakBytes && c.macs <= p.macs));
      }),
      { seed: 0x5ea, numRuns: 60 },
    );
  });
});
