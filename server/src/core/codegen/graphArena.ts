import { bytesOf, Model } from '../model/ir';
import { sourcesOf } from '../model/ops';
import { sharesShortcut } from '../analysis/memory';

// The arena of a graph run layer by layer: every stored tensor gets a static offset such that no
// two tensors alive at the same step overlap. A tensor is alive from the step that makes it to the
// last step that reads it; a fused shortcut add writes into its shortcut's storage and an in-place
// layer into its first input's, so they share one storage (the analysis' buffers). The analysis'
// peak — the largest sum of live storages at one step — is a lower bound no placement can beat;
// the planner places storages one by one at the lowest offset free of every storage whose life
// overlaps, in four orders (largest first: TFLite's greedy-by-size rule; first use; size × life;
// last use), and keeps the lowest end.

/** One storage in the arena: the tensors that share it and its life in steps. */
export interface GraphStorage {
  /** Layer indices whose outputs live here (−1: the network input held in SRAM). */
  tensors: number[];
  /** Bytes: the largest of its tensors. */
  size: number;
  /** Step that first writes it (−1: before the first layer). */
  first: number;
  /** Last step that reads or writes it. */
  last: number;
  /** Byte offset in the activation area. */
  offset: number;
}

export interface GraphArena {
  storages: GraphStorage[];
  /** Storage index of each layer's output. */
  storageOf: number[];
  /** Storage index of the network input, or −1 when it is streamed. */
  inputStorage: number;
  /** Bytes of the activation area: the end of the highest storage. */
  activationBytes: number;
  /** The analysis' liveness peak, the lower bound. */
  lowerBound: number;
}

/** Storages with their lives, before placement. */
function storagesOf(model: Model): { storages: GraphStorage[]; storageOf: number[]; inputStorage: number } {
  const { layers } = model;
  const held = model.input.placement === 'sram';
  // Producer + 1 → storage key (0: the network input).
  const key = Array.from({ length: layers.length + 1 }, (_, i) => i);
  for (const block of model.blocks) {
    if (sharesShortcut(block)) key[block.endLayer] = key[sourcesOf(layers[block.firstLayer])[0] + 1];
  }
  for (const layer of layers) {
    if (layer.inPlace && !layer.writesShortcut) key[layer.index + 1] = key[sourcesOf(layer)[0] + 1];
  }
  const byKey = new Map<number, GraphStorage>();
  const touch = (k: number, step: number, tensor?: number, size = 0) => {
    const s = byKey.get(k) ?? { tensors: [], size: 0, first: step, last: step, offset: 0 };
    if (tensor !== undefined) s.tensors.push(tensor);
    s.size = Math.max(s.size, size);
    s.first = Math.min(s.first, step);
    s.last = Math.max(s.last, step);
    byKey.set(k, s);
  };
  if (held) touch(0, -1, -1, bytesOf(model.input.shape));
  for (const layer of layers) {
    for (const src of sourcesOf(layer)) if (src >= 0 || held) touch(key[src + 1], layer.index);
    touch(key[layer.index + 1], layer.index, layer.index, bytesOf(layer.output));
  }
  const keys = [...byKey.keys()];
  const storages = keys.map((k) => byKey.get(k)!);
  const index = new Map(keys.map((k, i) => [k, i]));
  return { storages, storageOf: layers.map((l) => index.get(key[l.index + 1])!), inputStorage: held ? index.get(0)! : -1 };
}

const span = (s: GraphStorage) => s.last - s.first + 1;

const overlapsInTime = (a: GraphStorage, b: GraphStorage) => a.first <= b.last && b.first <= a.last;

/** Places storages in `order`, each at the lowest offset clear of the placed ones alive with it; the end. */
function place(storages: GraphStorage[], order: number[]): number {
  const placed: GraphStorage[] = [];
  let end = 0;
  for (const i of order) {
    const s = storages[i];
    const busy = placed.filter((p) => overlapsInTime(p, s)).sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of busy) {
      if (offset + s.size <= p.offset) break;
      offset = Math.max(offset, p.offset + p.size);
    }
    s.offset = offset;
    placed.push(s);
    end = Math.max(end, offset + s.size);
  }
  return end;
}

/** The largest sum of live storages at one step. */
export function liveLowerBound(storages: readonly GraphStorage[], steps: number): number {
  let best = 0;
  for (let step = -1; step < steps; step++) best = Math.max(best, storages.reduce((sum, s) => sum + (s.first <= step && step <= s.last ? s.size : 0), 0));
  return best;
}

/**
 * Plans the activation area of a graph run layer by layer; throws if the result overlaps (a bug).
 * From `fromLayer` on (after patch stages that made layer fromLayer − 1's output): only what is alive
 * from then is placed; the other layers' storages are −1.
 */
export function planGraphArena(model: Model, fromLayer = 0): GraphArena {
  const all = storagesOf(model);
  const alive = all.storages.map((s) => s.last >= fromLayer);
  const storages = all.storages.filter((_, i) => alive[i]);
  let next = 0;
  const renumber = alive.map((a) => (a ? next++ : -1));
  const storageOf = all.storageOf.map((s) => renumber[s]);
  const inputStorage = all.inputStorage >= 0 ? renumber[all.inputStorage] : -1;
  const ids = storages.map((_, i) => i);
  const orders = [
    [...ids].sort((a, b) => storages[b].size - storages[a].size || storages[a].first - storages[b].first),
    [...ids].sort((a, b) => storages[a].first - storages[b].first || storages[b].size - storages[a].size),
    [...ids].sort((a, b) => span(storages[b]) * storages[b].size - span(storages[a]) * storages[a].size || a - b),
    [...ids].sort((a, b) => storages[b].last - storages[a].last || storages[b].size - storages[a].size),
  ];
  let best: { end: number; offsets: number[] } | undefined;
  for (const order of orders) {
    const end = place(storages, order);
    if (!best || end < best.end) best = { end, offsets: storages.map((s) => s.offset) };
  }
  storages.forEach((s, i) => (s.offset = best!.offsets[i]));
  checkNoOverlap(storages);
  return { storages, storageOf, inputStorage, activationBytes: best!.end, lowerBound: liveLowerBound(storages, model.layers.length) };
}

/** Two storages alive at the same step never share a byte. */
export function checkNoOverlap(storages: readonly GraphStorage[]): void {
  for (let i = 0; i < storages.length; i++) {
    for (let j = i + 1; j < storages.length; j++) {
      const [a, b] = [storages[i], storages[j]];
      if (a.size === 0 || b.size === 0 || !overlapsInTime(a, b)) continue;
      if (a.offset < b.offset + b.size && b.offset < a.offset + a.size) throw new Error(`graph arena: storages of layers ${a.tensors.join(',')} and ${b.tensors.join(',')} overlap`);
    }
  }
}
