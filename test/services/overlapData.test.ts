import { strict as assert } from 'assert';
import { hostMessageSchema } from '../../client/src/panels/messages';
import { cachedAxisRegions } from '../../server/src/core/analysis/cachedRegions';
import { stageSpecs, streamSpecs } from '../../server/src/core/analysis/plan';
import { evaluateStage, evaluateStream } from '../../server/src/core/analysis/stage';
import { analyzeDocument } from '../../server/src/core/services/document';
import { overlapData } from '../../server/src/core/services/overlapData';
import { panelData } from '../../server/src/core/services/panelData';
import { OverlapRun } from '../../server/src/core/services/panelTypes';
import { beyondText } from '../webview/fixtures';
import { readExample } from '../helpers';

// The overlap panel's data for schedules beyond MCUNetV2, checked against the analysis: the lines
// drawn as taken from a cache are the lines cachedRegions carries, and add up to the cache bytes
// the memory figures count; the lines drawn as computed anew are each computed once.


function pairs(flat: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

function quads(flat: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += 4) out.push(flat.slice(i, i + 4));
  return out;
}

/** Per tensor of a run, the most lines any patch takes from the row (or column) cache. */
function mostCached(run: OverlapRun, axis: 'cacheRows' | 'cacheCols'): number[] {
  return run.tensors.map((t) => Math.max(0, ...pairs(t[axis] ?? []).map(([lo, hi]) => hi - lo + 1)));
}

describe('overlap data beyond one MCUNetV2 stage', () => {
  const model = analyzeDocument(beyondText).analysis.model!;
  const data = overlapData(model);

  it('has each stage and the streamed run in network order, with their grids and layers', () => {
    assert.deepEqual(
      data.runs.map((r) => [r.label, r.kind, r.cache, r.patch, r.firstLayer, r.endLayer]),
      [
        ['stage 1: patch=6x6, blocks 0–4, cache=rows', 'stage', 'rows', [6, 6], 0, 12],
        ['stage 2: patch=3x3, blocks 5–7, cache=rows', 'stage', 'rows', [3, 3], 12, 21],
        ['stream: blocks 8–10, band=1 (14 bands)', 'stream', 'rows', [14, 1], 21, 30],
      ],
    );
    assert.deepEqual([data.patch, data.tensors], [data.runs[0].patch, data.runs[0].tensors]);
    assert.equal(data.runs[1].tensors[0].label, 'block4.project output 28×28×32 (stage input)');
    assert.equal(data.runs[2].tensors.at(-1)!.label, 'block10.project output 14×14×64 (run output)');
  });

  it('marks cached rows only on inner tensors, and as many as cachedRegions carries', () => {
    for (const run of data.runs) {
      const carried = cachedAxisRegions(model, run.firstLayer, run.endLayer, 'rows', run.patch[0]).carried;
      const expected = run.tensors.map((_, t) => (t === 0 || t === run.tensors.length - 1 ? 0 : carried[run.firstLayer + t]));
      assert.deepEqual(mostCached(run, 'cacheRows'), expected, run.label);
      assert.equal(run.tensors[0].cacheRows, null);
      assert.equal(run.tensors.at(-1)!.cacheRows, null);
      for (const t of run.tensors) assert.equal(t.cacheCols, null, 'cache=rows recomputes the columns');
    }
    // A 3×3 depthwise reads two rows of the patch above: block1.dw's input.
    assert.deepEqual(pairs(data.runs[0].tensors[1].cacheRows!).map(([lo, hi]) => hi - lo + 1), [0, 2, 2, 2, 2, 2]);
  });

  it('draws cached lines inside the patch above\'s region, and the lines computed anew once each', () => {
    for (const run of data.runs) {
      for (const tensor of run.tensors.slice(1, -1)) {
        const rows = quads(tensor.rows);
        const cached = pairs(tensor.cacheRows!);
        let next = 0;
        rows.forEach(([lo, hi], i) => {
          const [cLo, cHi] = cached[i];
          assert.equal(cLo, lo, `${tensor.label}: patch row ${i}'s buffer starts with its cached lines`);
          if (cHi >= cLo) assert.ok(cHi <= rows[i - 1][1], `${tensor.label}: patch row ${i} takes only lines the row above computed`);
          const fresh = Math.max(cHi + 1, lo);
          // The lines computed anew follow on from the part before's: rows computed once.
          assert.equal(fresh, next, `${tensor.label}: patch row ${i} computes from line ${next}`);
          next = hi + 1;
        });
        assert.equal(next, tensor.size[0], `${tensor.label}: every line computed`);
      }
    }
  });

  it('adds up to the cache bytes the analysis counts', () => {
    const stages = stageSpecs(model);
    data.runs.forEach((run, r) => {
      let bytes = 0;
      mostCached(run, 'cacheRows').forEach((lines, t) => {
        if (lines === 0) return;
        // cache=rows: each column of patches keeps its own slice, as wide as its region.
        const width = quads(run.tensors[t].cols).reduce((sum, [lo, hi]) => sum + hi - lo + 1, 0);
        bytes += lines * width * model.layers[run.firstLayer + t].input.c;
      });
      const counted = run.kind === 'stream' ? evaluateStream(model, streamSpecs(model)[0]).cacheBytes : evaluateStage(model, stages[r]).caches.rowBytes;
      assert.equal(bytes, counted, run.label);
    });
  });

  it('marks the column cache of cache=rows+cols as the analysis carries it', () => {
    const both = analyzeDocument(beyondText.replace('patch=6x6 until=block4 cache=rows', 'patch=6x6 until=block4 cache=rows+cols')).analysis.model!;
    const run = overlapData(both).runs[0];
    const carried = cachedAxisRegions(both, 0, run.endLayer, 'cols', 6).carried;
    assert.deepEqual(mostCached(run, 'cacheCols'), run.tensors.map((_, t) => (t === 0 || t === run.tensors.length - 1 ? 0 : carried[t])));
    assert.ok(mostCached(run, 'cacheCols').some((n) => n > 0));
  });

  it('passes the webview message schema', () => {
    const message = { type: 'data', data: panelData(analyzeDocument(beyondText), 'file:///m.pnet', 1, ['overlap']) };
    assert.equal(hostMessageSchema(message, 'message'), null);
  });

  it('leaves MCUNetV2\'s single stage as it was: no runs, no cache marks', () => {
    const single = overlapData(analyzeDocument(readExample('mobilenetv2.pnet')).analysis.model!);
    assert.deepEqual(single.runs, []);
    assert.equal(single.tensors.length, 13);
    assert.ok(single.tensors.every((t) => t.cacheRows === null && t.cacheCols === null));
  });
});
