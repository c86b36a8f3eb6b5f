import { Block, bytesOf, Layer, Model } from '../model/ir';
import { scratchBytes } from '../model/ops';

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
  const streamed = model.input.placement === 'stream';
  return model.layers.map((layer) => {
    const block = model.blocks[layer.block];
    const inBytes = layer.index === 0 && streamed ? 0 : bytesOf(layer.input);
    const outBytes = layer.writesShortcut ? 0 : bytesOf(layer.output);
    const kept = keepsShortcut(layer, block) ? bytesOf(block.input) : 0;
    return stepMemory(layer, inBytes, outBytes, kept, scratchBytes(layer));
  });
}

export interface Peak {
  bytes: number;
  /** Index of the step (layer) where it is reached first; -1 for no steps. */
  layer: number;
}

export function peakOf(steps: readonly StepMemory[], from = 0, to = steps.length): Peak {
  let peak: Peak = { bytes: 0, layer: -1 };
  for (let i = from; i < to; i++) {
    if (steps[i].totalBytes > peak.bytes) peak = { bytes: steps[i].totalBytes, layer: i };
  }
  return peak;
}
