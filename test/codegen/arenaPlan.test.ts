import { strict as assert } from 'assert';
import fc from 'fast-check';
import { planArena } from '../../server/src/core/codegen/arenaPlan';
import { checkRuntimeSupport } from '../../server/src/core/codegen/support';
import { analyzeText } from '../../server/src/core/engine';
import { randomModel, randomSchedule, scheduleChoices } from '../runtime/randomModels';
import { planPeakBytes } from '../runtime/planPeak';

// The arena planner on schedules of every kind, without building anything: each plan passes its own
// checks (verifyPlan, run inside planArena: no step or copy touches a buffer still needed) and uses
// exactly the analysis' peak at its busiest step.

describe('arena plans of several stages, caches and streamed runs', () => {
  it('use exactly the analysis\' peak, and pass their own checks (random chains)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), scheduleChoices, (seed, choices) => {
        const { text } = randomModel(seed);
        const { schedule, runs } = randomSchedule(analyzeText(text).model!, choices);
        for (const r of runs) seen.add(r.kind);
        const analysis = analyzeText(text, { schedule });
        fc.pre(!analysis.hasErrors && checkRuntimeSupport(analysis.model!).length === 0);
        const plan = planArena(analysis.model!, analysis.report!);
        assert.equal(planPeakBytes(plan, analysis.model!), analysis.report!.peakBytes, schedule);
        assert.equal(plan.activationBytes, analysis.report!.peakBytes);
      }),
      { seed: 0xa7e4a, numRuns: 500 },
    );
    assert.deepEqual([...seen].sort(), ['none', 'rows', 'rows+cols', 'stream']);
  });
});
