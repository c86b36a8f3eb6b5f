import { strict as assert } from 'assert';
import fc from 'fast-check';
import * as fs from 'fs';
import { analyzeText } from '../../server/src/core/engine';
import { axisRegions, evaluatePatchStage } from '../../server/src/core/analysis/patch';
import { receptiveFields, spanOf } from '../../server/src/core/analysis/receptiveField';
import { Model } from '../../server/src/core/model/ir';
import { macs } from '../../server/src/core/model/ops';
import { Axis, dependencySets, outLength, range, sorted } from './bruteForce';

// Properties of the patch analysis on random conv/dwconv/mbconv chains. A fixed seed keeps failures
// reproducible; fast-check prints the shrunk counterexample, whose `text` is a .pnet file.
const runs = { seed: 0x9a7c4, numRuns: 150 };
const axes: Axis[] = ['rows', 'cols'];

const channels = fc.integer({ min: 1, max: 24 });
// `out` is often omitted so that s=1 mbconvs keep their channels and get a shortcut.
const sameOr = (arb: fc.Arbitrary<number>) => fc.option(arb, { nil: undefined, freq: 2 });
/**
 * k=1 s=2 reads only every other index, so the index after the last one read (H − 1 for even H)
 * is needed by nobody; the engine still computes it, at the far-edge patches.
 */
function blockSpec() {
  const window = fc.record({ k: fc.constantFrom(1, 3, 5, 7), s: fc.constantFrom(1, 2) });
  return fc.oneof(
    fc.record({ op: fc.constant('conv'), out: sameOr(channels), window }),
    fc.record({ op: fc.constant('dwconv'), window }),
    // Weighted up: s=1 mbconvs that keep their channels are the blocks with a shortcut.
    { arbitrary: fc.record({ op: fc.constant('mbconv'), out: sameOr(channels), e: fc.integer({ min: 1, max: 6 }), window, repeat: fc.integer({ min: 1, max: 2 }) }), weight: 3 },
  ).map(({ window, ...rest }): BlockSpec => ({ ...rest, ...window }));
}
type BlockSpec = { op: string; out?: number; e?: number; k: number; s: number; repeat?: number };

function modelText(h: number, w: number, c: number, blocks: BlockSpec[]): string {
  const line = (b: BlockSpec) =>
    [b.op, b.out !== undefined ? `out=${b.out}` : '', b.e !== undefined ? `e=${b.e}` : '', `k=${b.k}`, `s=${b.s}`, b.repeat !== undefined ? `repeat=${b.repeat}` : '']
      .filter((x) => x)
      .join(' ');
  return ['model random', `input ${h}x${w}x${c}`, ...blocks.map(line), ''].join('\n');
}

/** Random models with sides 8..maxSide (non-square), kept only when they build without errors. */
function models(maxSide: number): fc.Arbitrary<{ text: string; model: Model }> {
  const side = fc.integer({ min: 8, max: maxSide });
  return fc
    .record({ h: side, w: side, c: channels, blocks: fc.array(blockSpec(), { minLength: 1, maxLength: 5 }) })
    .map(({ h, w, c, blocks }) => {
      const text = modelText(h, w, c, blocks);
      const { model, hasErrors } = analyzeText(text);
      // Counterexamples print as the .pnet file, not as the whole IR.
      return model && !hasErrors ? { text, model, [fc.toStringMethod]: () => JSON.stringify(text) } : undefined;
    })
    .filter((m) => m !== undefined);
}

/** A model plus a stage (blocks 0..untilBlock) and a P×Q grid no finer than the stage output. */
function staged(maxSide: number) {
  return fc.record({ m: models(maxSide), until: fc.nat(), p: fc.nat(), q: fc.nat() }).map(({ m, until, p, q }) => {
    const untilBlock = until % m.model.blocks.length;
    const out = m.model.blocks[untilBlock].output;
    const patch: [number, number] = [1 + (p % Math.min(8, out.h)), 1 + (q % Math.min(8, out.w))];
    const schedule = `schedule patch=${patch[0]}x${patch[1]} until=block${untilBlock}`;
    return { ...m, untilBlock, end: m.model.blocks[untilBlock].endLayer, patch, schedule, [fc.toStringMethod]: () => JSON.stringify(m.text + schedule) };
  });
}

const size = (layer: Model['layers'][number], axis: Axis, side: 'input' | 'output') => (axis === 'rows' ? layer[side].h : layer[side].w);
/** k ≥ s everywhere in layers [0, end): then no input row is skipped and every row is needed. */
const noSkips = (model: Model, end: number) => model.layers.slice(0, end).every((l) => l.rows.k >= l.rows.s && l.cols.k >= l.cols.s);
/** Patch i of P covers stage-output indices [⌊i·n/P⌋, ⌊(i+1)·n/P⌋). */
const patchIndices = (n: number, parts: number, i: number) => range(Math.floor((i * n) / parts), Math.floor(((i + 1) * n) / parts) - 1);

describe('patch analysis properties (random models)', () => {
  it('chains shapes by ⌊(H + 2p − k)/s⌋ + 1 with p = ⌊k/2⌋ (the brute force relies on them)', () => {
    fc.assert(
      fc.property(models(64), ({ model }) => {
        let shape = model.input.shape;
        for (const layer of model.layers) {
          assert.deepEqual(layer.input, shape);
          for (const axis of axes) {
            const { k, s, p } = layer[axis];
            assert.equal(p, Math.floor(k / 2));
            assert.equal(size(layer, axis, 'output'), outLength(size(layer, axis, 'input'), k, s, p));
          }
          shape = layer.output;
        }
      }),
      runs,
    );
  });

  it('takes the schedule line when the grid is no finer than the stage output', () => {
    fc.assert(
      fc.property(staged(64), ({ text, untilBlock, patch, schedule }) => {
        const scheduled = analyzeText(`${text}${schedule}\n`);
        assert.equal(scheduled.hasErrors, false);
        assert.deepEqual(scheduled.model?.schedule?.patch, patch);
        assert.equal(scheduled.model?.schedule?.untilBlock, untilBlock);
      }),
      runs,
    );
  });

  // (a) and (b) hold for every k and s: with k=1 s=2 no window reads a tensor's last index, but
  // the patches at the far edge compute to the edge as layer by layer does.
  it('(a) a 1×1 grid does the layer-by-layer MACs and every region is the whole tensor', () => {
    fc.assert(
      fc.property(staged(64), ({ model, untilBlock, end }) => {
        const stage = evaluatePatchStage(model, untilBlock, [1, 1]);
        const layerByLayer = model.layers.slice(0, end).reduce((sum, l) => sum + macs(l), 0);
        assert.equal(stage.macsLayerByLayer, layerByLayer);
        assert.equal(stage.macs, layerByLayer);
        for (const axis of axes) {
          const regions = axisRegions(model, end, axis, 1);
          for (let l = 0; l < end; l++) {
            const layer = model.layers[l];
            assert.deepEqual([regions.inLo[(l) * regions.parts + 0], regions.inHi[(l) * regions.parts + 0]], [0, size(layer, axis, 'input') - 1], `${axis} in ${layer.name}`);
            assert.deepEqual([regions.outLo[(l) * regions.parts + 0], regions.outHi[(l) * regions.parts + 0]], [0, size(layer, axis, 'output') - 1], `${axis} out ${layer.name}`);
          }
        }
      }),
      runs,
    );
  });

  it('(b) any grid does at least the layer-by-layer MACs, and recomputes every layer ≥ 1 times', () => {
    fc.assert(
      fc.property(staged(64), ({ model, untilBlock, patch }) => {
        const stage = evaluatePatchStage(model, untilBlock, patch);
        assert.equal(stage.macs, stage.layers.reduce((sum, l) => sum + l.macs, 0));
        assert.ok(stage.macs >= stage.macsLayerByLayer, `${stage.macs} < ${stage.macsLayerByLayer}`);
        stage.layers.forEach((l, i) => assert.ok(l.recompute >= 1, `recompute ${l.recompute} at ${model.layers[i].name}`));
      }),
      runs,
    );
  });

  it('(c) the union of each layer\'s patch regions covers the whole tensor, and every index that is needed', () => {
    fc.assert(
      fc.property(staged(64), ({ model, end, patch }) => {
        const whole = noSkips(model, end);
        axes.forEach((axis, a) => {
          const regions = axisRegions(model, end, axis, patch[a]);
          const stageOut = range(0, size(model.layers[end - 1], axis, 'output') - 1);
          // What the whole stage output depends on: every index, unless a k=1 s=2 layer skips some.
          const sets = dependencySets(model, end - 1, axis, stageOut, true);
          for (let l = 0; l < end; l++) {
            const layer = model.layers[l];
            const written = new Set<number>();
            const read = new Set<number>();
            for (let i = 0; i < patch[a]; i++) {
              range(regions.outLo[(l) * regions.parts + i], regions.outHi[(l) * regions.parts + i]).forEach((r) => written.add(r));
              range(regions.inLo[(l) * regions.parts + i], regions.inHi[(l) * regions.parts + i]).forEach((r) => read.add(r));
            }
            // The whole tensors, as layer by layer computes them, even the indices nobody needs.
            assert.deepEqual(sorted(written), range(0, size(layer, axis, 'output') - 1), `${axis} written by ${layer.name}`);
            assert.deepEqual(sorted(read), range(0, size(layer, axis, 'input') - 1), `${axis} read by ${layer.name}`);
            const neededOut = l + 1 < end ? sets[l + 1] : new Set(stageOut);
            const neededIn = sets[l];
            if (whole) {
              assert.deepEqual(sorted(neededOut), range(0, size(layer, axis, 'output') - 1));
              assert.deepEqual(sorted(neededIn), range(0, size(layer, axis, 'input') - 1));
            }
            for (const r of neededOut) assert.ok(written.has(r), `${axis} ${r} not written by ${layer.name}`);
            for (const r of neededIn) assert.ok(read.has(r), `${axis} ${r} not read by ${layer.name}`);
          }
        });
      }),
      runs,
    );
  });
});

describe('receptive fields and patch regions against a brute-force dependency walk', () => {
  it('(d) every layer: output index r depends on exactly [start + r·jump, … + size − 1] clipped to the image', () => {
    fc.assert(
      fc.property(models(32), ({ model }) => {
        const fields = receptiveFields(model.layers);
        model.layers.forEach((layer, l) => {
          for (const axis of axes) {
            const { size: span, jump, start } = fields[l][axis];
            const image = size(model.layers[0], axis, 'input');
            for (let r = 0; r < size(layer, axis, 'output'); r++) {
              const lo = start + r * jump;
              const hi = lo + span - 1;
              // Unclipped (padding indices kept): the receptive field's span is the hull of the set.
              const unclipped = sorted(dependencySets(model, l, axis, [r], false)[0]);
              assert.deepEqual([unclipped[0], unclipped[unclipped.length - 1]], [lo, hi], `${axis} ${r} of ${layer.name}`);
              const clipped = sorted(dependencySets(model, l, axis, [r], true)[0]);
              const expected = range(Math.max(0, lo), Math.min(image - 1, hi));
              if (noSkips(model, l + 1)) assert.deepEqual(clipped, expected, `${axis} ${r} of ${layer.name}`);
              // With k < s some indices in between are skipped: the set is then only inside the range.
              else for (const x of clipped) assert.ok(x >= expected[0] && x <= expected[expected.length - 1]);
            }
          }
        });
      }),
      runs,
    );
  });

  it('(d) every patch reads exactly the indices its output depends on, at every stage layer', () => {
    fc.assert(
      fc.property(staged(32), ({ model, end, patch }) => {
        const exact = noSkips(model, end);
        axes.forEach((axis, a) => {
          const regions = axisRegions(model, end, axis, patch[a]);
          for (let i = 0; i < patch[a]; i++) {
            const out = patchIndices(size(model.layers[end - 1], axis, 'output'), patch[a], i);
            assert.deepEqual(range(regions.outLo[(end - 1) * regions.parts + i], regions.outHi[(end - 1) * regions.parts + i]), out);
            // Shortcut-aware: a shortcut block's input also depends on its output indices, so the
            // engine's union of the two ranges must be exactly the hull of this set, not more.
            // With k < s the engine also gives the indices no window reads to a neighbouring patch
            // (so that the regions tile the tensor): then the region only contains the hull.
            const sets = dependencySets(model, end - 1, axis, out, true);
            for (let l = 0; l < end; l++) {
              const needed = sorted(sets[l]);
              const where = `${axis} patch ${i} at ${model.layers[l].name}`;
              const region = [regions.inLo[(l) * regions.parts + i], regions.inHi[(l) * regions.parts + i]];
              if (exact) {
                assert.deepEqual(region, [needed[0], needed[needed.length - 1]], where);
                assert.equal(needed.length, region[1] - region[0] + 1, where);
              } else {
                assert.ok(region[0] <= needed[0] && region[1] >= needed[needed.length - 1], where);
              }
              if (l + 1 < end) assert.deepEqual([regions.outLo[(l) * regions.parts + i], regions.outHi[(l) * regions.parts + i]], [regions.inLo[(l + 1) * regions.parts + i], regions.inHi[(l + 1) * regions.parts + i]]);
            }
          }
        });
      }),
      runs,
    );
  });

  it('MobileNetV2: receptive fields 3, 7, 11, 19, 27 after blocks 0..4; a 7-row patch reads 75 rows', () => {
    const { model } = analyzeText(fs.readFileSync('examples/mobilenetv2.pnet', 'utf8'));
    assert.ok(model?.schedule);
    const fields = receptiveFields(model.layers);
    const lastOf = (b: number) => model.blocks[b].endLayer - 1;
    assert.deepEqual([0, 1, 2, 3, 4].map((b) => fields[lastOf(b)].rows.size), [3, 7, 11, 19, 27]);
    assert.equal(spanOf(fields[lastOf(4)].rows, 7), 75);
    // The 4×4 schedule over the 28×28 stage output: interior patches are 7 rows and read 75 rows.
    for (const axis of axes) {
      const regions = axisRegions(model, model.blocks[4].endLayer, axis, 4);
      for (const i of [1, 2]) {
        assert.equal(regions.outHi[(lastOf(4)) * regions.parts + i] - regions.outLo[(lastOf(4)) * regions.parts + i] + 1, 7);
        assert.equal(regions.inHi[(0) * regions.parts + i] - regions.inLo[(0) * regions.parts + i] + 1, 75);
        assert.equal(dependencySets(model, lastOf(4), axis, patchIndices(28, 4, i), true)[0].size, 75);
      }
    }
  });
});
