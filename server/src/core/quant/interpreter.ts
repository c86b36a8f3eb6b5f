import { freedAfter, macs, shortcutOf, sourcesOf } from '../model/ops';
import { accumulateTransposed, addTensors, concatChannels, lookup, meanTensor, mulTensors, padTensor, resizeTensor, softmaxChannels } from './graphKernels';
import { accumulate, pool, requantize } from './kernels';
import { QLayer, QModel } from './qmodel';
import { fnv1a, hex8 } from './random';

export interface ReferenceResult {
  /** The network's output tensor, int8. */
  output: Int8Array;
  /** FNV-1a 32-bit of the output bytes, 8 hex digits. */
  checksum: string;
  /** The five largest outputs, [index, int8 value], ties to the lower index. */
  top5: [number, number][];
  /** Every layer's output, when asked for. */
  activations?: Int8Array[];
}

/**
 * One layer on its sources' bytes (in `layer.sources` order) and, for a project conv that adds the
 * block's shortcut, the shortcut's bytes.
 */
export function runLayer(q: QLayer, inputs: readonly Int8Array[], shortcut?: Int8Array): Int8Array {
  const layer = q.layer;
  const x = inputs[0];
  switch (layer.kind) {
    case 'pool':
    case 'gpool':
      // A MEAN over rows or columns is a pool layer whose window spans them (meanTensor).
      return q.mean ? meanTensor(q, x) : pool(layer, x, q.actMin, q.actMax, q.rule === 'onnx' ? q.input : undefined);
    case 'add':
      return addTensors(q, x, inputs[1]);
    case 'mul':
      return mulTensors(q, x, inputs[1]);
    case 'concat':
      return concatChannels(q, inputs, inputs.map((part) => ({ h: layer.output.h, w: layer.output.w, c: part.length / (layer.output.h * layer.output.w) })));
    case 'resize':
      return resizeTensor(layer, x);
    case 'pad':
      return padTensor(layer, x, q.padValue ?? q.input.zeroPoint);
    case 'act':
      return lookup(q.table!, x);
    case 'softmax':
      return softmaxChannels(q.softmax!, x, layer.softmaxMap ? x.length : layer.output.c);
    case 'convT':
      return requantize(q, accumulateTransposed(layer, x, q.input.zeroPoint, q.weights));
    default:
      return requantize(q, accumulate(layer, x, q.input.zeroPoint, q.weights), q.add ? shortcut : undefined);
  }
}

/**
 * Runs the quantized model on its image (the bit-exact reference): every layer in order on the
 * outputs of its sources (a DAG: a chain when no layer names sources), a fused shortcut add on its
 * block's input. `onProgress` is told the MACs run so far and the model's total after each layer.
 */
export function runReference(qm: QModel, keepActivations = false, onProgress?: (macsDone: number, macsTotal: number) => void): ReferenceResult {
  const model = qm.model;
  const outputs: (Int8Array | undefined)[] = [];
  // Unless every activation is kept, a tensor is dropped after its last reader: a deep chain then
  // holds two tensors, not all of them.
  const freed = keepActivations ? undefined : freedAfter(model);
  const total = onProgress ? qm.layers.reduce((n, q) => n + macs(q.layer), 0) : 0;
  let done = 0;
  const read = (s: number) => (s < 0 ? qm.image : outputs[s]!);
  for (const q of qm.layers) {
    const layer = q.layer;
    const sources = sourcesOf(layer);
    const shortcut = shortcutOf(model, layer);
    outputs.push(runLayer(q, sources.map(read), shortcut === undefined ? undefined : read(shortcut)));
    if (freed) for (const s of freed[layer.index]) outputs[s] = undefined;
    if (onProgress) onProgress((done += macs(layer)), total);
  }
  const x = outputs[outputs.length - 1]!;
  return { output: x, checksum: hex8(fnv1a(x)), top5: top5(x), ...(keepActivations ? { activations: outputs as Int8Array[] } : {}) };
}

export function top5(output: Int8Array): [number, number][] {
  return Array.from(output, (v, i): [number, number] => [i, v])
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 5);
}
