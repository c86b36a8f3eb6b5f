import { QLayer } from '../quant/qmodel';

// A small fully connected layer's weights as int16, in the order pw_fc_wide_s8 multiplies them
// (runtime/include/pw_nn.h): its loop then loads a row's 4 weights with one LDRD and multiplies
// them with two SMLAD, instead of sign-extending them first, at twice their flash.

/** The largest fc layer (weights) stored wide: at most 8 KiB more flash. */
export const wideFcMaxWeights = 8192;

/** Is this layer's fc kernel pw_fc_wide_s8? */
export function isWideFc(q: QLayer): boolean {
  return q.layer.kind === 'fc' && q.weights.length > 0 && q.weights.length <= wideFcMaxWeights;
}

/** Words of one row (pw_fc_wide_row_words in pw_nn.h). */
export function wideFcRowWords(inN: number): number {
  return (inN + 1) >> 1;
}

/**
 * The weights [outN][inN] as words of two int16 (low half first): per row, each group of 4 inputs
 * i…i+3 gives (w[i], w[i+2]) and (w[i+1], w[i+3]), the 1…3 inputs past the last group their weights
 * in order; a row is ⌈inN/2⌉ words.
 */
export function wideFcWords(weights: Int8Array, outN: number, inN: number): Uint32Array {
  const rowWords = wideFcRowWords(inN);
  const words = new Uint32Array(outN * rowWords);
  const groups = inN >> 2;
  for (let o = 0; o < outN; o++) {
    const w = weights.subarray(o * inN, (o + 1) * inN);
    const halves = new Int16Array(rowWords * 2);
    for (let g = 0; g < groups; g++) halves.set([w[4 * g], w[4 * g + 2], w[4 * g + 1], w[4 * g + 3]], 4 * g);
    for (let i = 4 * groups; i < inN; i++) halves[i] = w[i];
    words.set(new Uint32Array(halves.buffer), o * rowWords);
  }
  return words;
}
