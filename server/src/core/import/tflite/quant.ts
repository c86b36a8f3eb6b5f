import { Layer, Model } from '../../model/ir';
import { sourcesOf } from '../../model/ops';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../../quant/fixedPoint';
import { concatQuant, mulQuant, rescaleQuant, softmaxQuant } from '../../quant/graphParams';
import { addQuant, modelSeed, syntheticImage } from '../../quant/params';
import { QLayer, QModel, TensorQuant } from '../../quant/qmodel';
import { activationTable } from '../../quant/tables';
import { rangeOf } from '../../language/diagnostics';
import { Reporter } from '../onnxGraph';
import { fuseResiduals } from './blocks';
import { Builtin, builtinName } from './builtins';
import { TensorType, TfliteModel } from './schema';
import { decodeTflite } from './tflite';
import { TflLayer, walkTflite } from './walk';

/**
 * The QModel of an imported .tflite from the file's own int8 parameters, under TFLite's rules:
 * per-channel multipliers from double scales (QuantizeMultiplier of input·filter/output), fused
 * activations clamped where TFLite Micro's CalculateActivationRangeQuantized puts them, a fused
 * shortcut ADD with TFLite's ADD parameters, and the graph layers' parameters as TFLite Micro's
 * Prepare computes them (graphParams.ts). A float input (QUANTIZE in the file) starts the QModel
 * at the QUANTIZE's int8 output. What the reference cannot run is named in `problems`, never
 * approximated.
 */

export interface TfliteQuantProblem {
  layer: string;
  message: string;
}

export interface TfliteQuant {
  qm?: QModel;
  problems: TfliteQuantProblem[];
  /** The input's layout in the file: `nchw` when a TRANSPOSE makes it NHWC (feed the file transposed). */
  inputLayout: 'nhwc' | 'nchw';
  /** `float32`: the file's input is float and a QUANTIZE makes it the int8 the QModel starts from. */
  inputType: 'int8' | 'float32';
  /** Index of the first layer the reference cannot run (model.layers.length when it runs them all). */
  supportedLayers: number;
}

export function tfliteQModel(bytes: Uint8Array, model: Model, image?: Int8Array): TfliteQuant {
  const out = new Reporter(rangeOf(0, 0, 0));
  const file = decodeTflite(bytes, out);
  const walk = file && walkTflite(file, out);
  const none = { inputLayout: 'nhwc' as const, inputType: 'int8' as const, supportedLayers: 0 };
  if (!file || !walk) return { problems: [{ layer: 'model', message: 'the file does not import' }], ...none };
  const byNode = new Map(fuseResiduals(walk.layers, walk.input.c).layers.map((l) => [l.node, l]));
  const inputLayout = walk.inputAxes.join('') === 'nchw' ? 'nchw' : 'nhwc';
  const first = file.tensors[file.inputs[0]];
  // A float input: the int8 tensor its QUANTIZE writes is where the reference starts.
  const quantize = first.type === TensorType.Float32 ? file.operators.find((o) => o.code === Builtin.Quantize && o.inputs[0] === file.inputs[0]) : undefined;
  const inputType = quantize ? 'float32' : 'int8';
  if (first.type !== TensorType.Int8 && !quantize) return { problems: [{ layer: 'input', message: `the input is of type ${first.type}; the reference runs int8 inputs` }], ...none, inputLayout };
  const input = quantOf(file, quantize ? quantize.outputs[0] : file.inputs[0]);
  const layers: QLayer[] = [];
  const problems: TfliteQuantProblem[] = [];
  const outQ = (s: number) => (s < 0 ? input : layers[s].output);
  for (const layer of model.layers) {
    const tl = layer.node === undefined ? undefined : byNode.get(layer.node);
    const why = !tl ? 'the file has no operator for it' : undefined;
    const q = why ?? qlayer(file, layer, tl!, sourcesOf(layer).map(outQ), outQ(sourcesOf(model.layers[model.blocks[layer.block].firstLayer])[0]));
    if (typeof q === 'string') {
      problems.push({ layer: layer.name, message: q });
      break;
    }
    layers.push(q);
  }
  const seed = modelSeed(model);
  const qm: QModel = { model, source: 'tflite', seed, input, image: image ?? syntheticImage(model.input.shape, seed), layers };
  return { qm, problems, inputLayout, inputType, supportedLayers: layers.length };
}

function qlayer(file: TfliteModel, layer: Layer, tl: TflLayer, inputs: TensorQuant[], blockInput: TensorQuant): QLayer | string {
  const op = tl.op;
  const empty = new Int32Array(0);
  const own = quantOf(file, op.outputs[0]);
  const xq = inputs[0];
  const fileInputs = layer.sources === undefined || inputs.length === 1 ? [quantOf(file, op.inputs[0])] : [];
  if (fileInputs.some((f) => !same(f, xq))) return `its input quantization (${fileInputs[0].scale}, ${fileInputs[0].zeroPoint}) is not the previous layer's output (${xq.scale}, ${xq.zeroPoint})`;
  const data = { layer, input: xq, output: own, weights: new Int8Array(0), bias: empty, multiplier: empty, shift: empty, actMin: -128, actMax: 127 };
  const [actMin, actMax] = activationRange(layer.act, own);
  // A MEAN over rows or columns is a pool spanning them, with MEAN's rounding and requantization.
  if (op.code === Builtin.Mean) return { ...data, mean: rescaleQuant(xq, own) };
  switch (layer.kind) {
    case 'pool':
    case 'resize':
    case 'pad':
      if (!same(own, xq)) return `${builtinName(op.code)} that requantizes`;
      return { ...data, actMin, actMax, ...(layer.kind === 'pad' ? { padValue: padValue(file, op.inputs[2]) ?? own.zeroPoint } : {}) };
    case 'gpool':
      return { ...data, actMin, actMax };
    case 'add':
      return { ...data, inputs, add: addQuant(inputs[0], inputs[1], own), actMin, actMax };
    case 'mul':
      return { ...data, inputs, mul: mulQuant(inputs[0], inputs[1], own), actMin, actMax };
    case 'concat':
      return { ...data, inputs, concat: concatQuant(inputs, own) };
    case 'act':
      return { ...data, table: op.code === Builtin.Prelu ? preluTables(file, op.inputs[1], xq, own, layer.output.c) : activationTable(layer.table!, xq, own, 'tflite') };
    case 'softmax':
      return { ...data, softmax: softmaxQuant(xq, op.options?.float32(0, 1) ?? 1) };
    case 'conv':
    case 'dwconv':
    case 'fc':
      return weighted(file, layer, tl, xq, own, blockInput);
    default:
      return `${builtinName(op.code)}: the reference has no ${layer.kind} from a .tflite yet`;
  }
}

function weighted(file: TfliteModel, layer: Layer, tl: TflLayer, xq: TensorQuant, own: TensorQuant, blockInput: TensorQuant): QLayer | string {
  const op = tl.op;
  const w = file.tensors[op.inputs[1]];
  const scales = w.quantization?.scale ?? [];
  const channels = layer.output.c;
  if (scales.length !== 1 && scales.length !== channels) return `${scales.length} filter scales for ${channels} output channels`;
  const data = file.buffers[w.buffer];
  const weights = new Int8Array(data.buffer, data.byteOffset, data.length).slice();
  const biasData = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? file.buffers[file.tensors[op.inputs[2]].buffer] : undefined;
  const bias = biasData && biasData.length === 4 * channels ? bias32(biasData) : new Int32Array(channels);
  const multiplier = new Int32Array(channels);
  const shift = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    // TFLite computes the effective scale in double from the float32 scales.
    const m = quantizeMultiplier((xq.scale * (scales.length === 1 ? scales[0] : scales[c])) / own.scale);
    multiplier[c] = m.multiplier;
    shift[c] = m.shift;
  }
  const addOutput = tl.fusedAdd ? quantOf(file, tl.fusedAdd.outputs[0]) : undefined;
  const output = addOutput ?? own;
  const [actMin, actMax] = activationRange(addOutput ? 'none' : layer.act, output);
  const add = addOutput ? addQuant(own, blockInput, addOutput) : undefined;
  return { layer, input: xq, output, weights, bias, multiplier, shift, rule: 'tflite', actMin, actMax, ...(add ? { add } : {}) };
}

function same(a: TensorQuant, b: TensorQuant): boolean {
  return Math.fround(a.scale) === Math.fround(b.scale) && a.zeroPoint === b.zeroPoint;
}

/**
 * TFLite Micro's int8 PRELU as a table a channel: x − zpIn at or above 0 scaled by
 * scaleIn/scaleOut, below 0 times (a − zpAlpha) scaled by scaleIn·scaleAlpha/scaleOut (both
 * QuantizeMultiplier of the double ratio), plus zpOut, clamped; `a` the file's int8 alpha of
 * the channel (one value for all).
 */
function preluTables(file: TfliteModel, alphaIndex: number, xq: TensorQuant, own: TensorQuant, channels: number): Int8Array {
  const t = file.tensors[alphaIndex];
  const data = file.buffers[t.buffer];
  const aq = quantOf(file, alphaIndex);
  const identity = quantizeMultiplier(xq.scale / own.scale);
  const sloped = quantizeMultiplier((xq.scale * aq.scale) / own.scale);
  const tables = new Int8Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    const alpha = ((data[data.length === 1 ? 0 : c] << 24) >> 24) - aq.zeroPoint;
    for (let x = -128; x <= 127; x++) {
      const v = x - xq.zeroPoint;
      const scaled = v >= 0 ? multiplyByQuantizedMultiplier(v, identity.multiplier, identity.shift) : multiplyByQuantizedMultiplier(v * alpha, sloped.multiplier, sloped.shift);
      tables[256 * c + x + 128] = Math.max(-128, Math.min(127, scaled + own.zeroPoint));
    }
  }
  return tables;
}

/** PADV2's constant value (int8), when the operator has one. */
function padValue(file: TfliteModel, index: number | undefined): number | undefined {
  const t = index === undefined || index < 0 ? undefined : file.tensors[index];
  const data = t && file.buffers[t.buffer];
  return data && data.length === 1 ? (data[0] << 24) >> 24 : undefined;
}

function quantOf(file: TfliteModel, index: number): TensorQuant {
  const q = file.tensors[index]?.quantization;
  return { scale: q?.scale[0] ?? 1, zeroPoint: q?.zeroPoint[0] ?? 0 };
}
/** TFLite Micro's CalculateActivationRangeQuantized: zp + round(f / scale) in float32, clamped to int8. */
export function activationRange(act: Layer['act'], q: TensorQuant): [number, number] {
  const quantize = (f: number) => q.zeroPoint + roundAway(Math.fround(f / q.scale));
  if (act === 'relu') return [Math.max(-128, quantize(0)), 127];
  if (act === 'relu6') return [Math.max(-128, quantize(0)), Math.min(127, quantize(6))];
  return [-128, 127];
}

function roundAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

function bias32(data: Uint8Array): Int32Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Int32Array.from({ length: data.length / 4 }, (_, i) => view.getInt32(4 * i, true));
}
