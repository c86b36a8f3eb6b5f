import { AnalysisReport } from '../analysis/analyze';
import { CachedAxisRegions, cachedAxisRegions } from '../analysis/cachedRegions';
import { axisRegions, AxisRegions } from '../analysis/patch';
import { stageSpecs, streamSpecs } from '../analysis/plan';
import { StageSpec, stageRegions, streamInputLowest, StreamSpec } from '../analysis/stage';
import { bytesOf, Layer, Model } from '../model/ir';
import { ArenaPlan, Place, PlannedBuffer, PlannedRun, PlannedStep, Rect } from './arenaTypes';
import { verifyPlan } from './planCheck';
import { colRingMoves, Grid, LayerRings, layOutRings, move, PlannedMove, rowRingMoves, StageRings } from './stageCaches';

export { ArenaPlan, Place, PlannedBuffer, PlannedRun, PlannedStep, Rect, stageStepCount } from './arenaTypes';

type End = 'bottom' | 'top';

/** A stored tensor during planning: its view, and the span it occupies (possibly larger). */
interface Slot {
  place: Place;
  start: number;
  size: number;
  /** The end of the activation area it lies at; null for an input read where it is (image or held stage input). */
  end: End | null;
  buffer: number;
}

const full = (s: { h: number; w: number }): Rect => ({ y0: 0, x0: 0, rows: s.h, cols: s.w });

function compact(start: number, rect: Rect, c: number): Place {
  return { space: 'arena', offset: start, rowStride: rect.cols * c, ...rect };
}

/** The part `rect` of a stored region (same row stride). */
function subPlace(place: Place, rect: Rect, c: number): Place {
  return { ...rect, space: place.space, rowStride: place.rowStride, offset: place.offset + (rect.y0 - place.y0) * place.rowStride + (rect.x0 - place.x0) * c };
}

/** What a patch of a stage writes into and keeps beside its working area. */
interface StageTarget {
  place: Place;
  buffer: number;
  /** Row (and column) caches; null for recomputed borders. */
  rings: StageRings | null;
  /** Does a later patch row (patch column) read this patch's rows (columns)? */
  savesRows: boolean;
  savesCols: boolean;
}

/**
 * Plans the arena of a model: every step's input, output and shortcut get static offsets.
 * Tensors live at the two ends of the activation area and a layer writes to the end opposite its
 * input; a block's kept input stays at its end and the layers inside the block stack beside it;
 * the fused shortcut add writes over the kept input; depthwise layers write over their input. A
 * patch stage holds its input where it is (at one end), its output at the other, its row caches
 * beside its input, and runs its patches in between.
 * The activation area is exactly the analysis' peak, so a plan that does not fit is a bug.
 */
export function planArena(model: Model, report: AnalysisReport): ArenaPlan {
  const planner = new Planner(model, report.scratchBytes, report.peakBytes);
  const plan = planner.run();
  verifyPlan(model, plan);
  return plan;
}

class Planner {
  private readonly steps: PlannedStep[] = [];
  private readonly buffers: PlannedBuffer[] = [];
  private readonly runs: PlannedRun[] = [];
  private readonly base: number;
  private readonly top: number;
  /** Moves waiting for the next step. */
  private pending: PlannedMove[] = [];

  constructor(private readonly model: Model, private readonly scratchBytes: number, private readonly peak: number) {
    this.base = scratchBytes;
    this.top = scratchBytes + peak;
  }

  run(): ArenaPlan {
    const { model } = this;
    const inputShape = model.input.shape;
    const held = model.input.placement === 'sram';
    const inputBytes = bytesOf(inputShape);
    let current: Slot = held
      ? { place: compact(this.base, full(inputShape), inputShape.c), start: this.base, size: inputBytes, end: 'bottom', buffer: this.buffer('input', this.base, inputBytes, -1) }
      : { place: { space: 'input', offset: 0, rowStride: inputShape.w * inputShape.c, ...full(inputShape) }, start: -1, size: 0, end: null, buffer: -1 };
    let next = 0;
    const runs = [...stageSpecs(model).map((spec) => ({ spec, stream: null })), ...streamSpecs(model).map((stream) => ({ spec: null, stream }))];
    runs.sort((a, b) => (a.spec ?? a.stream!).fromBlock - (b.spec ?? b.stream!).fromBlock);
    for (const { spec, stream } of runs) {
      const start = model.blocks[(spec ?? stream!).fromBlock].firstLayer;
      if (start > next) current = this.wholeLayers(range(next, start), current);
      next = model.blocks[(spec ?? stream!).untilBlock].endLayer;
      current = spec ? this.stage(spec, current) : this.stream(stream!, current, next === model.layers.length);
    }
    if (next < model.layers.length) current = this.wholeLayers(range(next, model.layers.length), current);
    const first = this.runs.find((r) => r.kind !== 'whole');
    return {
      outputOffset: current.place.offset,
      scratchBytes: this.scratchBytes,
      activationOffset: this.base,
      activationBytes: this.peak,
      arenaBytes: this.top,
      patches: first?.patches ?? 0,
      stageLayers: first?.layers.length ?? 0,
      runs: this.runs,
      steps: this.steps,
      buffers: this.buffers,
    };
  }

  private wholeLayers(layers: number[], input: Slot): Slot {
    this.runs.push({ kind: 'whole', firstStep: this.steps.length, patches: 0, layers });
    return this.placeRun(layers, null, (l) => ({ in: full(this.model.layers[l].input), out: full(this.model.layers[l].output) }), this.base, this.top, input);
  }

  /**
   * One patch stage: its input held where it is, its output at the other end (the top when the
   * input is streamed), its row caches beside the input, the patches in between.
   */
  private stage(spec: StageSpec, held: Slot): Slot {
    const { model } = this;
    const start = model.blocks[spec.fromBlock].firstLayer;
    const end = model.blocks[spec.untilBlock].endLayer;
    const [P, Q] = spec.patch;
    const regions = stageRegions(model, spec);
    const out = model.layers[end - 1].output;
    const outBytes = bytesOf(out);
    const outEnd: End = held.end === 'top' ? 'bottom' : 'top';
    const outStart = outEnd === 'top' ? this.top - outBytes : this.base;
    const stagePlace = compact(outStart, full(out), out.c);
    const stageBuffer = this.buffer(`${model.layers[end - 1].name} (stage output)`, outStart, outBytes, this.steps.length - 1);
    // The patches' area: between the held input (with the caches beside it) and the stage output.
    let lo = held.end === 'bottom' ? held.start + held.size : this.base;
    let hi = held.end === 'top' ? held.start : this.top;
    if (outEnd === 'top') hi = outStart;
    else lo = outStart + outBytes;
    let rings: StageRings | null = null;
    if (spec.cache !== 'none') {
      const both = spec.cache === 'rows+cols';
      const rowRegions = regions.rows as CachedAxisRegions;
      const bytes = layOutRings(model, start, end, rowRegions, regions.cols, both, 0, () => -1).bytes;
      const what = both ? 'row and column caches' : 'row caches';
      rings = layOutRings(model, start, end, rowRegions, regions.cols, both, held.end === 'top' ? hi - bytes : lo, (l, at, size) => this.buffer(`${model.layers[l - 1].name} (${what})`, at, size, this.steps.length - 1));
      if (held.end === 'top') hi -= bytes;
      else lo += bytes;
    }
    const rect = (r: AxisRegions, c: AxisRegions, l: number, i: number, j: number, side: 'in' | 'out'): Rect => {
      const at = (x: AxisRegions, k: number) => (side === 'in' ? [x.inLo[l * x.parts + k], x.inHi[l * x.parts + k]] : [x.outLo[l * x.parts + k], x.outHi[l * x.parts + k]]);
      const [y0, y1] = at(r, i);
      const [x0, x1] = at(c, j);
      return { y0, x0, rows: Math.max(0, y1 - y0 + 1), cols: Math.max(0, x1 - x0 + 1) };
    };
    this.runs.push({ kind: 'stage', firstStep: this.steps.length, patches: P * Q, layers: range(start, end) });
    const { rows, cols } = regions;
    for (let i = 0; i < P; i++) {
      for (let j = 0; j < Q; j++) {
        const input: Slot = { ...held, place: subPlace(held.place, rect(rows, cols, start, i, j, 'in'), model.layers[start].input.c), end: null };
        const target: StageTarget = { place: stagePlace, buffer: stageBuffer, rings, savesRows: i + 1 < P, savesCols: j + 1 < Q };
        this.placeRun(range(start, end), [i, j], (l) => ({ in: rect(rows, cols, l, i, j, 'in'), out: rect(rows, cols, l, i, j, 'out') }), lo, hi, input, target);
      }
    }
    // The stage input, output and caches are held from the first patch to the last: their space
    // is the stage's whole time (as the analysis counts it).
    const cacheBuffers = (rings?.layers ?? []).map((r) => (r ? r[0].buffer : -1));
    for (const b of [held.buffer, stageBuffer, ...cacheBuffers]) if (b >= 0) this.buffers[b].lastStep = Math.max(this.buffers[b].lastStep, this.steps.length - 1);
    return { place: stagePlace, start: outStart, size: outBytes, end: outEnd, buffer: stageBuffer };
  }

  /**
   * A streamed run: bands of full-width rows with row caches. Its input is read at the top end (moved
   * there when it lies at the bottom), its rows freed band by band from their low addresses; the
   * caches sit at the bottom and the output grows up from them. Each band's steps then fit between
   * the output written so far and the input rows still to read, as the analysis counts it. After the
   * run the output moves down over the dead caches, to lie at the bottom end for the layers after.
   */
  private stream(spec: StreamSpec, held: Slot, last: boolean): Slot {
    const { model } = this;
    const start = model.blocks[spec.fromBlock].firstLayer;
    const end = model.blocks[spec.untilBlock].endLayer;
    const inShape = model.layers[start].input;
    const out = model.layers[end - 1].output;
    const bands = Math.ceil(out.h / spec.band);
    const rows = cachedAxisRegions(model, start, end, 'rows', bands);
    const cols = axisRegions(model, end, 'cols', 1, start);
    const name = model.layers[end - 1].name;
    const inRow = inShape.w * inShape.c;
    const outRow = out.w * out.c;
    const lowest = streamInputLowest(rows, start, inShape.h);
    const { arena, inStart, inPlace, chunks } = this.streamInput(held, start, lowest);
    const rings = layOutRings(model, start, end, rows, cols, false, this.base, (l, at, size) => this.buffer(`${model.layers[l - 1].name} (row caches)`, at, size, this.steps.length - 1));
    const outStart = this.base + rings.bytes;
    const outPlace = compact(outStart, full(out), out.c);
    const outChunks: number[] = [];
    this.runs.push({ kind: 'stream', firstStep: this.steps.length, patches: bands, layers: range(start, end) });
    for (let b = 0; b < bands; b++) {
      const at = (l: number) => l * bands + b;
      const inLo = lowest[b];
      const chunk = chunks[b];
      const outLo = rows.outLo[at(end - 1)];
      const outHi = rows.outHi[at(end - 1)];
      const outChunk = this.buffer(`${name} rows ${outLo}-${outHi} (streamed run)`, outStart + outLo * outRow, Math.max(0, outHi - outLo + 1) * outRow, this.steps.length - 1);
      outChunks.push(outChunk);
      const rect = (l: number, side: 'in' | 'out'): Rect => {
        const [y0, y1] = side === 'in' ? [rows.inLo[at(l)], rows.inHi[at(l)]] : [rows.outLo[at(l)], rows.outHi[at(l)]];
        const [x0, x1] = side === 'in' ? [cols.inLo[l], cols.inHi[l]] : [cols.outLo[l], cols.outHi[l]];
        return { y0, x0, rows: Math.max(0, y1 - y0 + 1), cols: Math.max(0, x1 - x0 + 1) };
      };
      const input: Slot = { place: subPlace(inPlace, rect(start, 'in'), inShape.c), start: -1, size: 0, end: null, buffer: chunk };
      const target: StageTarget = { place: outPlace, buffer: outChunk, rings, savesRows: b + 1 < bands, savesCols: false };
      const lo = outStart + (outHi + 1) * outRow;
      const hi = arena ? inStart + inLo * inRow : this.top;
      this.placeRun(range(start, end), [b, 0], (l) => ({ in: rect(l, 'in'), out: rect(l, 'out') }), lo, hi, input, target);
      // Its rows stay where they are until the band ends: the band's steps lie below them.
      if (chunk >= 0) this.buffers[chunk].lastStep = this.steps.length - 1;
    }
    const cacheBuffers = rings.layers.map((r) => (r ? r[0].buffer : -1));
    for (const b of [...outChunks, ...cacheBuffers]) if (b >= 0) this.buffers[b].lastStep = Math.max(this.buffers[b].lastStep, this.steps.length - 1);
    const size = bytesOf(out);
    const whole = this.buffer(`${name} (streamed run output)`, outStart, size, this.steps.length - 1);
    if (last || rings.bytes === 0) return { place: outPlace, start: outStart, size, end: 'bottom', buffer: whole };
    const moved = this.buffer(`${name} (streamed run output, moved down)`, this.base, size, this.steps.length - 1);
    this.pending.push({ to: this.base, from: outStart, bytes: size, rows: 1, toStride: size, fromStride: size, into: moved, outOf: whole });
    return { place: compact(this.base, full(out), out.c), start: this.base, size, end: 'bottom', buffer: moved };
  }

  /**
   * A streamed run's input at the top end (a copy before its first step when it lies elsewhere;
   * a run's output about to move down goes straight there instead), as one buffer per band of the
   * rows freed after that band: those below the lowest row a later band reads (`lowest`).
   */
  private streamInput(held: Slot, start: number, lowest: Int32Array): { arena: boolean; inStart: number; inPlace: Place; chunks: number[] } {
    const inShape = this.model.layers[start].input;
    const arena = held.place.space === 'arena';
    const inStart = arena ? this.top - held.size : 0;
    const inPlace = arena ? compact(inStart, full(inShape), inShape.c) : held.place;
    if (!arena) return { arena, inStart, inPlace, chunks: Array.from(lowest, () => -1) };
    const name = this.model.layers[start].name;
    const whole = this.buffer(`${name} input (streamed run)`, inStart, held.size, this.steps.length - 1);
    const prior = this.pending.length > 0 && this.pending[this.pending.length - 1].into === held.buffer ? this.pending.pop()! : null;
    const from = prior ? prior.from : held.start;
    if (from !== inStart) this.pending.push({ to: inStart, from, bytes: held.size, rows: 1, toStride: held.size, fromStride: held.size, into: whole, outOf: prior ? prior.outOf : held.buffer });
    const row = inShape.w * inShape.c;
    const chunks = Array.from(lowest, (lo, b) => {
      const next = b + 1 < lowest.length ? lowest[b + 1] : inShape.h;
      const chunk = this.buffer(`${name} input rows ${lo}-${next - 1}`, inStart + lo * row, (next - lo) * row, this.steps.length - 1);
      this.buffers[chunk].partOf = whole;
      return chunk;
    });
    return { arena, inStart, inPlace, chunks };
  }

  private buffer(name: string, offset: number, size: number, step: number): number {
    this.buffers.push({ name, offset, size, firstStep: step, lastStep: step });
    return this.buffers.length - 1;
  }

  private use(slot: Slot): void {
    if (slot.buffer >= 0) this.buffers[slot.buffer].lastStep = Math.max(this.buffers[slot.buffer].lastStep, this.steps.length - 1);
  }

  /**
   * Places one run of layers (a patch of a stage, or the layers run whole) in [lo, hi); returns
   * where the last output is.
   */
  private placeRun(layers: number[], patch: [number, number] | null, region: (l: number) => { in: Rect; out: Rect }, lo: number, hi: number, input: Slot, stage?: StageTarget): Slot {
    const { model } = this;
    let current = input;
    let kept: Slot | null = null;
    const lastLayer = layers[layers.length - 1];
    for (const l of layers) {
      const layer = model.layers[l];
      const block = model.blocks[layer.block];
      const rects = region(l);
      const rings = stage?.rings?.layers[l]?.[patch![1]];
      if (rings && l !== layers[0]) current = this.assemble(layer, rects.in, region(l - 1).out, current, rings, stage!, patch);
      if (block.shortcut && l === block.firstLayer) {
        // The sum is written over the kept input, never over the network input (in flash, or held
        // for the other patches); a later stage's held input is read where it is, and the sum
        // gets a buffer of its own, as the analysis counts it.
        if (current.end === null && (current.buffer === -1 || this.buffers[current.buffer].name === 'input')) throw new Error(`${block.label} (block ${block.index}) adds a shortcut over the network input, which the runtime cannot write`);
        kept = current;
      }
      const inView: Place = current.end === null ? current.place : subPlace(current.place, rects.in, layer.input.c);
      let out: Slot;
      let into = -1;
      if (stage && l === lastLayer) {
        out = { place: subPlace(stage.place, rects.out, layer.output.c), start: stage.place.offset, size: 0, end: null, buffer: stage.buffer };
        into = stage.buffer;
      } else if (layer.writesShortcut && kept && kept.end !== null) {
        // The sum goes over the kept input, compacted toward its end of the area (the kernels run
        // backwards when the output lies after the residual, so that nothing unread is lost), and
        // the block output takes just its region's bytes, as the analysis counts it.
        const size = rects.out.rows * rects.out.cols * layer.output.c;
        const start = kept.end === 'top' ? kept.start + kept.size - size : kept.start;
        out = { place: compact(start, rects.out, layer.output.c), start, size, end: kept.end, buffer: this.buffer(`${layer.name}${suffixOf(patch)}`, start, size, this.steps.length) };
      } else {
        out = this.fresh(layer, rects.out, current, kept, lo, hi, patch);
      }
      this.steps.push({ layer: l, patch, in: inView, out: out.place, residual: layer.writesShortcut && kept ? kept.place : null, moves: this.pending, into });
      this.pending = [];
      this.use(current);
      if (layer.writesShortcut && kept) this.use(kept);
      current = out;
      if (l === block.endLayer - 1) kept = null;
    }
    return current;
  }

  /**
   * A cached layer's input region: the new pixels the layer before just wrote (`prev`), moved to
   * their place in the region, with the rows above them from the row ring and the columns left of
   * them from the column ring around them. At the top end the region ends where the new pixels
   * end; at the bottom it starts where they start. Either way its space was the layer before's
   * input, dead by now (the analysis counts the whole region as this step's input). Then the new
   * lines that later patches read go into the rings.
   */
  private assemble(layer: Layer, rect: Rect, prev: Rect, fresh: Slot, rings: LayerRings, stage: StageTarget, patch: [number, number] | null): Slot {
    const c = layer.input.c;
    const stride = rect.cols * c;
    const size = rect.rows * stride;
    const start = fresh.end === 'top' ? fresh.start + fresh.size - size : fresh.start;
    const buffer = this.buffer(`${layer.name} input${suffixOf(patch)}`, start, size, this.steps.length - 1);
    const region: Grid = { at: (r, x) => start + (r - rect.y0) * stride + (x - rect.x0) * c, stride, buffer };
    const made: Grid = { at: (r, x) => fresh.start + (r - prev.y0) * prev.cols * c + (x - prev.x0) * c, stride: prev.cols * c, buffer: fresh.buffer };
    const [y1, x1] = [rect.y0 + rect.rows - 1, rect.x0 + rect.cols - 1];
    const [newY, newX] = [prev.y0, prev.x0];
    // With a column ring the row ring holds only this column of patches' own columns.
    const rowX = rings.cols ? newX : rect.x0;
    const moves = [
      move(region, made, newY, y1, newX, x1, c),
      ...rowRingMoves(rings, region, rect.y0, newY - 1, rowX, x1, c, false),
      ...colRingMoves(rings, region, rect.y0, rect.y0, y1, rect.x0, newX - 1, c, false),
      ...(stage.savesRows && rings.rows ? rowRingMoves(rings, region, Math.max(newY, y1 - rings.rows.n + 1), y1, rowX, x1, c, true) : []),
      ...(stage.savesCols && rings.cols ? colRingMoves(rings, region, rect.y0, rect.y0, y1, Math.max(newX, x1 - rings.cols.n + 1), x1, c, true) : []),
    ];
    for (const m of moves) if (m && m.to !== m.from) this.pending.push(m);
    return { place: compact(start, rect, c), start, size, end: fresh.end, buffer };
  }

  /** A new buffer for a layer's output: over its input when in place, else at the other end. */
  private fresh(layer: Layer, rect: Rect, input: Slot, kept: Slot | null, lo: number, hi: number, patch: [number, number] | null): Slot {
    const size = rect.rows * rect.cols * layer.output.c;
    let start: number;
    let end: End;
    if (layer.inPlace && input.end !== null && input.place.space === 'arena') {
      end = input.end;
      start = end === 'bottom' ? input.start : input.start + input.size - size;
    } else {
      end = input.end === 'bottom' ? 'top' : 'bottom';
      const beside = kept && kept !== input && kept.end === end ? kept : null;
      start = end === 'bottom' ? (beside ? beside.start + beside.size : lo) : (beside ? beside.start : hi) - size;
    }
    const buffer = this.buffer(`${layer.name}${suffixOf(patch)}`, start, size, this.steps.length);
    return { place: compact(start, rect, layer.output.c), start, size, end, buffer };
  }
}

const suffixOf = (patch: [number, number] | null) => (patch ? ` (patch ${patch[0]},${patch[1]})` : '');

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
