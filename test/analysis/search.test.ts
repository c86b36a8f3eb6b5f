import { strict as assert } from 'assert';
import { searchSchedules, searchSchedulesAsync } from '../../server/src/core/analysis/search';
import { optimizeText } from '../../server/src/core/engine';
import { limits } from '../../server/src/core/limits';
import { stageBlocker } from '../../server/src/core/model/ops';
import { analyzeOk, chainModel, readExample } from '../helpers';

// Issue 15, item 6: the schedule search is bounded (work and time), says when it was, reports
// progress and can be cancelled between split points.


describe('schedule search bounds', function () {
  this.timeout(60_000);

  it('searches MobileNetV2 whole: every split point a patch stage may end at, no bound', () => {
    const model = analyzeOk(readExample('mobilenetv2.pnet')).model;
    const r = searchSchedules(model);
    assert.equal(r.bounded, undefined);
    const splits = new Set(r.candidates.slice(1).map((c) => c.untilBlock));
    const allowed = model.blocks.filter((b) => !stageBlocker(model, b.index)).map((b) => b.index);
    assert.deepEqual([...splits], allowed.slice(0, splits.size));
    assert.equal(r.candidates.length, 1142);
  });

  it('stops the 5,000-layer chain at its work bound, says where, and still gives the best of what it tried', () => {
    const progress: number[] = [];
    const { analysis, search } = optimizeText(chainModel(5000), { maxMillis: Infinity, onProgress: (done) => progress.push(done) });
    const bound = search!.bounded!;
    assert.equal(bound.by, 'work');
    assert.ok(bound.evaluated < bound.total);
    assert.equal(bound.total, 1 + 5000 * 64);
    // Candidates ending at block b cost b + 1 layer evaluations: the bound allows Σ (b + 1)·64 ≤ 20 M (the time bound is lifted: this machine may be slow).
    const lastBlock = Math.ceil(Math.sqrt((2 * limits.searchLayerEvaluations) / 64)) - 1;
    assert.ok(Math.abs(bound.lastBlock - lastBlock) <= 1, `${bound.lastBlock} vs ${lastBlock}`);
    assert.deepEqual(progress, Array.from({ length: bound.lastBlock + 1 }, (_, i) => i + 1));
    assert.ok(search!.best, 'a schedule (here: layer by layer) is chosen');
    const warning = analysis.diagnostics.find((d) => d.code === 'PW6007')!;
    assert.equal(warning.severity, 'warning');
    assert.match(warning.message, new RegExp(`stopped at its bound \\(20,000,000 layer evaluations\\) after ${bound.evaluated} of ${bound.total} candidates \\(split points up to block ${bound.lastBlock}\\)`));
  });

  it('a smaller work or time bound stops sooner', () => {
    // The time bound is lifted where the result must not depend on how loaded the machine is.
    const model = analyzeOk(chainModel(200)).model;
    assert.equal(searchSchedules(model, undefined, { maxWork: 1, maxMillis: Infinity }).bounded!.lastBlock, 0);
    assert.equal(searchSchedules(model, undefined, { maxMillis: 0 }).bounded!.by, 'time');
    assert.equal(searchSchedules(model, undefined, { maxWork: 1e9, maxMillis: Infinity }).bounded, undefined);
  });

  it('the sliced search gives the same result, and stops when cancelled', async () => {
    const model = analyzeOk(chainModel(200)).model;
    const whole = searchSchedules(model, undefined, { maxMillis: Infinity });
    const sliced = await searchSchedulesAsync(model, model.target.sramBytes, { isCancelled: () => false, sliceMillis: 1, maxMillis: Infinity });
    assert.deepEqual(sliced, whole);
    let asked = 0;
    const cancelled = await searchSchedulesAsync(model, model.target.sramBytes, { isCancelled: () => ++asked > 1, sliceMillis: 0 });
    assert.equal(cancelled.bounded!.by, 'cancelled');
    assert.equal(cancelled.bounded!.lastBlock, 1);
  });
});
