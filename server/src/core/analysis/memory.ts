import { Block, bytesOf, Layer, Model } from '../model/ir';
import { scratchBytes, sourcesOf } from '../model/ops';

/** Bytes live while one layer runs (DESIGN.md §3). Scratch is not part of `totalBytes`. */
export interface StepMemory {
  /** Input activation bytes (0 when the network input is streamed, or read from a buffer held whole). */
  inputBytes: number;
  /** Output bytes not written over the input or into another buffer. */
  outputBytes: number;
  /** The block input held for the shortcut, when it is neither this layer's input nor output. */
  keptBytes: number;
  totalBytes: number;
  /** im2col columns or the depthwise channel plane, beside the activations. */
  scratchBytes: number;
}

/**
 * The memory rule for one step, shared by layer-by-layer and per-patch accounting: bytes live
 * while `layer` runs. `outBytes` is 0 when the output goes into a buffer counted elsewhere
 * (shortcut, stage output). An in-place layer writes over its input, so the larger of the two is
 * live. Allocation-free: the schedule search calls it millions of times.
 */
export function stepTotal(layer: Layer, inBytes: number, outBytes: number, keptBytes: number): number {
  const inPlace = layer.inPlace && outBytes > 0 && inBytes > 0;
  return (inPlace ? Math.max(inBytes, outBytes) : inBytes + outBytes) + keptBytes;
}

/** {@link stepTotal} with its parts, for reports. */
export function stepMemory(layer: Layer, inBytes: number, outBytes: number, keptBytes: number, scratch: number): StepMemory {
  const totalBytes = stepTotal(layer, inBytes, outBytes, keptBytes);
  return { inputBytes: inBytes, outputBytes: totalBytes - inBytes - keptBytes, keptBytes, totalBytes, scratchBytes: scratch };
}

/** The block input is kept during the block's layers after its first one. */
export function keepsShortcut(layer: Layer, block: Block): boolean {
  return block.shortcut && layer.index !== block.firstLayer;
}

/** Memory of every layer run whole, one after the other. */
export function layerByLayer(model: Model): StepMemory[] {
  if (isGraph(model)) return graphLayerByLayer(model);
  const streamed = model.input.placement === 'stream';
  return model.layers.map((layer) => {
    const block = model.blocks[layer.block];
    const inBytes = layer.index === 0 && streamed ? 0 : bytesOf(layer.input);
    // A shortcut over a streamed input adds an image in flash: nothing kept in SRAM, and the sum
    // needs a buffer of its own (it cannot be written over the image).
    const overStream = streamed && block.firstLayer === 0;
    const outBytes = layer.writesShortcut && !overStream ? 0 : bytesOf(layer.output);
    const kept = keepsShortcut(layer, block) && !overStream ? bytesOf(block.input) : 0;
    return stepMemory(layer, inBytes, outBytes, kept, scratchBytes(layer));
  });
}

export interface Peak {
  bytes: number;
  /** Index of the step (layer) where it is reached first; -1 for no steps. */
  layer: number;
}

export function peakOf(steps: readonly StepMemory[], from = 0, to = steps.length): Peak {
  // With every step at 0 bytes the peak is the first step (not -1: callers index layers with it).
  let peak: Peak = { bytes: 0, layer: from < to ? from : -1 };
  for (let i = from; i < to; i++) {
    if (steps[i].totalBytes > peak.bytes) peak = { bytes: steps[i].totalBytes, layer: i };
  }
  return peak;
}

/** Does some layer read other than the layer before it (an imported ONNX graph)? */
export function isGraph(model: Model): boolean {
  return model.layers.some((l) => l.sources !== undefined);
}

/**
 * Layer by layer for graphs, by liveness (the paper's rule: parallel branches are summed, a shared
 * input is counted once): while a layer runs, its inputs, its output and every buffer made earlier
 * and read later are live. A fused shortcut add writes into the block input's buffer, which lives
 * until the last reader of either. On a chain this gives the same steps as the chain rule above.
 */
function graphLayerByLayer(model: Model): StepMemory[] {
  const { layers } = model;
  // Buffers by producing layer + 1 (0: the network input); a fused add's output shares the shortcut's.
  const buffer = new Int32Array(layers.length + 1).map((_, i) => i);
  for (const block of model.blocks) {
    if (sharesShortcut(block)) buffer[block.endLayer] = buffer[sourcesOf(layers[block.firstLayer])[0] + 1];
  }
  const lastUse = new Int32Array(layers.length + 1).fill(-1);
  for (const layer of layers) {
    for (const s of sourcesOf(layer)) lastUse[buffer[s + 1]] = Math.max(lastUse[buffer[s + 1]], layer.index);
    if (layer.writesShortcut) lastUse[buffer[layer.index + 1]] = Math.max(lastUse[buffer[layer.index + 1]], layer.index);
  }
  const bytes = (b: number) => (b === 0 ? (model.input.placement === 'stream' ? 0 : bytesOf(model.input.shape)) : bytesOf(layers[b - 1].output));
  // The bytes of the own buffers made so far and read at this step or later, kept as a running sum
  // (a buffer enters when made, leaves after its last use): linear, where summing every earlier
  // buffer at every step was quadratic in the layers.
  const endingBytes = new Float64Array(layers.length + 1);
  let live = 0;
  return layers.map((layer) => {
    const L = layer.index;
    if (buffer[L] === L && lastUse[L] >= L) {
      live += bytes(L);
      endingBytes[lastUse[L]] += bytes(L);
    }
    const inputs = new Set(sourcesOf(layer).map((s) => buffer[s + 1]));
    let inBytes = 0;
    let liveInputs = 0;
    for (const b of inputs) {
      inBytes += bytes(b);
      if (buffer[b] === b && lastUse[b] >= L && b <= L) liveInputs += bytes(b);
    }
    const kept = live - liveInputs;
    live -= endingBytes[L];
    const outBytes = buffer[L + 1] !== L + 1 ? 0 : bytesOf(layer.output);
    return stepMemory(layer, inBytes, outBytes, kept, scratchBytes(layer));
  });
}

/**
 * In a graph, a block's fused shortcut add writes into the shortcut's buffer — except in a block of
 * one layer, whose input is that buffer: a convolution cannot write over the input it is still
 * reading, so its sum gets a buffer of its own.
 */
export function sharesShortcut(block: Block): boolean {
  return block.shortcut && block.endLayer - block.firstLayer > 1;
}
