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

/**
 * A net with a branch and a skip the import cannot fuse: three strided convs (the first over the
 * F746's budget layer by layer, so the schedule has a patch stage), then two branches off the third
 * concatenated, a conv, and an Add back to the third conv's output; pooled and classified.
 */
export function branchyNet(): Uint8Array {
  const m = new OnnxBuilder();
  let x = m.input('image', [1, 3, 160, 160]);
  x = m.conv(x, 3, 16, 3, 1);
  x = m.conv(x, 16, 24, 3, 2);
  const trunk = m.conv(x, 24, 32, 3, 2);
  const left = m.conv(trunk, 32, 16, 1, 1);
  const right = m.conv(m.conv(trunk, 32, 16, 1, 1), 16, 16, 3, 1);
  const joined = m.conv(m.node('Concat', [left, right], { axis: 1 }, undefined, 'join'), 32, 32, 3, 1, { act: 'none' });
  x = m.node('Add', [joined, trunk], {}, undefined, 'skip');
  x = m.node('GlobalAveragePool', [x]);
  x = m.node('Flatten', [x], { axis: 1 });
  m.node('Gemm', [x, m.init('fcw', [10, 32]), m.init('fcb', [10])], { transB: 1 }, ['logits'], 'classifier');
  m.output('logits', [1, 10]);
  return m.bytes();
}

/**
 * A text recognizer's shape in small: a conv backbone, then a Transpose to a sequence (the layout
 * change PP-OCR's recognizer makes, PW5008) and a head on the sequence that cannot be imported.
 */
export function transposeNet(): Uint8Array {
  const m = new OnnxBuilder();
  let x = m.input('image', [1, 3, 32, 128]);
  x = m.conv(x, 3, 16, 3, 2);
  x = m.conv(x, 16, 16, 3, 1, { groups: 16 });
  x = m.conv(x, 16, 32, 1, 1);
  x = m.node('AveragePool', [x], { kernel_shape: [16, 1], strides: [16, 1] }, undefined, 'squeeze_rows');
  x = m.node('Reshape', [x, m.int64('seq_shape', [1, 32, 64])], {}, undefined, 'to_sequence');
  x = m.node('Transpose', [x], { perm: [0, 2, 1] }, undefined, 'to_time_major');
  x = m.node('MatMul', [x, m.init('head_w', [32, 40])], {}, undefined, 'head');
  m.node('Softmax', [x], { axis: -1 }, ['probs'], 'probs');
  m.output('probs', [1, 64, 40]);
  return m.bytes();
}
