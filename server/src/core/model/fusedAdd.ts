import { Window } from './ir';

// Which layers a shortcut add can be fused into: those the kernels with a fused add run
// (pw_conv_s8, pw_conv_1x1_s8 and pw_dwconv_s8: square windows, symmetric padding). The importers
// fuse an Add only there, and leave any other as an add layer of its own, which the firmware runs.

/** The parts of a layer that decide it. */
export interface FusableLayer {
  kind: string;
  groups: number;
  rows: Window;
  cols: Window;
  inC: number;
  outC: number;
}

const square = (l: FusableLayer) =>
  l.rows.k === l.cols.k && l.rows.s === l.cols.s && l.rows.p === l.cols.p && (l.rows.pEnd ?? l.rows.p) === l.rows.p && (l.cols.pEnd ?? l.cols.p) === l.cols.p;

/** A conv the specialised kernels run: square, k ≤ 7, no groups, symmetric padding. */
export function specialisedConvWindow(l: FusableLayer): boolean {
  return l.kind === 'conv' && square(l) && l.rows.k <= 7 && l.groups === 1;
}

/** A depthwise conv the specialised kernel runs: square, k = 1, 3, 5 or 7, stride ≤ 2, no multiplier. */
export function specialisedDepthwiseWindow(l: FusableLayer): boolean {
  return l.kind === 'dwconv' && square(l) && [1, 3, 5, 7].includes(l.rows.k) && l.rows.s <= 2 && l.outC === l.inC;
}

/**
 * A depthwise conv the chain runtime's kernel runs, which can write over its input: square rows
 * and columns (padding past the end may differ: the kernel reads it as padding), k = 1, 3, 5 or 7,
 * stride ≤ 2, no multiplier (one input channel's is a plain conv).
 */
export function chainDepthwiseWindow(l: FusableLayer): boolean {
  const square = l.rows.k === l.cols.k && l.rows.s === l.cols.s && l.rows.p === l.cols.p;
  return l.kind === 'dwconv' && square && [1, 3, 5, 7].includes(l.rows.k) && l.rows.s <= 2 && (l.outC === l.inC || l.inC === 1);
}

/** Can a shortcut add be fused into this layer (the firmware then adds it as the layer writes)? */
export function takesFusedAdd(l: FusableLayer): boolean {
  return specialisedConvWindow(l) || specialisedDepthwiseWindow(l);
}
