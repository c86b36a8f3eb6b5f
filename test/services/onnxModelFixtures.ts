import { OnnxBuilder } from '../import/onnxModels';

/**
 * A chain whose first conv's output (160×160×16, 400 KiB) alone is over the F746's 320 KiB: layer
 * by layer it does not fit, with patches it does. `dims`: its NCHW input, names for dynamic ones.
 */
export function overBudgetChain(dims: (number | string)[] = ['batch', 3, 160, 160]): Uint8Array {
  const m = new OnnxBuilder();
  let x = m.input('image', dims);
  x = m.conv(x, 3, 16, 3, 1);
  x = m.mbconv(x, 16, 16, 1, 3, 2);
  x = m.mbconv(x, 16, 24, 6, 3, 2);
  x = m.mbconv(x, 24, 24, 6, 3, 1);
  x = m.conv(x, 24, 64, 1, 1);
  x = m.node('GlobalAveragePool', [x]);
  x = m.node('Flatten', [x], { axis: 1 });
  m.node('Gemm', [x, m.init('fcw', [10, 64]), m.init('fcb', [10])], { transB: 1 }, ['logits'], 'classifier');
  m.output('logits', ['batch', 10]);
  return m.bytes();
}

/** A small chain that fits layer by layer, with a DepthToSpace (not supported yet) when `unsupported`. */
export function smallChain(unsupported = false): Uint8Array {
  const m = new OnnxBuilder();
  let x = m.input('image', [1, 3, 32, 32]);
  x = m.conv(x, 3, 8, 3, 2);
  if (unsupported) x = m.node('DepthToSpace', [x], { blocksize: 2 }, undefined, 'pixel_shuffle');
  x = m.conv(x, 8, 16, 3, 2);
  x = m.node('GlobalAveragePool', [x], {}, ['pooled']);
  m.output('pooled', [1, 16, 1, 1]);
  return m.bytes();
}
