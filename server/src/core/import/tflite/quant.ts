import { Layer, Model } from '../../model/ir';
import { quantizeMultiplier } from '../../quant/fixedPoint';
import { addQuant, modelSeed, syntheticImage } from '../../quant/params';
import { QLayer, QModel, TensorQuant } from '../../quant/qmodel';
import { rangeOf } from '../../language/diagnostics';
import { Reporter } from '../onnxGraph';
import { fuseResiduals } from './blocks';
import { Builtin, builtinName } from './builtins';
import { Operator, TfliteModel } from './schema';
import { decodeTflite } from './tflite';
import { TflLayer, walkTflite } from './walk';

/**
 * The QModel of an imported .tflite from the file's own int8 parameters, under TFLite's rules:
 * per-channel multipliers from double scales (QuantizeMultiplier of input·filter/output), fused
 * activations clamped where TFLite Micro's CalculateActivationRangeQuantized puts them, a fused
 * shortcut ADD with TFLite's ADD parameters. Layers the TypeScript reference cannot run yet are
 * named in `problems` (never approximated).
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
  /** Index of the first layer the reference cannot run (model.layers.length when it runs them all). */
  supportedLayers: number;
}

export function tfliteQModel(bytes: Uint8Array, model: Model, image?: Int8Array): TfliteQuant {
  const out = new Reporter(rangeOf(0, 0, 0));
  const file = decodeTflite(bytes, out);
  const walk = file && walkTflite(file, out);
  if (!file || !walk) return { problems: [{ layer: 'model', message: 'the file does not import' }], inputLayout: 'nhwc', supportedLayers: 0 };
  const byNode = new Map(fuseResiduals(walk.layers).layers.map((l) => [l.node, l]));
  const inputLayout = walk.inputAxes.join('') === 'nchw' ? 'nchw' : 'nhwc';
  const inputTensor = file.tensors[file.inputs[0]];
  if (inputTensor.type !== 9) return { problems: [{ layer: 'input', message: `the input is ${inputTensor.type === 0 ? 'float32 (QUANTIZE in the file)' : `of type ${inputTensor.type}`}; the reference runs int8 inputs` }], inputLayout, supportedLayers: 0 };
  const input = quantOf(file, file.inputs[0]);
  const layers: QLayer[] = [];
  const problems: TfliteQuantProblem[] = [];
  let xq = input;
  let blockInput = input;
  for (const layer of model.layers) {
    const tl = layer.node === undefined ? undefined : byNode.get(layer.node);
    if (model.blocks[layer.block].firstLayer === layer.index) blockInput = xq;
    const why = !tl ? 'the file has no operator for it' : lacking(layer, tl);
    if (why) {
      problems.push({ layer: layer.name, message: why });
      break;
    }
    const q = qlayer(file, layer, tl!, xq, blockInput);
    if (typeof q === 'string') {
      problems.push({ layer: layer.name, message: q });
      break;
    }
    layers.push(q);
    xq = q.output;
  }
  const seed = modelSeed(model);
  const qm: QModel = { model, source: 'tflite', seed, input, image: image ?? syntheticImage(model.input.shape, seed), layers };
  return { qm, problems, inputLayout, supportedLayers: layers.length };
}

/** What the TypeScript reference (server/src/core/quant/kernels.ts) lacks for this layer, if anything. */
function lacking(layer: Layer, tl: TflLayer): string | undefined {
  const op = builtinName(tl.op.code);
  if (tl.op.code === Builtin.Mean) return 'MEAN: the reference has no MEAN (its rounding is not average pooling\'s)';
  if (layer.kind === 'dwconv' && layer.output.c !== layer.input.c) return `${op}: the reference has no depth multiplier (${layer.output.c / layer.input.c})`;
  if ((layer.kind === 'conv' || layer.kind === 'dwconv' || layer.kind === 'pool') && (layer.rows.k !== layer.cols.k || layer.rows.s !== layer.cols.s || layer.rows.p !== layer.cols.p)) {
    return `${op}: the reference has no non-square windows (${layer.rows.k}×${layer.cols.k})`;
  }
  if (!['conv', 'dwconv', 'fc', 'pool', 'gpool'].includes(layer.kind)) return `${op}: the reference has no ${layer.kind} layer`;
  if (layer.sources !== undefined) return `${op}: the reference runs chains only (this layer reads ${layer.sources.join(', ')})`;
  return undefined;
}

function qlayer(file: TfliteModel, layer: Layer, tl: TflLayer, xq: TensorQuant, blockInput: TensorQuant): QLayer | string {
  const op = tl.op;
  const empty = new Int32Array(0);
  const own = quantOf(file, op.outputs[0]);
  const fileInput = quantOf(file, op.inputs[0]);
  if (fileInput.scale !== xq.scale || fileInput.zeroPoint !== xq.zeroPoint) return `its input quantization (${fileInput.scale}, ${fileInput.zeroPoint}) is not the previous layer's output (${xq.scale}, ${xq.zeroPoint})`;
  if (layer.kind === 'pool' || layer.kind === 'gpool') {
    const [actMin, actMax] = activationRange(layer.act, own);
    if (own.scale !== xq.scale || own.zeroPoint !== xq.zeroPoint) return 'pooling that requantizes';
    return { layer, input: xq, output: own, weights: new Int8Array(0), bias: empty, multiplier: empty, shift: empty, actMin, actMax };
  }
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
  const add = tl.fusedAdd ? addOf(file, tl.fusedAdd, own, blockInput) : undefined;
  if (typeof add === 'string') return add;
  const output = add ? add.output : own;
  const [actMin, actMax] = activationRange(add ? 'none' : layer.act, output);
  return { layer, input: xq, output, weights, bias, multiplier, shift, rule: 'tflite', actMin, actMax, ...(add ? { add: add.params } : {}) };
}

function addOf(file: TfliteModel, op: Operator, own: TensorQuant, residual: TensorQuant): { params: ReturnType<typeof addQuant>; output: TensorQuant } | string {
  const output = quantOf(file, op.outputs[0]);
  return { params: addQuant(own, residual, output), output };
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
