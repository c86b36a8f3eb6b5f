import { Activation } from '../language/ast';
import { Model } from '../model/ir';
import { sourcesOf } from '../model/ops';
import { concatQuant, mulQuant, rescaleQuant, softmaxOutput, softmaxQuant } from './graphParams';
import { onnxMultiplier, roundHalfEven } from './onnxRule';
import { addQuant, modelSeed, syntheticImage } from './params';
import { activationTable } from './tables';
import { QLayer, QModel, QuantSource, TensorQuant } from './qmodel';

// A QModel from given int8 parameters (a quantized ONNX model's own, or post-training
// quantization's): every weighted layer under ONNX's requantization rule, pooling passing its
// input's quantization through. Each weighted layer's input quantization must be its source's
// output, since the int8 bytes go from one to the next unchanged.

/** The int8 parameters of one weighted layer, in Patchwise's layouts (see {@link QLayer}). */
export interface LayerParams {
  input: TensorQuant;
  output: TensorQuant;
  weights: Int8Array;
  /** Per output channel, float32 values. */
  weightScales: Float32Array;
  /** In units of input.scale · weightScales[c]. */
  bias: Int32Array;
  /** A fused shortcut add: the layer's own int8 output before the add. */
  own?: TensorQuant;
}

export interface ParamsProblem {
  /** The layer's ONNX node (or its name). */
  layer: string;
  message: string;
}

const sameQuant = (a: TensorQuant, b: TensorQuant) => Math.fround(a.scale) === Math.fround(b.scale) && a.zeroPoint === b.zeroPoint;

/** The output clamp of an activation in the quantized domain (float32 like onnxruntime's QuantizeLinear). */
export function activationClamp(act: Activation, q: TensorQuant): [number, number] {
  if (act === 'none') return [-128, 127];
  const min = Math.max(-128, q.zeroPoint);
  const max = act === 'relu6' ? Math.min(127, roundHalfEven(Math.fround(6 / q.scale)) + q.zeroPoint) : 127;
  return [min, max];
}

/**
 * The QModel of `model` with `params` (weighted layers) and `outputs` (the output quantization of
 * graph and element layers) by layer index; `image` is the int8 input (default: the model's
 * deterministic synthetic image). Each layer reads its sources' quantizations; graph layers get
 * TFLite's parameters for them (graphParams.ts), tables the float function rounded as onnxruntime's
 * QuantizeLinear does. Problems (a layer without parameters, quantizations that do not chain) are
 * returned, not thrown.
 */
export function buildQModel(model: Model, params: ReadonlyMap<number, LayerParams>, input: TensorQuant, source: QuantSource, image?: Int8Array, outputs: ReadonlyMap<number, TensorQuant> = new Map()): { qm?: QModel; problems: ParamsProblem[] } {
  const problems: ParamsProblem[] = [];
  const layers: QLayer[] = [];
  const outQ = (s: number) => (s < 0 ? input : layers[s].output);
  const empty = new Int32Array(0);
  for (const layer of model.layers) {
    const name = layer.node ?? layer.name;
    const inputs = sourcesOf(layer).map(outQ);
    const xq = inputs[0];
    const blockInput = outQ(sourcesOf(model.layers[model.blocks[layer.block].firstLayer])[0]);
    const base = { layer, input: xq, output: xq, weights: new Int8Array(0), bias: empty, multiplier: empty, shift: empty, actMin: -128, actMax: 127 };
    const p = params.get(layer.index);
    if (!p) {
      const element = elementLayer(base, inputs, outputs.get(layer.index));
      if (!element) problems.push({ layer: name, message: 'no int8 parameters were found for it' });
      layers.push(element ?? base);
      continue;
    }
    if (!sameQuant(p.input, xq)) {
      problems.push({ layer: name, message: `its input is quantized with scale ${p.input.scale} and zero point ${p.input.zeroPoint}, but the tensor it reads has ${xq.scale} and ${xq.zeroPoint}; a requantization between layers is not supported` });
    }
    const own = layer.writesShortcut ? p.own ?? p.output : p.output;
    const floatMultiplier = Float32Array.from(p.weightScales, (ws) => onnxMultiplier(xq.scale, ws, own.scale));
    const add = layer.writesShortcut ? addQuant(own, blockInput, p.output) : undefined;
    const [actMin, actMax] = activationClamp(add ? 'none' : layer.act, p.output);
    layers.push({ ...base, output: p.output, weights: p.weights, bias: p.bias, rule: 'onnx', floatMultiplier, weightScales: p.weightScales, actMin, actMax, ...(add ? { add } : {}) });
  }
  if (problems.length > 0) return { problems };
  const seed = modelSeed(model);
  return { qm: { model, source, seed, input, image: image ?? syntheticImage(model.input.shape, seed), layers }, problems };
}

/** A layer without weights: pooling keeps its input's quantization; the rest need their output's. */
function elementLayer(base: QLayer, inputs: TensorQuant[], output: TensorQuant | undefined): QLayer | undefined {
  const layer = base.layer;
  const xq = base.input;
  // Averages round as onnxruntime's float AveragePool does (TFLite's half away from zero differs on ties).
  if (layer.kind === 'pool') return layer.poolMode === 'avg' ? { ...base, rule: 'onnx' } : base;
  if (layer.kind === 'resize' || layer.kind === 'pad') return base;
  if (layer.kind === 'gpool') return output && !sameQuant(output, xq) ? { ...base, output, mean: rescaleQuant(xq, output) } : { ...base, rule: 'onnx' };
  if (!output) return undefined;
  const [actMin, actMax] = activationClamp(layer.act, output);
  switch (layer.kind) {
    case 'add': return { ...base, output, inputs, add: addQuant(inputs[0], inputs[1], output), actMin, actMax };
    // Under onnxruntime's float rule: TFLite's fixed point differs by one in ~0.5% of the SE scale's outputs, which the layers after amplify.
    case 'mul': return { ...base, output, inputs, mul: mulQuant(inputs[0], inputs[1], output), rule: 'onnx', actMin, actMax };
    case 'concat': return { ...base, output, inputs, concat: concatQuant(inputs, output) };
    case 'act': return { ...base, output, table: activationTable(layer.table!, xq, output, 'onnx') };
    case 'softmax': return { ...base, output: softmaxOutput, softmax: softmaxQuant(xq) };
    default: return undefined;
  }
}
