import { Block, bytesOf, Layer, Model } from '../../server/src/core/model/ir';

// A plain simulation of a schedule, pixel by pixel, written from the definitions and not from the
// engine's interval formulas: which pixels each patch must compute (a dependency walk from the
// patch's stage-output pixels, minus what is cached), which pixels it holds while each layer runs,
// and what the caches hold between patches, with their contents checked to be enough. Working
// buffers are rectangles (the bounding box of the pixels they hold), as an executor's are.

export type Cache = 'none' | 'rows' | 'rows+cols';

export interface SimStage {
  fromBlock: number;
  untilBlock: number;
  patch: [number, number];
  cache: Cache;
}

export interface SimStageResult {
  /** Each patch's largest working step, in raster order, and its walk. */
  patchPeaks: number[];
  walks: PatchWalk[];
  macs: number;
  /** Largest working step of any patch (caches, held input and stage output not included). */
  stepPeakBytes: number;
  cacheBytes: number;
  heldInputBytes: number;
  stageOutputBytes: number;
  stagePeakBytes: number;
}

export interface SimResult {
  stages: SimStageResult[];
  macs: number;
  peakBytes: number;
}

/** A set of pixels of one h×w map. */
class Pixels {
  readonly bits: Uint8Array;
  count = 0;
  constructor(readonly h: number, readonly w: number) {
    this.bits = new Uint8Array(h * w);
  }
  add(r: number, c: number): void {
    const i = r * this.w + c;
    if (!this.bits[i]) {
      this.bits[i] = 1;
      this.count++;
    }
  }
  has(r: number, c: number): boolean {
    return this.bits[r * this.w + c] === 1;
  }
  *each(): Generator<[number, number]> {
    for (let i = 0; i < this.bits.length; i++) if (this.bits[i]) yield [Math.floor(i / this.w), i % this.w];
  }
  /** The bounding box, filled: the rectangle a buffer holding these pixels covers. */
  box(): Pixels {
    let r0 = Infinity, r1 = -1, c0 = Infinity, c1 = -1;
    for (const [r, c] of this.each()) {
      r0 = Math.min(r0, r); r1 = Math.max(r1, r); c0 = Math.min(c0, c); c1 = Math.max(c1, c);
    }
    const box = new Pixels(this.h, this.w);
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) box.add(r, c);
    return box;
  }
  boxArea(): number {
    return this.box().count;
  }
}

function macsPerPixel(layer: Layer): number {
  const taps = layer.rows.k * layer.cols.k;
  if (layer.kind === 'dwconv') return taps * layer.output.c;
  if (layer.kind === 'conv') return taps * (layer.input.c / layer.groups) * layer.output.c;
  return 0;
}

/**
 * One patch's walk: for each stage layer, the output pixels it computes, the input pixels it reads,
 * and the input buffer it fills (their bounding box: the pixels between come from the caches).
 */
interface PatchWalk {
  compute: Pixels[];
  need: Pixels[];
  region: Pixels[];
}

/**
 * Patches in raster order. `done[l]` holds the output pixels of layer l already computed where this
 * patch may take them from a cache: nothing (`none`), the patches above it in its column (`rows`),
 * every earlier patch (`rows+cols`).
 */
function walkPatch(model: Model, start: number, end: number, target: Pixels, done: Pixels[]): PatchWalk {
  const compute: Pixels[] = [];
  const need: Pixels[] = [];
  const region: Pixels[] = [];
  let wanted = target;
  for (let l = end - 1; l >= start; l--) {
    const layer = model.layers[l];
    const out = new Pixels(layer.output.h, layer.output.w);
    for (const [r, c] of wanted.each()) if (!done[l].has(r, c)) out.add(r, c);
    compute[l] = out;
    const reads = new Pixels(layer.input.h, layer.input.w);
    for (const [r, c] of out.each()) {
      for (let t = 0; t < layer.rows.k; t++) {
        for (let u = 0; u < layer.cols.k; u++) {
          const y = r * layer.rows.s - layer.rows.p + t;
          const x = c * layer.cols.s - layer.cols.p + u;
          if (y >= 0 && y < layer.input.h && x >= 0 && x < layer.input.w) reads.add(y, x);
        }
      }
    }
    const block = model.blocks[layer.block];
    // The fused add at the block's last layer reads the block input where it writes.
    if (block.shortcut && block.firstLayer === l) for (const [r, c] of compute[block.endLayer - 1].each()) reads.add(r, c);
    need[l] = reads;
    wanted = reads;
  }
  return { compute, need, region };
}

function partRange(n: number, parts: number, i: number): [number, number] {
  return [Math.floor((i * n) / parts), Math.floor(((i + 1) * n) / parts)];
}

/** Runs one stage and checks that every pixel a patch takes from a cache is there. */
export function simulateStage(model: Model, stage: SimStage): SimStageResult {
  const start = model.blocks[stage.fromBlock].firstLayer;
  const end = model.blocks[stage.untilBlock].endLayer;
  const [P, Q] = stage.patch;
  const outShape = model.layers[end - 1].output;
  const held = start > 0 || model.input.placement === 'sram';
  const slices = stage.cache === 'rows' ? Q : 1;
  const fresh = () => model.layers.map((l) => new Pixels(l.output.h, l.output.w));
  const done = Array.from({ length: slices }, fresh);
  // First pass: every patch's walk, so that the caches know what later patches read.
  const walks: PatchWalk[] = [];
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < Q; j++) {
      const target = new Pixels(outShape.h, outShape.w);
      const [r0, r1] = partRange(outShape.h, P, i);
      const [c0, c1] = partRange(outShape.w, Q, j);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) target.add(r, c);
      const slice = stage.cache === 'rows' ? j : 0;
      const walk = walkPatch(model, start, end, target, stage.cache === 'none' ? fresh() : done[slice]);
      for (let l = start; l < end; l++) for (const [r, c] of walk.compute[l].each()) done[slice][l].add(r, c);
      walks.push(walk);
    }
  }
  settleRegions(model, stage, start, end, walks);
  const cacheBytes = simulateCaches(model, stage, start, end, walks);
  let macs = 0;
  const patchPeaks = walks.map((walk) => {
    let peak = 0;
    for (let l = start; l < end; l++) {
      macs += walk.compute[l].count * macsPerPixel(model.layers[l]);
      peak = Math.max(peak, stepBytes(model, walk, l, start, end, held));
    }
    return peak;
  });
  const stepPeak = Math.max(...patchPeaks);
  const heldInputBytes = !held ? 0 : start > 0 ? bytesOf(model.layers[start - 1].output) : bytesOf(model.input.shape);
  const stageOutputBytes = bytesOf(outShape);
  return { macs, stepPeakBytes: stepPeak, cacheBytes, heldInputBytes, stageOutputBytes, stagePeakBytes: heldInputBytes + stageOutputBytes + cacheBytes + stepPeak, patchPeaks, walks };
}

export interface SimStream {
  fromBlock: number;
  untilBlock: number;
  band: number;
}

/**
 * A streamed run: full-width bands of `band` output rows with row caches, its input and output
 * sharing memory: at each band, the input rows this band or a later one reads are still held
 * (when the input is in SRAM at all), and the output rows of this band and those before it.
 */
export function simulateStream(model: Model, stream: SimStream): { macs: number; peakBytes: number } {
  const start = model.blocks[stream.fromBlock].firstLayer;
  const end = model.blocks[stream.untilBlock].endLayer;
  const out = model.layers[end - 1].output;
  const input = start > 0 ? model.layers[start - 1].output : model.input.shape;
  const held = start > 0 || model.input.placement === 'sram';
  const bands = Math.ceil(out.h / stream.band);
  const run = simulateStage(model, { fromBlock: stream.fromBlock, untilBlock: stream.untilBlock, patch: [bands, 1], cache: 'rows' });
  let peak = 0;
  for (let b = 0; b < bands; b++) {
    let lowest = input.h;
    for (let later = b; later < bands; later++) for (const [r] of run.walks[later].need[start].each()) lowest = Math.min(lowest, r);
    const inputRows = held ? input.h - lowest : 0;
    const outputRows = partRange(out.h, bands, b)[1];
    peak = Math.max(peak, inputRows * input.w * input.c + outputRows * out.w * out.c + run.cacheBytes + run.patchPeaks[b]);
  }
  return { macs: run.macs, peakBytes: peak };
}

/**
 * Bytes live while layer l runs for one patch: the input buffer (what it reads, with what the layer
 * before it just wrote), its output (unless it goes into the stage output or the shortcut's buffer),
 * and the block input kept for the shortcut; a depthwise conv in place holds the larger of in/out.
 */
function stepBytes(model: Model, walk: PatchWalk, l: number, start: number, end: number, held: boolean): number {
  const layer = model.layers[l];
  const block: Block = model.blocks[layer.block];
  // A shortcut over the stage's input is read where that input is: held in SRAM, or streamed from
  // flash (then the sum cannot go over it and takes a buffer of its own, as over a later stage's
  // held input, which the patches after still read).
  const overStage = block.firstLayer === start;
  const inBytes = l === start ? 0 : walk.region[l].count * layer.input.c;
  const intoKept = layer.writesShortcut && !(overStage && (!held || start > 0));
  const outBytes = l === end - 1 || intoKept ? 0 : walk.compute[l].boxArea() * layer.output.c;
  const kept = block.shortcut && l !== block.firstLayer && !overStage ? walk.region[block.firstLayer].count * block.input.c : 0;
  const inPlace = layer.inPlace && inBytes > 0 && outBytes > 0;
  return (inPlace ? Math.max(inBytes, outBytes) : inBytes + outBytes) + kept;
}

/**
 * Each patch's input buffer per layer: a rectangle, the rows its patch row reads × the columns its
 * column of patches reads. Where lines come from a cache it also reaches to the highest line
 * computed so far (for columns, by the patches of its row so far), so that what a later patch
 * takes from it passes through it even when it computes nothing there itself.
 */
function settleRegions(model: Model, stage: SimStage, start: number, end: number, walks: PatchWalk[]): void {
  const [P, Q] = stage.patch;
  for (let l = start; l < end; l++) {
    const shape = model.layers[l].input;
    const rowSpan = Array.from({ length: P }, () => [Infinity, -1]);
    const colSpan = Array.from({ length: Q }, () => [Infinity, -1]);
    walks.forEach((walk, k) => {
      for (const [r, c] of walk.need[l].each()) {
        const [rs, cs] = [rowSpan[Math.floor(k / Q)], colSpan[k % Q]];
        rs[0] = Math.min(rs[0], r); rs[1] = Math.max(rs[1], r);
        cs[0] = Math.min(cs[0], c); cs[1] = Math.max(cs[1], c);
      }
    });
    let lineDone = -1;
    const colDone = new Int32Array(Q).fill(-1);
    walks.forEach((walk, k) => {
      const [i, j] = [Math.floor(k / Q), k % Q];
      if (j === 0) colDone.fill(-1);
      if (l > start) {
        for (const [r, c] of walk.compute[l - 1].each()) {
          lineDone = Math.max(lineDone, r);
          for (let x = j; x < Q; x++) colDone[x] = Math.max(colDone[x], c);
        }
      }
      const [r0, r1] = rowSpan[i];
      const [c0, c1] = colSpan[j];
      const rowEnd = stage.cache !== 'none' && l > start ? Math.max(r1, lineDone) : r1;
      const colEnd = stage.cache === 'rows+cols' && l > start ? Math.max(c1, colDone[j]) : c1;
      const region = new Pixels(shape.h, shape.w);
      for (let r = r0; r <= rowEnd; r++) for (let c = c0; c <= colEnd; c++) region.add(r, c);
      walk.region[l] = region;
    });
  }
}

/**
 * The caches as storage: after each patch, `rows` keeps per column of patches the pixels its region
 * holds that a later patch of that column reads; `rows+cols` keeps per tensor column the lines the
 * next patch row reads (written by the patch that computed that column) and, for the patch to the
 * right, the pixels of the region it reads. Before each patch, every pixel it reads and does not
 * compute must be in a cache. Returns the largest total the caches hold at once, in bytes.
 */
function simulateCaches(model: Model, stage: SimStage, start: number, end: number, walks: PatchWalk[]): number {
  const Q = stage.patch[1];
  let total = 0;
  for (let l = start + 1; l < end; l++) {
    const shape = model.layers[l].input;
    const produced = (k: number) => walks[k].compute[l - 1];
    const missing = (k: number) => [...walks[k].region[l].each()].filter(([r, c]) => !produced(k).has(r, c));
    /** Pixels of patch k's buffer that a buffer of `later` holds without computing them. */
    const handOn = (k: number, later: number[], columns?: (c: number) => boolean) => {
      const kept = new Pixels(shape.h, shape.w);
      for (const [r, c] of walks[k].region[l].each()) {
        if (columns && !columns(c)) continue;
        if (later.some((m) => walks[m].region[l].has(r, c) && !produced(m).has(r, c))) kept.add(r, c);
      }
      return kept;
    };
    let peak = 0;
    if (stage.cache === 'none') {
      walks.forEach((_, k) => assertEmpty(missing(k), l, k));
    } else if (stage.cache === 'rows') {
      const slices: Pixels[] = Array.from({ length: Q }, () => new Pixels(shape.h, shape.w));
      for (let k = 0; k < walks.length; k++) {
        const j = k % Q;
        assertEmpty(missing(k).filter(([r, c]) => !slices[j].has(r, c)), l, k);
        slices[j] = handOn(k, range(k + Q, walks.length, Q));
        peak = Math.max(peak, slices.reduce((sum, x) => sum + x.boxArea(), 0));
      }
    } else {
      // Lines kept per tensor column, and the pixels handed to the patch on the right.
      const lines: Pixels[] = Array.from({ length: shape.w }, () => new Pixels(shape.h, 1));
      let right = new Pixels(shape.h, shape.w);
      let rightPeak = 0;
      for (let k = 0; k < walks.length; k++) {
        const j = k % Q;
        if (j === 0) right = new Pixels(shape.h, shape.w);
        assertEmpty(missing(k).filter(([r, c]) => !right.has(r, c) && !lines[c].has(r, 0)), l, k);
        const own = new Set([...produced(k).each()].map(([, c]) => c));
        const below = handOn(k, range(k + Q - j, walks.length, 1), (c) => own.has(c));
        for (const c of own) {
          lines[c] = new Pixels(shape.h, 1);
          for (const [r, x] of below.each()) if (x === c) lines[c].add(r, 0);
        }
        right = j + 1 < Q ? handOn(k, [k + 1]) : new Pixels(shape.h, shape.w);
        rightPeak = Math.max(rightPeak, right.boxArea());
        peak = Math.max(peak, lines.reduce((sum, x) => sum + x.count, 0));
      }
      peak += rightPeak;
    }
    total += peak * shape.c;
  }
  return total;
}

function assertEmpty(missing: [number, number][], l: number, patch: number): void {
  if (missing.length > 0) throw new Error(`patch ${patch} reads ${missing.length} pixels of layer ${l}'s input that no cache holds, e.g. ${missing[0]}`);
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i += step) out.push(i);
  return out;
}

/** Layer-by-layer steps outside the stages, from the whole tensors. */
function layerStep(model: Model, i: number): number {
  const layer = model.layers[i];
  const block = model.blocks[layer.block];
  const inBytes = i === 0 && model.input.placement === 'stream' ? 0 : bytesOf(layer.input);
  const outBytes = layer.writesShortcut ? 0 : bytesOf(layer.output);
  const kept = block.shortcut && i !== block.firstLayer ? bytesOf(block.input) : 0;
  const inPlace = layer.inPlace && inBytes > 0 && outBytes > 0;
  return (inPlace ? Math.max(inBytes, outBytes) : inBytes + outBytes) + kept;
}

/** A whole schedule: its stages and streamed runs simulated, every other layer a layer-by-layer step. */
export function simulateSchedule(model: Model, stages: SimStage[], streams: SimStream[] = []): SimResult {
  const results = stages.map((s) => simulateStage(model, s));
  const streamed = streams.map((s) => simulateStream(model, s));
  const inStage = new Set<number>();
  [...stages, ...streams].forEach((s) => {
    for (let i = model.blocks[s.fromBlock].firstLayer; i < model.blocks[s.untilBlock].endLayer; i++) inStage.add(i);
  });
  let macs = 0;
  let peak = 0;
  model.layers.forEach((layer, i) => {
    if (inStage.has(i)) return;
    macs += layer.output.h * layer.output.w * macsPerPixel(layer);
    peak = Math.max(peak, layerStep(model, i));
  });
  for (const r of results) {
    macs += r.macs;
    peak = Math.max(peak, r.stagePeakBytes);
  }
  for (const r of streamed) {
    macs += r.macs;
    peak = Math.max(peak, r.peakBytes);
  }
  return { stages: results, macs, peakBytes: peak };
}
