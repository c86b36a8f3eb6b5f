import { Layer } from '../model/ir';
import { addQuant, activationRange } from './params';
import { concatQuant, mulQuant, softmaxOutput, softmaxQuant } from './graphParams';
import { QLayer, TensorQuant } from './qmodel';
import { activationTable, realFunction } from './tables';

// Synthetic int8 parameters of the layers without weights: each output quantization is calibrated
// on the values the layer actually produces from its sources (their real range), the way
// post-training quantization would, so that random graphs exercise the same rescaling paths as
// imported ones (different scales on the two sides of an add, a concat that must requantize).

interface Source {
  x: Int8Array;
  q: TensorQuant;
}

const empty = new Int32Array(0);

/** Asymmetric int8 quantization covering [min, max] (widened to include 0). */
export function rangeQuant(min: number, max: number): TensorQuant {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max, lo + 1e-3);
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.max(-128, Math.min(127, Math.round(-128 - lo / scale))) };
}

/** The real range of f over two sources' elements, the second broadcast when it is 1×1×C. */
function rangeOf(a: Source, b: Source | undefined, c: number, f: (x: number, y: number) => number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  const real = (s: Source, j: number) => s.q.scale * (s.x[s.x.length === c ? j % c : j] - s.q.zeroPoint);
  for (let j = 0; j < a.x.length; j++) {
    const v = f(real(a, j), b ? real(b, j) : 0);
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return [min, max];
}

function base(layer: Layer, input: TensorQuant, output: TensorQuant): QLayer {
  const [actMin, actMax] = activationRange(layer.act, output);
  return { layer, input, output, weights: new Int8Array(0), bias: empty, multiplier: empty, shift: empty, actMin, actMax };
}

/** The QLayer of a layer without weights, given its sources' bytes and quantizations. */
export function syntheticDataLayer(layer: Layer, sources: readonly Source[]): QLayer {
  const [a, b] = sources;
  const inputs = sources.map((s) => s.q);
  const c = layer.output.c;
  switch (layer.kind) {
    case 'add': {
      const output = rangeQuant(...rangeOf(a, b, c, (x, y) => x + y));
      return { ...base(layer, a.q, output), inputs, add: addQuant(a.q, b.q, output) };
    }
    case 'mul': {
      const output = rangeQuant(...rangeOf(a, b, c, (x, y) => x * y));
      return { ...base(layer, a.q, output), inputs, mul: mulQuant(a.q, b.q, output) };
    }
    case 'concat': {
      // The first source's quantization: its producer can write into the concat buffer as it is.
      return { ...base(layer, a.q, a.q), inputs, concat: concatQuant(inputs, a.q) };
    }
    case 'act': {
      const t = layer.table ?? { fn: 'hardswish' as const };
      const f = realFunction(t);
      const fixed: Partial<Record<typeof t.fn, TensorQuant>> = { sigmoid: { scale: 1 / 256, zeroPoint: -128 }, tanh: { scale: 1 / 128, zeroPoint: 0 }, hardsigmoid: { scale: 1 / 256, zeroPoint: -128 } };
      const output = fixed[t.fn] ?? rangeQuant(...rangeOf(a, undefined, c, (x) => f(x)));
      return { ...base(layer, a.q, output), table: activationTable(t, a.q, output) };
    }
    case 'softmax':
      return { ...base(layer, a.q, softmaxOutput), softmax: softmaxQuant(a.q) };
    default:
      // pool, gpool (synthetic models keep its input's quantization: no `mean`), resize, pad.
      return base(layer, a.q, a.q);
  }
}
