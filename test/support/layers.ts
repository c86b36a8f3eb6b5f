import { Layer, Shape } from '../../server/src/core/model/ir';
import { QLayer, TensorQuant } from '../../server/src/core/quant/qmodel';

// Single layers for kernel tests: the fields the reference reads, the rest neutral.

const unit = { k: 1, s: 1, p: 0 };
const nowhere = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
const empty = new Int32Array(0);

/** A layer of `kind` from `input` to `output`. */
export function layerOf(kind: Layer['kind'], input: Shape, output: Shape, extra: Partial<Layer> = {}): Layer {
  return { index: 0, name: kind, block: 0, kind, role: 'conv', rows: unit, cols: unit, groups: 1, act: 'none', input, output, inPlace: false, writesShortcut: false, line: 0, range: nowhere, ...extra } as Layer;
}

/** Its QLayer without weights: the clamp is the int8 range unless `extra` says otherwise. */
export function qlayerOf(layer: Layer, input: TensorQuant, output: TensorQuant, extra: Partial<QLayer> = {}): QLayer {
  return { layer, input, output, weights: new Int8Array(0), bias: empty, multiplier: empty, shift: empty, actMin: -128, actMax: 127, ...extra };
}
