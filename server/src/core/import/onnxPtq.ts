import { Layer, Model, Shape } from '../model/ir';
import { sourcesOf } from '../model/ops';
import { LayerParams } from '../quant/fromParams';
import { roundHalfEven } from '../quant/onnxRule';
import { softmaxOutput } from '../quant/graphParams';
import { syntheticImage } from '../quant/params';
import { TensorQuant } from '../quant/qmodel';
import { GraphNode, Reporter } from './onnxGraph';
import { FcLayout, toHwcWeights } from './onnxLayout';
import { QuantGraph } from './onnxQuant';
import { ReferenceModel, runReference } from './onnxReference';
import { Tensor } from './onnxTensor';

/**
 * Post-training quantization of a float ONNX model: per-channel symmetric int8 weights (BatchNormalization
 * and a MatMul's bias Add folded in), int32 bias, per-tensor asymmetric int8 activations whose ranges
 * are the min/max seen when the float graph (the reference interpreter) runs on calibration inputs.
 * Graph layers (add, mul, concat, act) get the calibrated range of their output; where TFLite fixes
 * an output quantization (softmax and logistic 1/256 and −128, tanh 1/128 and 0) it is TFLite's;
 * pooling, resize and pad keep their input's. All scales are float32 values, as a QDQ model stores them.
 */

/** Deterministic calibration inputs: the model's synthetic images as floats in [−1, 1), NCHW. */
export function syntheticCalibration(shape: Shape, seed: number, count = 4): Float32Array[] {
  return Array.from({ length: count }, (_, i) => {
    const hwc = syntheticImage(shape, seed + i * 0x9e37);
    const nchw = new Float32Array(hwc.length);
    for (let c = 0; c < shape.c; c++) for (let p = 0; p < shape.h * shape.w; p++) nchw[c * shape.h * shape.w + p] = hwc[p * shape.c + c] / 128;
    return nchw;
  });
}

/** Asymmetric int8 quantization of a real range (widened to hold 0). */
export function rangeQuant(lo: number, hi: number): TensorQuant {
  const min = Math.min(0, lo);
  const max = Math.max(0, hi, min + 1e-6);
  const scale = Math.fround((max - min) / 255);
  const zeroPoint = Math.max(-128, Math.min(127, roundHalfEven(-128 - min / scale)));
  return { scale, zeroPoint };
}

type Ranges = Map<string, [number, number]>;

/** Min and max of every float value over the calibration runs; undefined (reported) when a run fails. */
function calibrate(ref: ReferenceModel, inputs: Float32Array[], dims: number[], out: Reporter): Ranges | undefined {
  const ranges: Ranges = new Map();
  for (const data of inputs) {
    const run = runReference(ref, [{ dtype: 'float32', dims, data }], true);
    run.diagnostics.forEach((d) => out.diagnostics.push(d));
    if (!run.values) return undefined;
    for (const [name, t] of run.values) {
      if (t.dtype !== 'float32' || ref.initializers.has(name)) continue;
      const r = ranges.get(name) ?? [Infinity, -Infinity];
      for (const v of t.data) {
        if (v < r[0]) r[0] = v;
        if (v > r[1]) r[1] = v;
      }
      ranges.set(name, r);
    }
  }
  return ranges;
}

/** The value after the activations (Relu, Clip, Identity) that follow `value`. */
function afterActivations(g: QuantGraph, value: string): string {
  let node = g.next(value);
  while (node && (node.op === 'Relu' || node.op === 'Clip' || node.op === 'Identity')) {
    value = node.outputs[0];
    node = g.next(value);
  }
  return value;
}

/** Float weights [O, …] and bias with a following BatchNormalization folded in; the value after it. */
function foldedWeights(g: QuantGraph, node: GraphNode, out: Reporter): { w: Float32Array; b: Float32Array; channels: number; value: string } | undefined {
  const w = g.constant(node.inputs[1]);
  const bias = g.constant(node.inputs[2]);
  if (!w || w.dtype !== 'float32') {
    out.report('onnxQuantization', node.op, node.name, 'its weights are not a float32 initializer');
    return undefined;
  }
  const fc = node.op !== 'Conv';
  const transB = node.op === 'Gemm' && g.attrs(node).int('transB', 0) === 1;
  const channels = fc && !transB ? w.dims[1] : w.dims[0];
  const weights = Float32Array.from(w.data);
  const b = bias ? Float32Array.from(bias.data) : new Float32Array(channels);
  let value = node.outputs[0];
  const bn = g.next(value);
  if (bn?.op === 'BatchNormalization' && !fc) {
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => g.constant(bn.inputs[i])) as (Tensor | undefined)[];
    if (!gamma || !beta || !mean || !variance) {
      out.report('onnxQuantization', bn.op, bn.name, 'its parameters are not initializers');
      return undefined;
    }
    const eps = g.attrs(bn).float('epsilon') ?? 1e-5;
    const per = weights.length / channels;
    for (let o = 0; o < channels; o++) {
      const k = gamma.data[o] / Math.sqrt(variance.data[o] + eps);
      for (let j = 0; j < per; j++) weights[o * per + j] *= k;
      b[o] = (b[o] - mean.data[o]) * k + beta.data[o];
    }
    value = bn.outputs[0];
  }
  // A MatMul's bias is a separate Add of a constant vector (PaddlePaddle's and PyTorch's exports).
  const add = fc && !bias ? g.next(value) : undefined;
  const added = add?.op === 'Add' ? g.constant(add.inputs.find((i) => i !== value)) : undefined;
  if (add && added?.dtype === 'float32' && added.data.length === channels) {
    for (let o = 0; o < channels; o++) b[o] += added.data[o];
    value = add.outputs[0];
  }
  return { w: weights, b, channels, value };
}

/** Per output channel: scale max|w|/127 (float32) and the int8 weights, in Patchwise's layout. */
function quantizeWeights(hwc: Float32Array, channels: number, depthwise: boolean): { weights: Int8Array; scales: Float32Array } {
  const per = hwc.length / channels;
  const at = (c: number, j: number) => (depthwise ? j * channels + c : c * per + j);
  const scales = new Float32Array(channels);
  const weights = new Int8Array(hwc.length);
  for (let c = 0; c < channels; c++) {
    let max = 0;
    for (let j = 0; j < per; j++) max = Math.max(max, Math.abs(hwc[at(c, j)]));
    scales[c] = Math.fround(max > 0 ? max / 127 : 1);
    for (let j = 0; j < per; j++) weights[at(c, j)] = Math.max(-127, Math.min(127, roundHalfEven(hwc[at(c, j)] / scales[c])));
  }
  return { weights, scales };
}

export interface PtqResult {
  params: Map<number, LayerParams>;
  /** The output quantization of every layer without weights, by layer index. */
  outputs: Map<number, TensorQuant>;
  input: TensorQuant;
}

const weightedKinds = new Set<Layer['kind']>(['conv', 'dwconv', 'fc']);

/** TFLite's fixed output quantizations (its int8 kernels accept no other). */
const fixedOutputs: Partial<Record<string, TensorQuant>> = { softmax: softmaxOutput, sigmoid: { scale: 1 / 256, zeroPoint: -128 }, tanh: { scale: 1 / 128, zeroPoint: 0 } };

/** The output quantization of a layer without weights; a string says why there is none. */
function elementOutput(layer: Layer, node: GraphNode | undefined, xq: TensorQuant, g: QuantGraph, quantOf: (value: string) => TensorQuant): TensorQuant | string {
  switch (layer.kind) {
    case 'pool':
    case 'gpool':
    case 'resize':
    case 'pad':
      return xq;
    case 'softmax':
      return softmaxOutput;
    case 'act':
    case 'add':
    case 'mul':
    case 'concat': {
      const fixed = fixedOutputs[layer.table?.fn ?? ''];
      if (fixed) return fixed;
      return node ? quantOf(afterActivations(g, node.outputs[0])) : 'its ONNX node was not found';
    }
    default:
      return `post-training quantization has no rule for ${layer.kind} layers`;
  }
}

/** Quantizes every weighted layer of `model` (matched to its ONNX node) from the float graph. */
export function postTrainingQuantize(model: Model, g: QuantGraph, ref: ReferenceModel, inputs: Float32Array[], out: Reporter): PtqResult | undefined {
  const s = model.input.shape;
  const graphInput = ref.graph.inputs[0]?.name ?? '';
  const ranges = calibrate(ref, inputs, [1, s.c, s.h, s.w], out);
  if (!ranges) return undefined;
  const quantOf = (value: string) => rangeQuant(...(ranges.get(value) ?? [0, 0]));
  const input = quantOf(graphInput);
  const byName = new Map(ref.graph.nodes.map((n) => [n.name, n]));
  const params = new Map<number, LayerParams>();
  const outputs = new Map<number, TensorQuant>();
  const outs: TensorQuant[] = [];
  const outQ = (source: number) => (source < 0 ? input : outs[source]);
  for (const layer of model.layers) {
    const xq = outQ(sourcesOf(layer)[0]);
    const node = layer.node ? byName.get(layer.node) : undefined;
    if (!weightedKinds.has(layer.kind)) {
      const q = elementOutput(layer, node, xq, g, quantOf);
      if (typeof q === 'string') {
        out.report('onnxQuantization', node?.op ?? layer.kind, layer.node ?? layer.name, q);
        return undefined;
      }
      outputs.set(layer.index, q);
      outs[layer.index] = q;
      continue;
    }
    if (!node || !['Conv', 'Gemm', 'MatMul'].includes(node.op)) {
      out.report('onnxQuantization', node?.op ?? layer.kind, layer.node ?? layer.name, 'post-training quantization expects a float Conv, Gemm or MatMul here');
      return undefined;
    }
    const folded = foldedWeights(g, node, out);
    if (!folded) return undefined;
    const layout: FcLayout = node.op === 'Gemm' && g.attrs(node).int('transB', 0) === 1 ? 'NK' : 'KN';
    const hwc = toHwcWeights(layer, folded.w, layout, new Float32Array(folded.w.length));
    const { weights, scales } = quantizeWeights(hwc, folded.channels, layer.kind === 'dwconv');
    const bias = Int32Array.from(folded.b, (b, c) => roundHalfEven(b / Math.fround(xq.scale * scales[c])));
    const value = afterActivations(g, folded.value);
    let output = quantOf(value);
    let own: TensorQuant | undefined;
    if (layer.writesShortcut) {
      const add = g.next(value);
      if (add?.op !== 'Add') {
        out.report('onnxQuantization', node.op, node.name, 'its residual Add was not found after it');
        return undefined;
      }
      own = output;
      output = quantOf(afterActivations(g, add.outputs[0]));
    }
    params.set(layer.index, { input: xq, output, weights, weightScales: scales, bias, ...(own ? { own } : {}) });
    outs[layer.index] = output;
  }
  return { params, outputs, input };
}
