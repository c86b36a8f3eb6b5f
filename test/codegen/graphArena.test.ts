import { strict as assert } from 'assert';
import { analyzeModel } from '../../server/src/core/analysis/analyze';
import { checkNoOverlap, planGraphArena } from '../../server/src/core/codegen/graphArena';
import { importOnnx } from '../../server/src/core/import/onnx';
import { randomGraph } from '../import/randomGraphs.test';

// The graph arena on 150 random imported graphs: no two tensors alive at one step share a byte,
// its lower bound is the analysis' liveness peak, and how often the greedy placement reaches it.

describe('graph arena planner', function () {
  this.timeout(120_000);

  it('150 random graphs: overlap-free, never below the analysis peak, and how close to it', () => {
    let equal = 0;
    let worst = 0;
    let excess = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const model = importOnnx(randomGraph(seed).bytes).model!;
      const report = analyzeModel(model);
      const arena = planGraphArena(model);
      assert.equal(arena.lowerBound, report.perLayer.peakBytes, `seed ${seed}: the planner's liveness is the analysis'`);
      assert.ok(arena.activationBytes >= arena.lowerBound, `seed ${seed}`);
      checkNoOverlap(arena.storages);
      if (arena.activationBytes === arena.lowerBound) equal++;
      const ratio = arena.activationBytes / arena.lowerBound - 1;
      worst = Math.max(worst, ratio);
      excess += ratio;
    }
    console.log(`      at the analysis peak in ${equal} of 150; above it by ${(100 * excess / 150).toFixed(2)}% on average, ${(100 * worst).toFixed(1)}% at most`);
  });

  it('finds overlaps: two live storages at one offset are refused', () => {
    const s = (first: number, last: number, offset: number) => ({ tensors: [first], size: 8, first, last, offset });
    assert.throws(() => checkNoOverlap([s(0, 2, 0), s(1, 3, 4)]), /overlap/);
    assert.doesNotThrow(() => checkNoOverlap([s(0, 1, 0), s(2, 3, 0)]));
  });
});
