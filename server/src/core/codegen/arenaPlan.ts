import { AnalysisReport } from '../analysis/analyze';
import { axisRegions, AxisRegions } from '../analysis/patch';
import { bytesOf, Layer, Model } from '../model/ir';

/** A rectangle of a tensor in full-tensor coordinates. */
export interface Rect {
  y0: number;
  x0: number;
  rows: number;
  cols: number;
}

/** Where a region is stored: arena (absolute byte offset) or the network input image. */
export interface Place extends Rect {
  space: 'arena' | 'input';
  offset: number;
  /** Bytes from one row of the region to the next. */
  rowStride: number;
}

export interface PlannedStep {
  layer: number;
  /** Patch (row, column) in the patch stage; null for a layer run whole. */
  patch: [number, number] | null;
  in: Place;
  out: Place;
  /** The shortcut added into the output (fused), or null. */
  residual: Place | null;
}

/** A tensor (or patch region) in the arena: JSON for the charts and other tools. */
export interface PlannedBuffer {
  name: string;
  offset: number;
  size: number;
  /** Indices into `steps`: produced by the first (−1: there before the first step), last read by the second. */
  firstStep: number;
  lastStep: number;
}

export interface ArenaPlan {
  /** Scratch at the start of the arena, so that it is aligned for int16 columns. */
  scratchBytes: number;
  /** Activations after the scratch; equal to the analysis' peak. */
  activationOffset: number;
  activationBytes: number;
  arenaBytes: number;
  patches: number;
  stageLayers: number;
  /** Arena offset of the network's output tensor (compact, HWC). */
  outputOffset: number;
  /** Index in `buffers` of the stage output (written patch by patch); −1 without a schedule. */
  stageBuffer: number;
  /** Patch-stage steps (patch-major), then the later layers. */
  steps: PlannedStep[];
  buffers: PlannedBuffer[];
}

type End = 'bottom' | 'top';

/** A stored tensor during planning: its view, and the span it occupies (possibly larger). */
interface Slot {
  place: Place;
  start: number;
  size: number;
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

/**
 * Plans the arena of a model: every step's input, output and shortcut get static offsets.
 * Tensors live at the two ends of the activation area and a layer writes to the end opposite its
 * input; a block's kept input stays at its end and the layers inside the block stack beside it;
 * the fused shortcut add writes over the kept input; depthwise layers write over their input; the
 * stage output sits at the top during the stage.
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
  private readonly base: number;
  private readonly top: number;

  constructor(private readonly model: Model, private readonly scratchBytes: number, private readonly peak: number) {
    this.base = scratchBytes;
    this.top = scratchBytes + peak;
  }

  run(): ArenaPlan {
    const { model } = this;
    const schedule = model.schedule;
    const inputShape = model.input.shape;
    const held = model.input.placement === 'sram';
    const inputBytes = bytesOf(inputShape);
    const inputBuffer = held ? this.buffer('input', this.base, inputBytes, -1) : -1;
    const inputSlot = (rect: Rect): Slot => {
      const place: Place = held ? subPlace(compact(this.base, full(inputShape), inputShape.c), rect, inputShape.c) : { ...subPlace({ space: 'input', offset: 0, rowStride: inputShape.w * inputShape.c, ...full(inputShape) }, rect, inputShape.c) };
      return { place, start: held ? this.base : -1, size: held ? inputBytes : 0, end: null, buffer: inputBuffer };
    };
    let stageEnd = 0;
    let patches = 0;
    let stageBufferIndex = -1;
    let laterInput: Slot;
    if (schedule) {
      stageEnd = model.blocks[schedule.untilBlock].endLayer;
      const [P, Q] = schedule.patch;
      patches = P * Q;
      const rows = axisRegions(model, stageEnd, 'rows', P);
      const cols = axisRegions(model, stageEnd, 'cols', Q);
      const out = model.layers[stageEnd - 1].output;
      const stageStart = this.top - bytesOf(out);
      const stagePlace = compact(stageStart, full(out), out.c);
      const stageBuffer = this.buffer(`${model.layers[stageEnd - 1].name} (stage output)`, stageStart, bytesOf(out), -1);
      stageBufferIndex = stageBuffer;
      const lo = held ? this.base + inputBytes : this.base;
      for (let i = 0; i < P; i++) {
        for (let j = 0; j < Q; j++) {
          const rect = (r: AxisRegions, c: AxisRegions, l: number, side: 'in' | 'out'): Rect => {
            const at = (x: AxisRegions, k: number) => (side === 'in' ? [x.inLo[l * x.parts + k], x.inHi[l * x.parts + k]] : [x.outLo[l * x.parts + k], x.outHi[l * x.parts + k]]);
            const [y0, y1] = at(r, i);
            const [x0, x1] = at(c, j);
            return { y0, x0, rows: y1 - y0 + 1, cols: x1 - x0 + 1 };
          };
          this.placeRun(range(0, stageEnd), [i, j], (l) => ({ in: rect(rows, cols, l, 'in'), out: rect(rows, cols, l, 'out') }), lo, stageStart, inputSlot(rect(rows, cols, 0, 'in')), { place: stagePlace, buffer: stageBuffer });
        }
      }
      laterInput = { place: stagePlace, start: stageStart, size: bytesOf(out), end: 'top', buffer: stageBuffer };
    } else {
      laterInput = held ? { ...inputSlot(full(inputShape)), end: 'bottom' } : inputSlot(full(inputShape));
    }
    const later = range(stageEnd, model.layers.length);
    if (later.length > 0) {
      this.placeRun(later, null, (l) => ({ in: full(model.layers[l].input), out: full(model.layers[l].output) }), this.base, this.top, laterInput);
    }
    // When the stage is the whole network, the output is the stage buffer.
    const outputOffset = later.length > 0 ? this.steps[this.steps.length - 1].out.offset : laterInput.place.offset;
    return {
      outputOffset,
      stageBuffer: stageBufferIndex,
      scratchBytes: this.scratchBytes,
      activationOffset: this.base,
      activationBytes: this.peak,
      arenaBytes: this.top,
      patches,
      stageLayers: stageEnd,
      steps: this.steps,
      buffers: this.buffers,
    };
  }

  private buffer(name: string, offset: number, size: number, step: number): number {
    this.buffers.push({ name, offset, size, firstStep: step, lastStep: step });
    return this.buffers.length - 1;
  }

  private use(slot: Slot): void {
    if (slot.buffer >= 0) this.buffers[slot.buffer].lastStep = this.steps.length - 1;
  }

  /** Places one run of layers (a patch of the stage, or the layers run whole) in [lo, hi). */
  private placeRun(layers: number[], patch: [number, number] | null, region: (l: number) => { in: Rect; out: Rect }, lo: number, hi: number, input: Slot, stage?: { place: Place; buffer: number }): void {
    const { model } = this;
    let current = input;
    let kept: Slot | null = null;
    const lastLayer = layers[layers.length - 1];
    for (const l of layers) {
      const layer = model.layers[l];
      const block = model.blocks[layer.block];
      const rects = region(l);
      if (block.shortcut && l === block.firstLayer) {
        // The sum is written over the kept input: not over the image in flash, nor over the held
        // input that the other patches still read.
        if (current.end === null) throw new Error(`${model.blocks[block.index].label} (block ${block.index}) adds a shortcut over the network input, which the runtime cannot write`);
        kept = current;
      }
      const inView: Place = current.end === null ? current.place : subPlace(current.place, rects.in, layer.input.c);
      let out: Slot;
      if (stage && l === lastLayer) {
        out = { place: subPlace(stage.place, rects.out, layer.output.c), start: stage.place.offset, size: 0, end: 'top', buffer: stage.buffer };
      } else if (layer.writesShortcut && kept) {
        // The sum goes over the kept input, compacted toward its end of the area (the kernels run
        // backwards when the output lies after the residual, so that nothing unread is lost), and
        // the block output takes just its region's bytes, as the analysis counts it.
        const size = rects.out.rows * rects.out.cols * layer.output.c;
        const start = kept.end === 'top' ? kept.start + kept.size - size : kept.start;
        const suffix = patch ? ` (patch ${patch[0]},${patch[1]})` : '';
        out = { place: compact(start, rects.out, layer.output.c), start, size, end: kept.end, buffer: this.buffer(`${layer.name}${suffix}`, start, size, this.steps.length) };
      } else {
        out = this.fresh(layer, rects.out, current, kept, lo, hi, patch);
      }
      this.steps.push({ layer: l, patch, in: inView, out: out.place, residual: layer.writesShortcut && kept ? kept.place : null });
      this.use(current);
      if (layer.writesShortcut && kept) this.use(kept);
      current = out;
      if (l === block.endLayer - 1) kept = null;
    }
  }

  /** A new buffer for a layer's output: over its input when in place, else at the other end. */
  private fresh(layer: Layer, rect: Rect, input: Slot, kept: Slot | null, lo: number, hi: number, patch: [number, number] | null): Slot {
    const size = rect.rows * rect.cols * layer.output.c;
    const suffix = patch ? ` (patch ${patch[0]},${patch[1]})` : '';
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
    const buffer = this.buffer(`${layer.name}${suffix}`, start, size, this.steps.length);
    return { place: compact(start, rect, layer.output.c), start, size, end, buffer };
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** The bytes a place touches, as [first, last + 1). */
function span(p: Place, c: number): [number, number] {
  return [p.offset, p.offset + (p.rows - 1) * p.rowStride + p.cols * c];
}

/**
 * Checks the plan: each step's regions stay inside the arena's activation area, and its input,
 * output and shortcut never overlap each other or any other buffer still to be read, except an
 * in-place depthwise output over its own input and a fused add over its shortcut.
 */
export function verifyPlan(model: Model, plan: ArenaPlan): void {
  const lo = plan.activationOffset;
  const hi = plan.activationOffset + plan.activationBytes;
  plan.steps.forEach((step, index) => {
    const layer = model.layers[step.layer];
    const where = `${layer.name}${step.patch ? ` patch ${step.patch}` : ''} (step ${index})`;
    const inSpan = span(step.in, layer.input.c);
    const outSpan = span(step.out, layer.output.c);
    for (const [name, p, s] of [['input', step.in, inSpan], ['output', step.out, outSpan]] as const) {
      if (p.space === 'arena' && (s[0] < lo || s[1] > hi)) throw new Error(`arena plan: ${where} ${name} [${s}] is outside [${lo}, ${hi})`);
    }
    const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];
    plan.buffers.forEach((b, bIndex) => {
      if (b.firstStep >= index || b.lastStep < index) return; // not live during this step
      const bSpan: [number, number] = [b.offset, b.offset + b.size];
      const isInput = step.in.space === 'arena' && bSpan[0] <= inSpan[0] && inSpan[1] <= bSpan[1];
      const isResidual = step.residual && bSpan[0] <= step.residual.offset && step.residual.offset < bSpan[1];
      const isStage = bIndex === plan.stageBuffer && index < plan.patches * plan.stageLayers && step.layer === plan.stageLayers - 1;
      if (overlaps(outSpan, bSpan) && !(isInput && layer.inPlace) && !isResidual && !isStage) {
        throw new Error(`arena plan: ${where} output [${outSpan}] overlaps ${b.name} [${bSpan}], still needed`);
      }
    });
  });
}
