import { macs } from '../model/ops';
import { accumulate, pool, requantize } from './kernels';
import { QModel } from './qmodel';
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
 * Runs the quantized model layer by layer on its synthetic image (the bit-exact reference).
 * `onProgress` is told the MACs run so far and the model's total after each layer.
 */
export function runReference(qm: QModel, keepActivations = false, onProgress?: (macsDone: number, macsTotal: number) => void): ReferenceResult {
  const activations: Int8Array[] = [];
  const total = onProgress ? qm.layers.reduce((n, q) => n + macs(q.layer), 0) : 0;
  let done = 0;
  let x = qm.image;
  let blockInput = x;
  for (const q of qm.layers) {
    const layer = q.layer;
    if (qm.model.blocks[layer.block].firstLayer === layer.index) blockInput = x;
    x = layer.kind === 'pool' || layer.kind === 'gpool'
      ? pool(layer, x, q.actMin, q.actMax)
      : requantize(q, accumulate(layer, x, q.input.zeroPoint, q.weights), q.add ? blockInput : undefined);
    if (keepActivations) activations.push(x);
    if (onProgress) onProgress((done += macs(layer)), total);
  }
  return { output: x, checksum: hex8(fnv1a(x)), top5: top5(x), ...(keepActivations ? { activations } : {}) };
}

export function top5(output: Int8Array): [number, number][] {
  return Array.from(output, (v, i): [number, number] => [i, v])
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 5);
}
