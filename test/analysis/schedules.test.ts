import { strict as assert } from 'assert';
import fc from 'fast-check';
import { analyzeText } from '../../server/src/core/engine';
import { evaluatePatchStage } from '../../server/src/core/analysis/patch';
import { evaluateStage, evaluateStream } from '../../server/src/core/analysis/stage';
import { Cache, simulateSchedule, SimStage, SimStream, simulateStream } from './scheduleSim';

// Row caches, several patch stages and streamed runs against a plain pixel-by-pixel simulation (scheduleSim.ts),
// on random conv/dwconv/mbconv chains with random schedules. Windows have k ≥ s, so that every
// input pixel is read by some output (with k=1 s=2 the engine still computes the pixels nobody
// reads, as layer by layer does, and a dependency walk would not).
const runs = { seed: 0x5ca1e, numRuns: 300 };

type BlockSpec = { op: string; out?: number; e?: number; k: number; s: number; repeat?: number };

const channels = fc.integer({ min: 1, max: 12 });
const sameOr = (arb: fc.Arbitrary<number>) => fc.option(arb, { nil: undefined, freq: 2 });
const window = fc.record({ k: fc.constantFrom(1, 3, 5), s: fc.constantFrom(1, 2) }).filter(({ k, s }) => k >= s);
const blockSpec: fc.Arbitrary<BlockSpec> = fc
  .oneof(
    fc.record({ op: fc.constant('conv'), out: sameOr(channels), window }),
    fc.record({ op: fc.constant('dwconv'), window }),
    { arbitrary: fc.record({ op: fc.constant('mbconv'), out: sameOr(channels), e: fc.integer({ min: 1, max: 4 }), window, repeat: fc.integer({ min: 1, max: 2 }) }), weight: 3 },
  )
  .map(({ window: w, ...rest }) => ({ ...rest, ...w }));

function line(b: BlockSpec): string {
  return [b.op, b.out !== undefined ? `out=${b.out}` : '', b.e !== undefined ? `e=${b.e}` : '', `k=${b.k}`, `s=${b.s}`, b.repeat ? `repeat=${b.repeat}` : ''].filter((x) => x).join(' ');
}

const caches: Cache[] = ['none', 'rows', 'rows+cols'];

/** A random net (sides 6..20, input streamed or in SRAM) and 1 to 3 stages with gaps between them. */
const scheduled = fc
  .record({
    h: fc.integer({ min: 6, max: 20 }),
    w: fc.integer({ min: 6, max: 20 }),
    c: fc.integer({ min: 1, max: 4 }),
    sram: fc.boolean(),
    blocks: fc.array(blockSpec, { minLength: 2, maxLength: 5 }),
    cuts: fc.array(fc.nat(), { minLength: 3, maxLength: 6 }),
    grids: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...caches, 'stream' as const)), { minLength: 3, maxLength: 3 }),
  })
  .map(({ h, w, c, sram, blocks, cuts, grids }) => {
    const text = ['model random', `input ${h}x${w}x${c}${sram ? ' sram' : ''}`, ...blocks.map(line), ''].join('\n');
    const built = analyzeText(text);
    if (!built.model || built.hasErrors) return undefined;
    const model = built.model;
    // Sorted distinct block indices, paired as [from, until] of each stage.
    const marks = [...new Set(cuts.map((x) => x % model.blocks.length))].sort((a, b) => a - b);
    const stages: SimStage[] = [];
    const streams: SimStream[] = [];
    const lines: string[] = [];
    for (let i = 0, n = 0; i < marks.length && n < 3; i += 2, n++) {
      const from = marks[i];
      const until = marks[i + 1] ?? from;
      const out = model.blocks[until].output;
      const [p, q, cache] = grids[n];
      if (cache === 'stream') {
        streams.push({ fromBlock: from, untilBlock: until, band: 1 + (p % Math.min(4, out.h)) });
        lines.push(`schedule stream from=block${from} until=block${until} band=${streams[streams.length - 1].band}`);
      } else {
        stages.push({ fromBlock: from, untilBlock: until, patch: [1 + (p % Math.min(6, out.h)), 1 + (q % Math.min(6, out.w))], cache });
        const s = stages[stages.length - 1];
        lines.push(`schedule patch=${s.patch[0]}x${s.patch[1]} from=block${from} until=block${until} cache=${cache}`);
      }
    }
    const full = text + lines.join('\n') + '\n';
    return { text: full, model, stages, streams, [fc.toStringMethod]: () => JSON.stringify(full) };
  })
  .filter((x) => x !== undefined);

describe('row caches and several stages against a pixel-by-pixel simulation (random nets)', () => {
  it('the analysis gives the simulated peak and MACs of every stage and of the whole schedule', () => {
    const kinds = new Set<string>();
    let nets = 0;
    let severalStages = 0;
    fc.assert(
      fc.property(scheduled, ({ text, stages, streams }) => {
        nets++;
        if (stages.length + streams.length > 1) severalStages++;
        if (streams.length > 0) kinds.add('stream');
        const analysis = analyzeText(text);
        assert.equal(analysis.diagnostics.filter((d) => d.severity === 'error').length, 0, JSON.stringify(analysis.diagnostics));
        const model = analysis.model!;
        const report = analysis.report!;
        assert.equal((model.stages ?? []).length, stages.length);
        assert.equal((model.streams ?? []).length, streams.length);
        const sim = simulateSchedule(model, stages, streams);
        streams.forEach((s) => {
          const engine = evaluateStream(model, s);
          const expected = simulateStream(model, s);
          assert.equal(engine.macs, expected.macs, `stream ${s.fromBlock}-${s.untilBlock} MACs`);
          assert.equal(engine.peakBytes, expected.peakBytes, `stream ${s.fromBlock}-${s.untilBlock} band=${s.band} peak`);
        });
        stages.forEach((s, i) => {
          kinds.add(s.cache);
          const engine = evaluateStage(model, { ...s });
          const expected = sim.stages[i];
          const where = `stage ${i} (${s.cache} ${s.patch.join('x')} blocks ${s.fromBlock}-${s.untilBlock})`;
          assert.equal(engine.macs, expected.macs, `${where} MACs`);
          assert.equal(engine.cacheBytes, expected.cacheBytes, `${where} caches`);
          assert.equal(engine.perPatchPeakBytes, expected.stepPeakBytes, `${where} per-patch peak`);
          assert.equal(engine.heldInputBytes, expected.heldInputBytes, `${where} held input`);
          assert.equal(engine.stagePeakBytes, expected.stagePeakBytes, `${where} stage peak`);
        });
        assert.equal(report.macs.scheduled, sim.macs);
        assert.equal(report.peakBytes, sim.peakBytes);
      }),
      runs,
    );
    assert.deepEqual([...kinds].sort(), ['none', 'rows', 'rows+cols', 'stream']);
    assert.ok(nets >= 200 && severalStages >= 50, `${nets} nets, ${severalStages} with several stages`);
  });

  it('a stage from block 0 without caches is MCUNetV2\'s stage, to the byte', () => {
    fc.assert(
      fc.property(scheduled.filter((x) => x.stages.length > 0), ({ model, stages }) => {
        const s = { ...stages[0], fromBlock: 0, cache: 'none' as const };
        const general = evaluateStage(model, s);
        const today = evaluatePatchStage(model, s.untilBlock, s.patch);
        for (const key of ['macs', 'perPatchPeakBytes', 'stagePeakBytes', 'scratchBytes', 'peakLayer'] as const) assert.deepEqual(general[key], today[key], key);
        assert.deepEqual(general.layers, today.layers);
      }),
      { ...runs, numRuns: 100 },
    );
  });

  it('caching rows and columns computes every pixel once: the layer-by-layer MACs', () => {
    fc.assert(
      fc.property(scheduled, ({ model, stages }) => {
        for (const s of stages) {
          const cached = evaluateStage(model, { ...s, cache: 'rows+cols' });
          assert.equal(cached.macs, cached.macsLayerByLayer);
          assert.ok(evaluateStage(model, { ...s, cache: 'rows' }).macs <= evaluateStage(model, { ...s, cache: 'none' }).macs);
        }
      }),
      { ...runs, numRuns: 100 },
    );
  });
});

