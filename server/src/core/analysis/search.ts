import { Layer, Model } from '../model/ir';
import { limits } from '../limits';
import { isPatchable, macs, sourcesOf, stageBlocker } from '../model/ops';
import { chainRunnableLayers } from '../model/kernelFit';
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
  /** Work bound: layers evaluated, summed over the candidates (default limits.searchLayerEvaluations). */
  maxWork?: number;
  /** Time bound, milliseconds (default limits.searchMillis). */
  maxMillis?: number;
  /** Told after each split point: split points done and their number. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Also search row and column caches and several stages (searchStages.ts). Off by default: the
   * firmware runs MCUNetV2's single stage only, and quick fixes offer what it can run.
   */
  beyond?: boolean | StageSearchOptions;
}

/** How a search that did not try every candidate ended. */
export interface SearchBound {
  by: 'work' | 'time' | 'cancelled';
  /** Candidates evaluated (layer by layer included) and how many the full search has. */
  evaluated: number;
  total: number;
  /** Split points tried: blocks 0 to this one. */
  lastBlock: number;
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
  /** Present when the search stopped at a bound: the result is the best of what was tried. */
  bounded?: SearchBound;
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
 * the fewest-MAC schedule that fits `budgetBytes`, and why nothing fits when nothing does. Split
 * points are tried from the input on, and the search stops at its work or time bound (a deep
 * model's later split points matter least: patch stages pay off where activations are large).
 */
export function searchSchedules(model: Model, budgetBytes = model.target.sramBytes, options: SearchOptions = {}): SearchResult {
  const search = new ScheduleSearch(model, budgetBytes, options);
  while (search.step());
  return search.result();
}

/**
 * The same search in slices of about `sliceMillis`, giving the event loop a turn between them, so
 * that a server can take the next message and `isCancelled` can stop it (the result then says so).
 */
export async function searchSchedulesAsync(model: Model, budgetBytes: number, options: SearchOptions & { isCancelled: () => boolean; sliceMillis?: number }): Promise<SearchResult> {
  const search = new ScheduleSearch(model, budgetBytes, options);
  const slice = options.sliceMillis ?? 20;
  let sliceStart = Date.now();
  while (search.step()) {
    if (Date.now() - sliceStart < slice) continue;
    await new Promise((resolve) => setTimeout(resolve, 0));
    sliceStart = Date.now();
    if (options.isCancelled()) search.stop('cancelled');
  }
  return search.result();
}

/** The search as steps of one split point each (every grid of it), with its bounds. */
class ScheduleSearch {
  private readonly maxPatches: number;
  private readonly steps: StepMemory[];
  private readonly suffix: ReturnType<typeof suffixPeaks>;
  private readonly totalMacs: number;
  private readonly candidates: Candidate[];
  private readonly splits: number[];
  private readonly total: number;
  private readonly started = Date.now();
  private next = 0;
  private work = 0;
  private bound: SearchBound['by'] | undefined;

  constructor(private readonly model: Model, private readonly budgetBytes: number, private readonly options: SearchOptions) {
    this.maxPatches = options.maxPatches ?? 8;
    this.steps = layerByLayer(model);
    this.suffix = suffixPeaks(this.steps);
    let total = 0;
    for (const layer of model.layers) total += macs(layer);
    this.totalMacs = total;
    this.candidates = [this.layerByLayerCandidate()];
    this.splits = splitPoints(model);
    this.total = 1 + this.splits.reduce((n, b) => n + Math.min(this.maxPatches, model.blocks[b].output.h) * Math.min(this.maxPatches, model.blocks[b].output.w), 0);
  }

  /** Tries the next split point; false when done or stopped at a bound. */
  step(): boolean {
    if (this.bound || this.next >= this.splits.length) return false;
    const maxWork = this.options.maxWork ?? limits.searchLayerEvaluations;
    const maxMillis = this.options.maxMillis ?? limits.searchMillis;
    if (this.work >= maxWork) return this.stop('work');
    if (Date.now() - this.started >= maxMillis) return this.stop('time');
    this.splitAt(this.model.blocks[this.splits[this.next++]]);
    this.options.onProgress?.(this.next, this.splits.length);
    return this.next < this.splits.length;
  }

  stop(by: SearchBound['by']): false {
    if (this.next < this.splits.length) this.bound = by;
    return false;
  }

  result(): SearchResult {
    const { candidates, budgetBytes, model } = this;
    const { beyond } = this.options;
    if (beyond) candidates.push(...beyondCandidates(model, this.steps, this.totalMacs, beyond === true ? {} : beyond));
    const pareto = paretoFront(candidates);
    const fitting = pareto.filter((c) => c.peakBytes <= budgetBytes).sort((a, b) => a.macs - b.macs || a.peakBytes - b.peakBytes);
    const best = fitting[0] ?? null;
    const choices = fitting.length <= 3 ? fitting : [fitting[0], fitting[Math.floor((fitting.length - 1) / 2)], fitting[fitting.length - 1]];
    const result: SearchResult = { budgetBytes, layerByLayer: candidates[0], candidates, pareto, best, choices };
    if (!best) result.reason = explain(model, pareto[0], budgetBytes);
    if (this.bound) result.bounded = { by: this.bound, evaluated: candidates.length, total: this.total, lastBlock: this.next > 0 ? this.splits[this.next - 1] : -1 };
    return result;
  }

  private layerByLayerCandidate(): Candidate {
    const peak = this.suffix.bytes[0];
    return { patch: null, untilBlock: null, peakBytes: peak, stagePeakBytes: 0, laterPeakBytes: peak, macs: this.totalMacs, overheadTotal: 0, peakBlock: this.model.layers[this.suffix.layer[0]].block, limitedBy: 'later' };
  }

  private splitAt(block: Model['blocks'][number]): void {
    const { model, totalMacs, maxPatches } = this;
    const end = block.endLayer;
    const rowCache: AxisRegions[] = [];
    const colCache: AxisRegions[] = [];
    const laterBytes = this.suffix.bytes[end];
    const laterLayer = this.suffix.layer[end];
    for (let p = 1; p <= Math.min(maxPatches, block.output.h); p++) {
      const rows = (rowCache[p] ??= axisRegions(model, end, 'rows', p));
      for (let q = 1; q <= Math.min(maxPatches, block.output.w); q++) {
        const cols = (colCache[q] ??= axisRegions(model, end, 'cols', q));
        const stage = evaluatePatchStage(model, block.index, [p, q], rows, cols, false);
        this.work += end;
        const scheduled = totalMacs - stage.macsLayerByLayer + stage.macs;
        const stageWins = stage.stagePeakBytes >= laterBytes;
        this.candidates.push({
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
}

/**
 * The blocks a patch stage may end at, in one pass (stageBlocker per block was quadratic): the
 * stage must hold only patchable layers (the first other one ends the search), and no later layer
 * may read from inside it but its last layer (a tapped split point is skipped).
 */
export function splitPoints(model: Model): number[] {
  const { layers } = model;
  const firstUnpatchable = layers.findIndex((l) => !isPatchable(l));
  // A graph model's stages run on the chain runtime: they end where it can still run them.
  const runnable = chainRunnableLayers(model);
  // lowestRead[i]: the lowest layer index any layer from i on reads (-1: the network input).
  const lowestRead = new Float64Array(layers.length + 1).fill(Infinity);
  for (let i = layers.length - 1; i >= 0; i--) lowestRead[i] = Math.min(lowestRead[i + 1], ...sourcesOf(layers[i]));
  const splits: number[] = [];
  for (const block of model.blocks) {
    const end = block.endLayer;
    if ((firstUnpatchable >= 0 && firstUnpatchable < end) || end > runnable) break;
    if (lowestRead[end] < end - 1) continue;
    splits.push(block.index);
  }
  return splits;
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
