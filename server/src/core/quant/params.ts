import { Activation } from '../language/ast';
import { Layer, Model, Shape } from '../model/ir';
import { quantizeMultiplier } from './fixedPoint';
import { freedAfter, shortcutOf, sourcesOf } from '../model/ops';
import { accumulateTransposed } from './graphKernels';
import { syntheticDataLayer } from './graphQuant';
import { runLayer } from './interpreter';
import { accumulate, requantize } from './kernels';
import { AddQuant, elements, QLayer, QModel, TensorQuant } from './qmodel';
import { fnv1aText, Random } from './random';

// Deterministic synthetic int8 parameters for any model: weights drawn per layer from a seeded
// generator (per-channel symmetric, the largest |w| of each channel at 127), then calibrated on the
// synthetic input so that activations use a realistic part of the int8 range.

const inputQuant: TensorQuant = { scale: 1 / 128, zeroPoint: 0 };

/** Output quantization by activation: TFLite's usual [0, 6] and [0, 4] ranges, ±4σ when linear. */
function outputQuant(act: Activation): TensorQuant {
  if (act === 'relu6') return { scale: 6 / 255, zeroPoint: -128 };
  if (act === 'relu') return { scale: 4 / 255, zeroPoint: -128 };
  return { scale: 8 / 255, zeroPoint: 0 };
}

export function activationRange(act: Activation, q: TensorQuant): [number, number] {
  if (act === 'none') return [-128, 127];
  const min = Math.max(-128, q.zeroPoint);
  const max = act === 'relu6' ? Math.min(127, q.zeroPoint + Math.round(6 / q.scale)) : 127;
  return [min, max];
}

/** The seed: the model's name and its structure, so that the same model gets the same weights. */
export function modelSeed(model: Model): number {
  const shape = (s: Shape) => `${s.h}x${s.w}x${s.c}`;
  return fnv1aText(`${model.name}|${shape(model.input.shape)}|${model.layers.map((l) => `${l.kind}${l.rows.k}/${l.rows.s}/${l.rows.p}:${shape(l.output)}`).join(',')}`);
}

/** A smooth pattern with noise, HWC int8: the image every run of this model sees. */
export function syntheticImage(shape: Shape, seed: number): Int8Array {
  const rng = new Random(seed ^ 0x5eed1e55);
  const image = new Int8Array(elements(shape));
  for (let y = 0; y < shape.h; y++) {
    for (let x = 0; x < shape.w; x++) {
      for (let c = 0; c < shape.c; c++) {
        const v = 90 * Math.sin(x * 0.11 * (c + 1) + y * 0.07) * Math.cos(y * 0.05 - x * 0.03 * c) + 16 * rng.normal();
        image[(y * shape.w + x) * shape.c + c] = Math.max(-128, Math.min(127, Math.round(v)));
      }
    }
  }
  return image;
}

/** `channels` rows of `perChannel` int8 weights, each row's largest magnitude at 127. */
function weightsFor(rng: Random, channels: number, perChannel: number, layout: 'rows' | 'interleaved'): Int8Array {
  const w = new Int8Array(channels * perChannel);
  const raw = new Float64Array(perChannel);
  for (let c = 0; c < channels; c++) {
    let max = 1e-6;
    for (let j = 0; j < perChannel; j++) {
      raw[j] = rng.normal();
      if (Math.abs(raw[j]) > max) max = Math.abs(raw[j]);
    }
    for (let j = 0; j < perChannel; j++) w[layout === 'rows' ? c * perChannel + j : j * channels + c] = Math.round((raw[j] * 127) / max);
  }
  return w;
}

function weightCount(layer: Layer): [number, number, 'rows' | 'interleaved'] {
  const { input: i, output: o } = layer;
  const window = layer.rows.k * layer.cols.k;
  if (layer.kind === 'dwconv') return [o.c, window, 'interleaved'];
  if (layer.kind === 'fc') return [o.c, i.h * i.w * i.c, 'rows'];
  return [o.c, window * (i.c / layer.groups), 'rows'];
}

/** TFLite's ADD multipliers for conv + residual → output. */
export function addQuant(conv: TensorQuant, residual: TensorQuant, output: TensorQuant): AddQuant {
  const leftShift = 20;
  const twiceMax = 2 * Math.max(conv.scale, residual.scale);
  const a = quantizeMultiplier(conv.scale / twiceMax);
  const b = quantizeMultiplier(residual.scale / twiceMax);
  const o = quantizeMultiplier(twiceMax / ((1 << leftShift) * output.scale));
  return { conv, residual, leftShift, convMultiplier: a.multiplier, convShift: a.shift, residualMultiplier: b.multiplier, residualShift: b.shift, outputMultiplier: o.multiplier, outputShift: o.shift };
}

/**
 * Quantizes a model with synthetic, calibrated parameters: weighted layers as below, graph and
 * element layers from their sources' quantizations (graphQuant.ts). Throws only on an internal error.
 */
export function quantizeModel(model: Model): QModel {
  const seed = modelSeed(model);
  const image = syntheticImage(model.input.shape, seed);
  const layers: QLayer[] = [];
  const outputs: ({ x: Int8Array; q: TensorQuant } | undefined)[] = [];
  // A tensor's bytes are dropped after its last reader (its quantization stays in `layers`).
  const freed = freedAfter(model);
  const read = (s: number) => (s < 0 ? { x: image, q: inputQuant } : outputs[s]!);
  for (const layer of model.layers) {
    const sourceIndices = sourcesOf(layer);
    const sources = sourceIndices.map(read);
    const { x, q: xq } = sources[0];
    const rng = new Random(seed ^ Math.imul(layer.index + 1, 0x9e3779b9));
    const shortcutIndex = shortcutOf(model, layer);
    const shortcut = shortcutIndex === undefined ? undefined : read(shortcutIndex);
    let q: QLayer;
    let output: Int8Array;
    if (!weighted.has(layer.kind)) {
      q = syntheticDataLayer(layer, sources);
      output = runLayer(q, sources.map((s) => s.x));
    } else {
      const [channels, perChannel, layout] = weightCount(layer);
      const weights = weightsFor(rng, channels, perChannel, layout);
      const acc = layer.kind === 'convT' ? accumulateTransposed(layer, x, xq.zeroPoint, weights) : accumulate(layer, x, xq.zeroPoint, weights);
      const { bias, multiplier, shift } = calibrate(acc, channels, rng, layer.writesShortcut ? 'none' : layer.act);
      const add = shortcut ? addQuant(outputQuant('none'), shortcut.q, { scale: 12 / 255, zeroPoint: 0 }) : undefined;
      const outQ = add ? { scale: 12 / 255, zeroPoint: 0 } : outputQuant(layer.act);
      const [actMin, actMax] = activationRange(add ? 'none' : layer.act, outQ);
      q = { layer, input: xq, output: outQ, weights, bias, multiplier, shift, actMin, actMax, ...(add ? { add } : {}) };
      // The accumulators just calibrated on are the layer's own: requantize them, as runLayer would.
      output = requantize(q, acc, shortcut?.x);
    }
    layers.push(q);
    outputs.push({ x: output, q: q.output });
    for (const s of freed[layer.index]) outputs[s] = undefined;
  }
  return { model, seed, input: inputQuant, image, layers };
}

const weighted = new Set<Layer['kind']>(['conv', 'dwconv', 'fc', 'convT']);

/**
 * Bias and per-channel multipliers from the accumulators: the bias moves each channel's mean
 * halfway to 0 (plus noise), and the channel's spread maps to one real unit of the output.
 */
function calibrate(acc: Int32Array, channels: number, rng: Random, act: Activation): { bias: Int32Array; multiplier: Int32Array; shift: Int32Array } {
  const n = acc.length / channels;
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let base = 0; base < acc.length; base += channels) {
    for (let c = 0; c < channels; c++) {
      const v = acc[base + c];
      sum[c] += v;
      sq[c] += v * v;
    }
  }
  const bias = new Int32Array(channels);
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  const outScale = outputQuant(act).scale;
  // With few pixels per channel (fc, tiny maps) a channel's own spread means little: pool them.
  const total = acc.length;
  const pooledMean = sum.reduce((a, b) => a + b, 0) / total;
  const pooledStd = Math.sqrt(Math.max(0, sq.reduce((a, b) => a + b, 0) / total - pooledMean * pooledMean));
  for (let c = 0; c < channels; c++) {
    const mean = n < 16 ? pooledMean : sum[c] / n;
    const std = Math.max(1, n < 16 ? pooledStd : Math.sqrt(Math.max(0, sq[c] / n - mean * mean)));
    bias[c] = Math.round(-0.5 * mean + 0.25 * std * rng.normal());
    const m = quantizeMultiplier(1 / (std * outScale));
    multiplier[c] = m.multiplier;
    shift[c] = m.shift;
  }
  return { bias, multiplier, shift };
}
