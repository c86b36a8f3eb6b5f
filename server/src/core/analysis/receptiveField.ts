import { Layer, Window } from '../model/ir';

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

/** The receptive field of every layer's output with respect to the network input. */
export function receptiveFields(layers: readonly Layer[]): LayerReceptiveField[] {
  const result: LayerReceptiveField[] = [];
  let rows = identity;
  let cols = identity;
  for (const layer of layers) {
    rows = stepReceptiveField(rows, layer.rows);
    cols = stepReceptiveField(cols, layer.cols);
    result.push({ rows, cols });
  }
  return result;
}

/** Input rows needed for `n` neighbouring output rows, unclipped: (n − 1)·jump + size. */
export function spanOf(rf: ReceptiveField, n: number): number {
  return (n - 1) * rf.jump + rf.size;
}
