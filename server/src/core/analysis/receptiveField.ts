import { Layer, Window } from '../model/ir';
import { sourcesOf } from '../model/ops';

/** Receptive field of a layer's output along one axis, in input pixels. */
export interface ReceptiveField {
  /** Input rows that one output row depends on (padding included). */
  size: number;
  /** Input rows between two neighbouring output rows (the product of the strides). */
  jump: number;
  /** First input row that output row 0 depends on; negative when it starts in the padding. */
  start: number;
}

export interface LayerReceptiveField {
  rows: ReceptiveField;
  cols: ReceptiveField;
}

const identity: ReceptiveField = { size: 1, jump: 1, start: 0 };

/** One window's step: size grows by (k − 1) jumps, the start moves back by the padding. */
export function stepReceptiveField(rf: ReceptiveField, window: Window): ReceptiveField {
  return {
    size: rf.size + (window.k - 1) * rf.jump,
    jump: rf.jump * window.s,
    start: rf.start - window.p * rf.jump,
  };
}

/**
 * The receptive field of every layer's output with respect to the network input. A layer that reads
 * several tensors (an imported graph) takes the widest of their fields.
 */
export function receptiveFields(layers: readonly Layer[]): LayerReceptiveField[] {
  const result: LayerReceptiveField[] = [];
  const start: LayerReceptiveField = { rows: identity, cols: identity };
  for (const layer of layers) {
    let from: LayerReceptiveField | undefined;
    for (const s of sourcesOf(layer)) {
      const rf = result[s] ?? start;
      if (!from || rf.rows.size * rf.cols.size > from.rows.size * from.cols.size) from = rf;
    }
    from ??= start;
    result.push({ rows: layerStep(layer, from.rows, 'rows'), cols: layerStep(layer, from.cols, 'cols') });
  }
  return result;
}

/**
 * Upsampling divides the jump by its factor; a transposed convolution (stride s) reads ⌈k/s⌉
 * neighbouring input rows for each output row, starting at ⌈(p − k + 1)/s⌉.
 */
function layerStep(layer: Layer, rf: ReceptiveField, axis: 'rows' | 'cols'): ReceptiveField {
  const w = layer[axis];
  const factor = axis === 'rows' ? layer.output.h / layer.input.h : layer.output.w / layer.input.w;
  let next: ReceptiveField;
  if (layer.kind === 'resize') next = { size: rf.size, jump: rf.jump / factor, start: rf.start };
  else if (layer.kind === 'convT') next = { size: rf.size + (Math.ceil(w.k / w.s) - 1) * rf.jump, jump: rf.jump / w.s, start: rf.start + Math.ceil((w.p - w.k + 1) / w.s) * rf.jump };
  else next = stepReceptiveField(rf, w);
  // Past an upsampling the jump is a fraction of a pixel; a field still covers whole input pixels.
  return { size: Math.ceil(next.size), jump: next.jump, start: Math.floor(next.start) };
}

/** Input rows needed for `n` neighbouring output rows, unclipped: (n − 1)·jump + size. */
export function spanOf(rf: ReceptiveField, n: number): number {
  return (n - 1) * rf.jump + rf.size;
}
