import { CacheMode } from '../language/ast';
import { Model } from '../model/ir';
import { stageBlocker } from '../model/ops';
import { chainRunnableLayers } from '../model/kernelFit';
import { CachedAxisRegions, cachedAxisRegions } from './cachedRegions';
import { StepMemory } from './memory';
import { axisRegions, AxisRegions } from './patch';
import { evaluateStage, evaluateStream, StageSpec } from './stage';

/** One stage of a plan the search found; with `band`, a streamed run (`patch` is then bands × 1). */
export interface StageChoice {
  fromBlock: number;
  untilBlock: number;
  patch: [number, number];
  cache: CacheMode;
  band?: number;
}

/** A plan over the whole network: its stages (the other blocks run layer by layer) and its cost. */
export interface Plan {
  stages: StageChoice[];
  peakBytes: number;
  /** MACs over layer by layer. */
  extraMacs: number;
  /** Largest stage peak (0 without stages) and largest layer-by-layer step outside them. */
  stagePeakBytes: number;
  laterPeakBytes: number;
  peakBlock: number;
  limitedBy: 'stage' | 'later';
}

export interface StageSearchOptions {
  /** Longest stage, in blocks. */
  maxStageBlocks?: number;
  /** Stage evaluations at most; the grids of each stage are thinned to fit. */
  maxEvaluations?: number;
}

/** Patches per side tried with caches: fine grids pay no recomputation there. */
const cachedSides = [2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32];

/**
 * The grids tried for a stage whose output is h×w, the most useful first: MCUNetV2's 1..8 per
 * side, row bands and square grids with row caches, square grids with row and column caches.
 */
function stageOptions(h: number, w: number): { patch: [number, number]; cache: CacheMode }[] {
  const options: { patch: [number, number]; cache: CacheMode }[] = [];
  for (const p of cachedSides) if (p <= h && p <= w) options.push({ patch: [p, p], cache: 'rows+cols' });
  for (const p of cachedSides) if (p <= h) options.push({ patch: [p, 1], cache: 'rows' });
  for (let p = 1; p <= Math.min(8, h); p++) for (let q = 1; q <= Math.min(8, w); q++) options.push({ patch: [p, q], cache: 'none' });
  for (const p of cachedSides) if (p <= h && p <= w && p > 2) options.push({ patch: [p, 2], cache: 'rows' });
  return options;
}

interface State {
  peak: number;
  extra: number;
  stagePeak: number;
  laterPeak: number;
  peakBlock: number;
  limitedBy: 'stage' | 'later';
  /** The plan's last stage and the stages before it (a list shared between states). */
  stages: Chain | null;
  count: number;
}

interface Chain {
  stage: StageChoice;
  before: Chain | null;
}

function stagesOf(chain: Chain | null): StageChoice[] {
  const out: StageChoice[] = [];
  for (let c = chain; c; c = c.before) out.push(c.stage);
  return out.reverse();
}

/** Keeps the states no other beats on both peak and extra MACs. */
function prune(states: State[]): State[] {
  states.sort((a, b) => a.peak - b.peak || a.extra - b.extra || a.count - b.count);
  const front: State[] = [];
  let best = Infinity;
  for (const s of states) {
    if (s.extra < best) {
      front.push(s);
      best = s.extra;
    }
  }
  return front;
}

/**
 * The Pareto front of (peak, MACs) over plans of several stages with caches: a dynamic programme
 * over the blocks, where each block runs layer by layer or starts a stage of up to
 * `maxStageBlocks` blocks, each stage with its own grid and cache. Peaks combine by max and extra
 * MACs by sum, so a front per block boundary is exact for the grids tried.
 */
export function searchStagePlans(model: Model, steps: readonly StepMemory[], options: StageSearchOptions = {}): { plans: Plan[]; evaluated: number; thinned: boolean } {
  const maxBlocks = options.maxStageBlocks ?? 8;
  const budget = options.maxEvaluations ?? 40_000;
  const B = model.blocks.length;
  const blockPeak = model.blocks.map((b) => {
    let peak = 0;
    for (let i = b.firstLayer; i < b.endLayer; i++) peak = Math.max(peak, steps[i].totalBytes);
    return peak;
  });
  const segments: [number, number][] = [];
  // A graph model's stages run on the chain runtime: they end where it can still run them.
  const runnable = chainRunnableLayers(model);
  for (let a = 0; a < B; a++) {
    if (model.layers.slice(0, model.blocks[a].firstLayer).some((l) => l.kind === 'gpool' || l.kind === 'fc')) break;
    for (let e = a; e < Math.min(B, a + maxBlocks); e++) {
      const blocker = stageBlocker(model, e, a);
      if ((blocker && blocker.why !== 'tapped') || model.blocks[e].endLayer > runnable) break;
      if (!blocker) segments.push([a, e]);
    }
  }
  const perSegment = Math.max(8, Math.floor(budget / Math.max(1, segments.length)));
  let evaluated = 0;
  let thinned = false;
  const stagesFrom: Map<number, { until: number; options: { choice: StageChoice; peak: number; extra: number; peakBlock: number }[] }[]> = new Map();
  for (const [a, e] of segments) {
    const out = model.blocks[e].output;
    let tried = stageOptions(out.h, out.w);
    if (tried.length > perSegment) {
      tried = tried.slice(0, perSegment);
      thinned = true;
    }
    const start = model.blocks[a].firstLayer;
    const end = model.blocks[e].endLayer;
    const memo = new Map<string, AxisRegions | CachedAxisRegions>();
    const regions = (axis: 'rows' | 'cols', parts: number, cached: boolean) => {
      const key = `${axis}${parts}${cached}`;
      let r = memo.get(key);
      if (!r) memo.set(key, (r = cached ? cachedAxisRegions(model, start, end, axis, parts) : axisRegions(model, end, axis, parts, start)));
      return r;
    };
    const found = [];
    for (const { patch, cache } of tried) {
      const spec: StageSpec = { fromBlock: a, untilBlock: e, patch, cache };
      const stage = evaluateStage(model, spec, { rows: regions('rows', patch[0], cache !== 'none'), cols: regions('cols', patch[1], cache === 'rows+cols') }, false);
      evaluated++;
      found.push({ choice: { fromBlock: a, untilBlock: e, patch, cache }, peak: stage.stagePeakBytes, extra: stage.macs - stage.macsLayerByLayer, peakBlock: model.layers[stage.peakLayer].block });
    }
    // Streamed runs of 1, 2 and 4 rows a band: every row once, input and output sharing memory.
    for (const band of [1, 2, 4]) {
      if (band > out.h || evaluated >= budget) continue;
      const stream = evaluateStream(model, { fromBlock: a, untilBlock: e, band });
      evaluated++;
      const choice: StageChoice = { fromBlock: a, untilBlock: e, patch: [stream.bands, 1], cache: 'rows', band };
      found.push({ choice, peak: stream.peakBytes, extra: stream.macs - stream.macsLayerByLayer, peakBlock: model.layers[stream.peakLayer].block });
    }
    found.sort((x, y) => x.peak - y.peak || x.extra - y.extra);
    const front = [];
    let best = Infinity;
    for (const f of found) {
      if (f.extra < best) {
        front.push(f);
        best = f.extra;
      }
    }
    if (!stagesFrom.has(a)) stagesFrom.set(a, []);
    stagesFrom.get(a)!.push({ until: e, options: front });
  }
  const fronts: State[][] = Array.from({ length: B + 1 }, () => []);
  fronts[0] = [{ peak: 0, extra: 0, stagePeak: 0, laterPeak: 0, peakBlock: -1, limitedBy: 'later', stages: null, count: 0 }];
  for (let b = 0; b < B; b++) {
    const here = prune(fronts[b]);
    for (const s of here) {
      const later = Math.max(s.laterPeak, blockPeak[b]);
      const takes = blockPeak[b] > s.peak;
      fronts[b + 1].push({ ...s, peak: Math.max(s.peak, blockPeak[b]), laterPeak: later, peakBlock: takes ? b : s.peakBlock, limitedBy: takes ? 'later' : s.limitedBy });
      for (const { until, options: opts } of stagesFrom.get(b) ?? []) {
        for (const o of opts) {
          const takesStage = o.peak > s.peak;
          fronts[until + 1].push({
            peak: Math.max(s.peak, o.peak),
            extra: s.extra + o.extra,
            stagePeak: Math.max(s.stagePeak, o.peak),
            laterPeak: s.laterPeak,
            peakBlock: takesStage ? o.peakBlock : s.peakBlock,
            limitedBy: takesStage ? 'stage' : s.limitedBy,
            stages: { stage: o.choice, before: s.stages },
            count: s.count + 1,
          });
        }
      }
    }
    fronts[b] = [];
  }
  const plans = prune(fronts[B]).map((s) => ({ stages: stagesOf(s.stages), peakBytes: s.peak, extraMacs: s.extra, stagePeakBytes: s.stagePeak, laterPeakBytes: s.laterPeak, peakBlock: s.peakBlock, limitedBy: s.limitedBy }));
  return { plans, evaluated, thinned };
}
