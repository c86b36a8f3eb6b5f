import { strict as assert } from 'assert';
import { analyzeModel } from '../../server/src/core/analysis/analyze';
import { importOnnx } from '../../server/src/core/import/onnx';
import { Random } from '../../server/src/core/quant/random';
import { bytesOf, formatShape } from '../../server/src/core/model/ir';
import { sourcesOf } from '../../server/src/core/model/ops';
import { nodeOutputs, ortShapes } from '../support/ortShapes';
import { OnnxBuilder } from './onnxModels';

// Random ONNX graphs (branches, residual and plain Adds, Concat, SE scales, Resize, ConvTranspose,
// pools with odd sizes, ceil mode and asymmetric padding): the import never throws and has no
// errors, every layer has the shape onnxruntime gives its node, every layer reads only earlier
// layers, and the memory of each step is at least its inputs and output and at most all the
// tensors alive so far.

interface Tensor {
  name: string;
  c: number;
  h: number;
  w: number;
}

export function randomGraph(seed: number): { bytes: Uint8Array; side: number } {
  const rng = new Random(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng.next() * xs.length)];
  const m = new OnnxBuilder();
  const side = pick([15, 16, 17, 24, 31, 32]);
  const open: Tensor[] = [{ name: m.input('x', [1, 3, side, side]), c: 3, h: side, w: side }];
  const used = new Set<string>();
  const take = (t: Tensor) => (used.add(t.name), t);
  const out = (conv: (h: number) => number, t: Tensor, name: string, c: number): Tensor => ({ name, c, h: conv(t.h), w: conv(t.w) });
  // Most graphs start with a stem as networks do (a conv, sometimes a HardSwish and a depthwise conv),
  // a chain a patch stage can run; the others branch at the input itself.
  if (rng.next() < 0.8) {
    const [s, c] = [pick([1, 2]), pick([4, 8])];
    let stem = out((n) => Math.floor((n - 1) / s) + 1, take(open.pop()!), m.conv('x', 3, c, 3, s, { act: pick(['relu', 'relu6', 'none']), bn: false }), c);
    if (rng.next() < 0.5) stem = { ...stem, name: m.node('HardSwish', [stem.name]) };
    if (rng.next() < 0.5) stem = { ...stem, name: m.conv(stem.name, c, c, 3, 1, { groups: c, bn: false }) };
    open.push(stem);
  }
  const steps = 6 + Math.floor(rng.next() * 10);
  for (let i = 0; i < steps; i++) {
    const x = take(pick(open));
    const sameSize = open.filter((t) => t !== x && t.h === x.h && t.w === x.w);
    const op = pick(['conv', 'conv', 'dw', 'dw2', 'pool', 'add', 'concat', 'se', 'resize', 'convT', 'prelu']);
    if (op === 'conv') {
      const [k, s, c] = [pick([1, 3, 5]), pick([1, 2]), pick([4, 8, 12])];
      open.push(out((n) => Math.floor((n + 2 * Math.floor(k / 2) - k) / s) + 1, x, m.conv(x.name, x.c, c, k, s, { act: pick(['relu', 'relu6', 'none']), bn: rng.next() < 0.5 }), c));
    } else if (op === 'dw') {
      const s = pick([1, 2]);
      open.push(out((n) => Math.floor((n - 1) / s) + 1, x, m.conv(x.name, x.c, x.c, 3, s, { groups: x.c }), x.c));
    } else if (op === 'dw2' && x.c <= 12) {
      // Depth multiplier 2: a group a channel, two outputs each.
      const s = pick([1, 2]);
      open.push(out((n) => Math.floor((n - 1) / s) + 1, x, m.conv(x.name, x.c, 2 * x.c, 3, s, { groups: x.c, bn: false }), 2 * x.c));
    } else if (op === 'pool') {
      // MaxPool 3×3 s2 with ceil_mode, or AveragePool 2×2 with TensorFlow's SAME (asymmetric) padding.
      if (rng.next() < 0.5) open.push(out((n) => Math.ceil((n - 3) / 2) + 1 - (Math.ceil((n - 3) / 2) * 2 >= n ? 1 : 0), x, m.node('MaxPool', [x.name], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }), x.c));
      else open.push(out((n) => Math.ceil(n / 2), x, m.node('AveragePool', [x.name], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' }), x.c));
    } else if (op === 'add' && sameSize.some((t) => t.c === x.c)) {
      const y = take(pick(sameSize.filter((t) => t.c === x.c)));
      open.push({ ...x, name: m.node('Add', [x.name, y.name]) });
    } else if (op === 'concat' && sameSize.length > 0) {
      const y = take(pick(sameSize));
      open.push({ ...x, c: x.c + y.c, name: m.node('Concat', [x.name, y.name], { axis: 1 }) });
    } else if (op === 'se') {
      const squeeze = m.conv(m.node('GlobalAveragePool', [x.name]), x.c, Math.max(1, x.c >> 2), 1, 1, { act: 'relu', bn: false });
      const excite = m.node('HardSigmoid', [m.conv(squeeze, Math.max(1, x.c >> 2), x.c, 1, 1, { act: 'none', bn: false })]);
      open.push({ ...x, name: m.node('Mul', [x.name, excite]) });
    } else if (op === 'prelu') {
      // A slope a channel: a table a channel (pw_lut_channels_s8).
      open.push({ ...x, name: m.node('PRelu', [x.name, m.init(`slope${i}`, [x.c, 1, 1], Array.from({ length: x.c }, (_, k) => 0.05 + ((k * 7) % 5) / 10))]) });
    } else if (op === 'resize' && x.h <= 32) {
      open.push({ ...x, h: x.h * 2, w: x.w * 2, name: m.node('Resize', [x.name, '', m.init(`scales${i}`, [4], [1, 1, 2, 2])], { mode: 'nearest' }) });
    } else if (op === 'convT' && x.h <= 32) {
      const c = pick([4, 8]);
      open.push({ name: m.node('ConvTranspose', [x.name, m.init(`wt${i}`, [x.c, c, 2, 2])], { strides: [2, 2] }), c, h: x.h * 2, w: x.w * 2 });
    } else {
      open.push(out((n) => n, x, m.conv(x.name, x.c, x.c, 1, 1), x.c));
    }
  }
  // Every tensor nobody read is pooled and concatenated into the one output.
  const ends = open.filter((t) => !used.has(t.name));
  const pooled = ends.map((t) => m.node('GlobalAveragePool', [t.name]));
  const output = pooled.length === 1 ? pooled[0] : m.node('Concat', pooled, { axis: 1 });
  m.output(output);
  // Opset 14: HardSwish came then.
  return { bytes: m.bytes(14), side };
}

describe('ONNX import: random graphs against onnxruntime', function () {
  this.timeout(120_000);
  it('150 random graphs: no errors, onnxruntime’s shapes, sources before use, memory bounds', async () => {
    let layers = 0;
    let graphLayers = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const { bytes, side } = randomGraph(seed);
      const r = importOnnx(bytes);
      assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], `seed ${seed}`);
      const model = r.model!;
      const outputs = nodeOutputs(bytes);
      const tensors = model.layers.map((l) => outputs.get(l.node!)!);
      const shapes = await ortShapes(bytes, [1, 3, side, side], tensors);
      const report = analyzeModel(model);
      for (const [i, l] of model.layers.entries()) {
        const dims = shapes.get(tensors[i])!;
        assert.equal(formatShape(l.output), formatShape({ h: dims[2], w: dims[3], c: dims[1] }), `seed ${seed}: ${l.name}`);
        assert.ok(sourcesOf(l).every((s) => s >= -1 && s < i), `seed ${seed}: ${l.name} reads a later layer`);
        const step = report.layers[i].memory;
        const inputs = [...new Set(sourcesOf(l))].reduce((sum, s) => sum + (s < 0 ? 0 : bytesOf(model.layers[s].output)), 0);
        const madeSoFar = model.layers.slice(0, i + 1).reduce((sum, x) => sum + bytesOf(x.output), 0);
        assert.ok(step.totalBytes >= Math.max(inputs, l.writesShortcut ? 0 : bytesOf(l.output)), `seed ${seed}: ${l.name} counts less than it reads or writes`);
        assert.ok(step.totalBytes <= madeSoFar, `seed ${seed}: ${l.name} counts more than every tensor made so far`);
      }
      layers += model.layers.length;
      graphLayers += model.layers.filter((l) => l.sources !== undefined).length;
    }
    console.log(`      ${layers} layers, ${graphLayers} of them reading other than the layer before`);
    assert.ok(graphLayers > 500, 'the graphs branch');
  });
});
