import { strict as assert } from 'assert';
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { planArena } from '../../server/src/core/codegen/arenaPlan';
import { checkRuntimeSupport } from '../../server/src/core/codegen/support';
import { runsAsGraph } from '../../server/src/core/model/kernelFit';
import { analyzeText } from '../../server/src/core/engine';
import { quantizeModel } from '../../server/src/core/quant/params';
import { Random } from '../../server/src/core/quant/random';
import { firmwareOfQModel } from '../../server/src/firmware';
import { nodeFileSystem } from '../../server/src/nodeFileSystem';
import { OnnxBuilder } from '../import/onnxModels';
import { sanitizerFlags } from './kernelDriver';
import { planPeakBytes } from './planPeak';
import { randomSchedule, scheduleChoices } from './randomModels';
import { buildArchive } from './runtimeArchive';

// Table activations (HardSwish, Sigmoid, Tanh, LeakyRelu, HardSigmoid, Elu, Selu, Softplus, and PRelu's
// table a channel) of a chain run in the chain
// runtime, patch by patch: random imported chains of convolutions (square, 1×3 and 3×1), depthwise
// convs and pools (2×2, and 1×2 windows stepping columns only), each followed by a table activation
// or not, under random patch stages, row caches and streamed runs, some ending in a softmax over
// each pixel's channels or over the whole map. The host firmware, built with ASan and UBSan, prints
// the reference's bytes; the plan's peak is the analysis'.

const activations = ['HardSwish', 'Sigmoid', 'Tanh', 'LeakyRelu', 'HardSigmoid', 'Elu', 'Selu', 'Softplus', 'PRelu'];

/** A random ONNX chain with table activations, as an importer sees TensorFlow's and PyTorch's exports. */
export function randomTableChain(seed: number): Uint8Array {
  const rng = new Random(seed);
  const pick = <T>(xs: T[]): T => xs[rng.int(0, xs.length - 1)];
  const m = new OnnxBuilder();
  // A third end in a Softmax over the whole map (opset 12's axis 1; HardSwish came at 14), a third in
  // one over each pixel's channels (opset 14's axis 1).
  const ending = pick(['none', 'map', 'channels']);
  let [h, w, c] = [rng.int(8, 40), rng.int(8, 40), rng.int(1, 4)];
  let x = m.input('x', [1, c, h, w]);
  const steps = rng.int(3, 10);
  for (let i = 0; i < steps && h > 2 && w > 2; i++) {
    const op = pick(['conv', 'conv', 'rect', 'dw', 'pool']);
    if (op === 'conv') {
      const [k, s, out] = [pick([1, 3, 5]), h > 6 && w > 6 ? pick([1, 1, 2]) : 1, rng.int(2, 16)];
      x = m.conv(x, c, out, k, s, { act: 'none', bn: false });
      [h, w, c] = [Math.floor((h - 1) / s) + 1, Math.floor((w - 1) / s) + 1, out];
    } else if (op === 'rect') {
      // openWakeWord's 1×3 and 3×1 convolutions: padded along the long side only.
      const tall = rng.next() < 0.5;
      const out = rng.int(2, 16);
      x = m.node('Conv', [x, m.init(`wr${i}`, [out, c, tall ? 3 : 1, tall ? 1 : 3])], { kernel_shape: tall ? [3, 1] : [1, 3], pads: tall ? [1, 0, 1, 0] : [0, 1, 0, 1] });
      c = out;
    } else if (op === 'dw') {
      const s = h > 6 && w > 6 ? pick([1, 2]) : 1;
      x = m.conv(x, c, c, 3, s, { groups: c, act: 'none', bn: false });
      [h, w] = [Math.floor((h - 1) / s) + 1, Math.floor((w - 1) / s) + 1];
    } else {
      const wide = rng.next() < 0.5;
      x = m.node('MaxPool', [x], { kernel_shape: wide ? [1, 2] : [2, 2], strides: wide ? [1, 2] : [2, 2] });
      [h, w] = [wide ? h : Math.floor(h / 2), Math.floor(w / 2)];
      continue;
    }
    if (rng.next() < 0.75) {
      const fn = pick(ending === 'map' ? activations.filter((a) => a !== 'HardSwish') : activations);
      if (fn === 'PRelu') x = m.node(fn, [x, m.init(`slope${i}`, [c, 1, 1], Array.from({ length: c }, () => rng.int(-50, 150) / 100))]);
      else x = m.node(fn, [x], fn === 'LeakyRelu' || fn === 'Elu' ? { alpha: { float: pick([0.01, 0.1, 0.2, 1]) } } : {});
    }
  }
  if (ending !== 'none' && (ending === 'channels' || h * w * c <= 4095)) x = m.node('Softmax', [x], { axis: 1 });
  m.output(x);
  return m.bytes(ending === 'map' ? 12 : 14);
}

describe('table activations patch by patch in the chain runtime', function () {
  this.timeout(900_000);
  let dir: string;
  let archive: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-tables-'));
    archive = buildArchive(dir, 'pw-asan', sanitizerFlags);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('random chains with table activations under random stages, caches and streamed runs: host firmware (ASan, UBSan) = reference', () => {
    let ran = 0;
    let staged = 0;
    let tables = 0;
    let channelTables = 0;
    const softmaxes = { map: 0, channels: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), scheduleChoices, (seed, choices) => {
        const file = path.join(dir, `chain${seed}.onnx`);
        fs.writeFileSync(file, randomTableChain(seed));
        const text = `model chain${seed} from "${path.basename(file)}"\n`;
        const plain = analyzeText(text, { fs: nodeFileSystem, basePath: path.join(dir, 'x.pnet') });
        assert.equal(plain.hasErrors, false, JSON.stringify(plain.diagnostics));
        const model = plain.model!;
        assert.equal(runsAsGraph(model), false, `seed ${seed}: a chain with table activations runs on the chain runtime`);
        const { schedule } = randomSchedule(model, choices);
        const analysis = analyzeText(text, { fs: nodeFileSystem, basePath: path.join(dir, 'x.pnet'), schedule });
        fc.pre(!analysis.hasErrors);
        assert.deepEqual(checkRuntimeSupport(analysis.model!).map((d) => d.message), [], `seed ${seed}`);
        const qm = quantizeModel(analysis.model!);
        const r = firmwareOfQModel(qm, analysis.report!, { text: '', file: `chain${seed}.onnx`, board: 'host', run: 'host', runtimeArchive: archive, cflags: sanitizerFlags });
        const where = `seed ${seed} with ${schedule.replace(/\n/g, ' ; ')}`;
        assert.equal(r.failure, undefined, `${where}: ${r.failure?.message}`);
        assert.equal(r.report!.matchesReference, true, `${where}: output differs from the reference`);
        assert.ok((r.report!.measuredArenaBytes as number) <= (r.report!.predictedArenaBytes as number), `${where}: arena ${r.report!.measuredArenaBytes} > ${r.report!.predictedArenaBytes}`);
        assert.equal(planPeakBytes(planArena(analysis.model!, analysis.report!), analysis.model!), analysis.report!.peakBytes, `${where}: plan peak`);
        ran++;
        const m = analysis.model!;
        const stageLayers = [...(m.stages ?? []), ...(m.streams ?? [])].flatMap((s) => m.layers.slice(m.blocks[s.fromBlock ?? 0].firstLayer, m.blocks[s.untilBlock].endLayer));
        if (stageLayers.length > 0) staged++;
        tables += stageLayers.filter((l) => l.kind === 'act').length;
        channelTables += stageLayers.filter((l) => l.table?.fn === 'prelu').length;
        const last = m.layers[m.layers.length - 1];
        if (last.kind === 'softmax') softmaxes[last.softmaxMap ? 'map' : 'channels']++;
      }),
      { seed: 0x7ab1e5, numRuns: 40 },
    );
    console.log(`      ran ${ran} chains, ${staged} with patch stages holding ${tables} table activations (${channelTables} with a table a channel); softmax over the map ${softmaxes.map}, over channels ${softmaxes.channels}`);
    assert.ok(channelTables >= 3, `${channelTables} PRelu layers in stages`);
    assert.ok(ran >= 30 && staged >= 20 && tables >= 20, `${ran} chains ran, ${staged} staged, ${tables} tables in stages`);
    assert.ok(softmaxes.map >= 5 && softmaxes.channels >= 5, JSON.stringify(softmaxes));
  });
});
