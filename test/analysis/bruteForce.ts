import { Model } from '../../server/src/core/model/ir';

// Brute-force row/column dependencies, written from the definition of a strided convolution and not
// from the engine's interval formulas: output index r of a window (k, s, p) reads the input indices
// r·s − p + t for t in 0..k−1. Sets are composed index by index, so nothing assumes they stay
// contiguous (they do not when k < s).

export type Axis = 'rows' | 'cols';

/** Output length of a window along one axis, from the definition ⌊(n + 2p − k)/s⌋ + 1. */
export function outLength(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** Input indices read by a set of output indices; with `inSize`, padding indices are dropped. */
export function readIndices(out: Iterable<number>, k: number, s: number, p: number, inSize?: number): Set<number> {
  const result = new Set<number>();
  for (const r of out) {
    for (let t = 0; t < k; t++) {
      const q = r * s - p + t;
      if (inSize === undefined || (q >= 0 && q < inSize)) result.add(q);
    }
  }
  return result;
}

/**
 * For output indices `out` of layer `top`, the input indices of every layer 0..top that they depend
 * on: `sets[l]` belongs to layer l's input. A block with a shortcut adds its output to its input, so
 * its input also depends on the block-output indices (only when `top` reaches the block's end).
 * `clip` drops padding indices at every layer; without it the sets are the unclipped receptive field.
 */
export function dependencySets(model: Model, top: number, axis: Axis, out: Iterable<number>, clip: boolean): Set<number>[] {
  const sets: Set<number>[] = [];
  let current = new Set(out);
  const atBlockOutput = new Map<number, Set<number>>();
  for (let l = top; l >= 0; l--) {
    const layer = model.layers[l];
    const block = model.blocks[layer.block];
    if (l === block.endLayer - 1) atBlockOutput.set(layer.block, current);
    const { k, s, p } = layer[axis];
    current = readIndices(current, k, s, p, clip ? (axis === 'rows' ? layer.input.h : layer.input.w) : undefined);
    const shortcutRows = atBlockOutput.get(layer.block);
    if (block.shortcut && l === block.firstLayer && shortcutRows) current = new Set([...current, ...shortcutRows]);
    sets[l] = current;
  }
  return sets;
}

export function range(lo: number, hi: number): number[] {
  return Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
}

export function sorted(set: Iterable<number>): number[] {
  return [...set].sort((a, b) => a - b);
}
