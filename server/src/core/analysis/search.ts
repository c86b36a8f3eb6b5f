import { Layer, Model } from '../model/ir';
import { macs, sourcesOf, stageBlocker } from '../model/ops';
import { formatKiB } from '../units';
import { layerByLayer, StepMemory } from './memory';
import { axisRegions, AxisRegions, evaluatePatchStage } from './patch';
import { Plan, searchStagePlans, StageChoice, StageSearchOptions } from './searchStages';

/** One point of the schedule space; `patch` and `untilBlock` are null for plain layer-by-layer. */
export interface Candidate {
  patch: [number, number] | null;
  untilBlock: number | null;
  /** max(stagePeakBytes, laterPeakBytes): activations, scratch not included. */
  peakBytes: number;
  stagePeakBytes: number;
  laterPeakBytes: number;
  macs: number;
  /** MACs ÷ layer-by-layer MACs − 1. */
  overheadTotal: number;
  /** The block where the peak is reached, and whether it is in the patch stage. */
  peakBlock: number;
  limitedBy: 'stage' | 'later';
  /**
   * Only for schedules beyond MCUNetV2's (the `beyond` search): every stage, with its first block
   * and its cache; `patch` and `untilBlock` are then the first stage's.
   */
  stages?: StageChoice[];
}

export interface SearchOptions {
  /** Largest patch count per side (the issue's 1..8). */
  maxPatches?: number;
  /**
   * Also search row and column caches and several stages (searchStages.ts). Off by default: the
   * firmware runs MCUNetV2's single stage only, and quick fixes offer what it can run.
   */
  beyond?: boolean | StageSearchOptions;
}

export interface SearchResult {
  budgetBytes: number;
  layerByLayer: Candidate;
  /** Every schedule evaluated, layer-by-layer first. */
  candidates: Candidate[];
  /** Not dominated in (peak, MACs), by rising peak. */
  pareto: Candidate[];
  /** Fewest MACs within the budget (layer-by-layer when that fits); null when nothing fits. */
  best: Candidate | null;
  /** Up to three fitting choices for a quick fix: fewest MACs, lowest peak, one between. */
  choices: Candidate[];
  /** Plain-language reason when nothing fits. */
  reason?: string;
}

/** Suffix maxima of step memory: the layer-by-layer peak of layers [i, n). */
function suffixPeaks(steps: StepMemory[]): { bytes: Float64Array; layer: Int32Array } {
  const n = steps.length;
  const bytes = new Float64Array(n + 1);
  const layer = new Int32Array(n + 1).fill(-1);
  for (let i = n - 1; i >= 0; i--) {
    const take = steps[i].totalBytes >= bytes[i + 1];
    bytes[i] = take ? steps[i].totalBytes : bytes[i + 1];
    layer[i] = take ? i : layer[i + 1];
  }
  return { bytes, layer };
}

/**
 * Every split point × P×Q grid (1..maxPatches per side): peak memory and MACs, the Pareto front,
 * the fewest-MAC schedule that fits `budgetBytes`, and why nothing fits when nothing does.
 */
export function searchSchedules(model: Model, budgetBytes = model.target.sramBytes, options: SearchOptions = {}): SearchResult {
  const maxPatches = options.maxPatches ?? 8;
  const steps = layerByLayer(model);
  const suffix = suffixPeaks(steps);
  const layerMacs = model.layers.map(macs);
  let totalMacs = 0;
  for (const m of layerMacs) totalMacs += m;
  const lbl: Candidate = {
    patch: null,
    untilBlock: null,
    peakBytes: suffix.bytes[0],
    stagePeakBytes: 0,
    laterPeakBytes: suffix.bytes[0],
    macs: totalMacs,
    overheadTotal: 0,
    peakBlock: model.layers[suffix.layer[0]].block,
    limitedBy: 'later',
  };
  const candidates: Candidate[] = [lbl];
  for (const block of model.blocks) {
    const end = block.endLayer;
    const blocker = stageBlocker(model, block.index);
    if (blocker && blocker.why !== 'tapped') break;
    if (blocker) continue;
    const rowCache: AxisRegions[] = [];
    const colCache: AxisRegions[] = [];
    const laterBytes = suffix.bytes[end];
    const laterLayer = suffix.layer[end];
    for (let p = 1; p <= Math.min(maxPatches, block.output.h); p++) {
      const rows = (rowCache[p] ??= axisRegions(model, end, 'rows', p));
      for (let q = 1; q <= Math.min(maxPatches, block.output.w); q++) {
        const cols = (colCache[q] ??= axisRegions(model, end, 'cols', q));
        const stage = evaluatePatchStage(model, block.index, [p, q], rows, cols, false);
        const scheduled = totalMacs - stage.macsLayerByLayer + stage.macs;
        const stageWins = stage.stagePeakBytes >= laterBytes;
        candidates.push({
          patch: [p, q],
          untilBlock: block.index,
          peakBytes: Math.max(stage.stagePeakBytes, laterBytes),
          stagePeakBytes: stage.stagePeakBytes,
          laterPeakBytes: laterBytes,
          macs: scheduled,
          overheadTotal: scheduled / totalMacs - 1,
          peakBlock: stageWins || laterLayer < 0 ? model.layers[stage.peakLayer].block : model.layers[laterLayer].block,
          limitedBy: stageWins || laterLayer < 0 ? 'stage' : 'later',
        });
      }
    }
  }
  if (options.beyond) candidates.push(...beyondCandidates(model, steps, totalMacs, options.beyond === true ? {} : options.beyond));
  const pareto = paretoFront(candidates);
  const fitting = pareto.filter((c) => c.peakBytes <= budgetBytes).sort((a, b) => a.macs - b.macs || a.peakBytes - b.peakBytes);
  const best = fitting[0] ?? null;
  const choices = fitting.length <= 3 ? fitting : [fitting[0], fitting[Math.floor((fitting.length - 1) / 2)], fitting[fitting.length - 1]];
  const result: SearchResult = { budgetBytes, layerByLayer: lbl, candidates, pareto, best, choices };
  if (!best) result.reason = explain(model, pareto[0], budgetBytes);
  return result;
}

/** The plans of several stages or with caches, as candidates (MCUNetV2's own are already there). */
function beyondCandidates(model: Model, steps: StepMemory[], totalMacs: number, options: StageSearchOptions): Candidate[] {
  const plain = (p: Plan) => p.stages.length === 0 || (p.stages.length === 1 && p.stages[0].fromBlock === 0 && p.stages[0].cache === 'none' && p.stages[0].band === undefined);
  return searchStagePlans(model, steps, options).plans.filter((p) => !plain(p)).map((p) => ({
    patch: p.stages[0].patch,
    untilBlock: p.stages[0].untilBlock,
    peakBytes: p.peakBytes,
    stagePeakBytes: p.stagePeakBytes,
    laterPeakBytes: p.laterPeakBytes,
    macs: totalMacs + p.extraMacs,
    overheadTotal: p.extraMacs / totalMacs,
    peakBlock: p.peakBlock,
    limitedBy: p.limitedBy,
    stages: p.stages,
  }));
}

/** Candidates no other beats on both peak and MACs, by rising peak (ties: fewer patches first). */
export function paretoFront(candidates: readonly Candidate[]): Candidate[] {
  const patches = (c: Candidate) => (c.patch ? c.patch[0] * c.patch[1] : 0);
  const sorted = [...candidates].sort((a, b) => a.peakBytes - b.peakBytes || a.macs - b.macs || patches(a) - patches(b));
  const front: Candidate[] = [];
  let bestMacs = Infinity;
  for (const c of sorted) {
    if (c.macs < bestMacs) {
      front.push(c);
      bestMacs = c.macs;
    }
  }
  return front;
}

/** Why the lowest-peak schedule still does not fit, in a sentence. */
function explain(model: Model, lowest: Candidate, budgetBytes: number): string {
  const block = model.blocks[lowest.peakBlock];
  const what = `block ${block.index} (${block.label})`;
  const over = `${formatKiB(lowest.peakBytes)} > ${formatKiB(budgetBytes)}`;
  if (!lowest.patch) {
    return `${what} needs ${over} layer by layer, and no patch stage lowers the peak${unreachable(model, block.index)}`;
  }
  const schedule = `patch=${lowest.patch[0]}x${lowest.patch[1]} until=block${lowest.untilBlock}`;
  if (lowest.limitedBy === 'later') {
    return `${what} needs ${formatKiB(lowest.laterPeakBytes)} layer by layer even with the best patch stage (${schedule}); the budget is ${formatKiB(budgetBytes)}${unreachable(model, block.index)}`;
  }
  const stage = evaluatePatchStage(model, lowest.untilBlock!, lowest.patch);
  return `the patch stage needs ${over} even with the best schedule (${schedule}): ${what} needs ${formatKiB(stage.perPatchPeakBytes)} per patch + ${formatKiB(stage.stageOutputBytes + stage.heldInputBytes)} stage buffers`;
}

/** Why no patch stage can take in `block` (global ops, graph ops, a branch crossing), or ''. */
function unreachable(model: Model, block: number): string {
  const blocker = stageBlocker(model, block);
  if (!blocker) return '';
  const at = (index: number) => `block ${index} (${model.blocks[index].label})`;
  switch (blocker.why) {
    case 'global': return `; no patch stage reaches it: ${at(blocker.layer.block)} needs the whole tensor`;
    case 'graph': return `; no patch stage reaches it: ${at(blocker.layer.block)} is a graph op, which runs layer by layer`;
    case 'branch': return `; no patch stage reaches it: ${at(blocker.layer.block)} starts a second branch (it reads ${readsOf(model, blocker.layer)})`;
    case 'tapped': return `; no patch stage reaches it: ${at(blocker.reader.block)} reads ${blocker.layer ? `the output of block ${blocker.layer.block}` : 'the network input'}, a branch that would cross the stage`;
  }
}

function readsOf(model: Model, layer: Layer): string {
  return sourcesOf(layer).map((s) => (s < 0 ? 'the network input' : `block ${model.layers[s].block}'s output`)).join(' and ');
}
