import { Model, Shape } from '../model/ir';
import { Axis, AxisRegions } from './patch';

/**
 * Regions along an axis whose shared lines are cached: patch part i computes only the lines no
 * earlier part computed, and reads the lines earlier parts computed from a cache.
 */
export interface CachedAxisRegions extends AxisRegions {
  /**
   * Per layer l of the stage (its input tensor): the most lines that earlier parts computed and
   * part i still reads, over all parts i, i.e. the lines the cache must hold.
   */
  carried: Int32Array;
}

function extent(shape: Shape, axis: Axis): number {
  return axis === 'rows' ? shape.h : shape.w;
}

/**
 * Back-propagates cumulative bounds through layers [start, end): H_l(i), the last line of layer
 * l's output that parts 0..i need. Part i of layer l computes lines (H_l(i−1), H_l(i)] and reads
 * input lines from (H_l(i−1) + 1)·s − p to H_{l−1}(i); of those, the lines up to H_{l−1}(i−1) were
 * computed by earlier parts and come from the cache. A shortcut block's first layer also reads what
 * the fused add needs at the block output. The last part reaches the end of every tensor, so each
 * line is computed exactly once (the lines no window reads too, as layer by layer does).
 *
 * The stored `inLo..inHi` of part i is the buffer the layer reads: the cached lines and the new
 * lines of the layer before it (`outLo..outHi` of that layer), contiguous.
 */
export function cachedAxisRegions(model: Model, start: number, end: number, axis: Axis, parts: number): CachedAxisRegions {
  const size = end * parts;
  const r: CachedAxisRegions = {
    parts,
    layers: end,
    inLo: new Int32Array(size),
    inHi: new Int32Array(size),
    outLo: new Int32Array(size),
    outHi: new Int32Array(size),
    carried: new Int32Array(end),
  };
  const total = extent(model.layers[end - 1].output, axis);
  // Cumulative bounds of the current layer's output, part by part.
  let bound = new Int32Array(parts);
  for (let i = 0; i < parts; i++) bound[i] = Math.floor(((i + 1) * total) / parts) - 1;
  const readLo = new Int32Array(parts);
  for (let l = end - 1; l >= start; l--) {
    const layer = model.layers[l];
    const { k, s, p } = layer[axis];
    const inEnd = extent(layer.input, axis) - 1;
    const block = model.blocks[layer.block];
    const joinsShortcut = block.shortcut && block.firstLayer === l;
    const next = new Int32Array(parts);
    const base = l * parts;
    for (let i = 0; i < parts; i++) {
      const lo = i === 0 ? 0 : bound[i - 1] + 1;
      const hi = bound[i];
      r.outLo[base + i] = lo;
      r.outHi[base + i] = hi;
      let readFrom = lo <= hi ? Math.max(0, lo * s - p) : Infinity;
      let readTo = lo <= hi ? Math.min(inEnd, hi * s - p + k - 1) : -1;
      if (joinsShortcut) {
        const last = (block.endLayer - 1) * parts + i;
        if (r.outLo[last] <= r.outHi[last]) {
          readFrom = Math.min(readFrom, r.outLo[last]);
          readTo = Math.max(readTo, r.outHi[last]);
        }
      }
      readLo[i] = readFrom === Infinity ? 0x7fffffff : readFrom;
      next[i] = Math.max(i === 0 ? -1 : next[i - 1], readTo);
    }
    next[parts - 1] = inEnd;
    let carried = 0;
    for (let i = 0; i < parts; i++) {
      const before = i === 0 ? -1 : next[i - 1];
      r.inLo[base + i] = Math.min(readLo[i], before + 1);
      r.inHi[base + i] = next[i];
      if (i > 0 && readLo[i] !== 0x7fffffff) carried = Math.max(carried, before - readLo[i] + 1);
    }
    r.carried[l] = carried;
    bound = next;
  }
  return r;
}
