import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { onnx } from 'onnx-proto';
import { analyzeModel } from '../../server/src/core/analysis/analyze';
import { searchSchedules } from '../../server/src/core/analysis/search';
import { analyzeText, FileSystem } from '../../server/src/core/engine';
import { importOnnx } from '../../server/src/core/import/onnx';
import { getLanguageService } from '../../server/src/core/services/languageService';
import { Diagnostic } from '../../server/src/core/language/diagnostics';
import { Model } from '../../server/src/core/model/ir';
import { analyzeOk, repoRoot } from '../helpers';
import { OnnxBuilder, tinyMbv2, tinyMbv2Layers } from './onnxModels';

/** An in-memory file system for `from "…"` (paths relative to the .pnet's folder). */
function memoryFs(files: Record<string, Uint8Array>): FileSystem {
  return { readFile: (p) => files[p], resolve: (base, rel) => path.posix.join(path.posix.dirname(base), rel) };
}

const header = (from: string, schedule = '') => `model tiny${from}\ninput 32x32x3\ntarget stm32f746\n${schedule}`;

function codes(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

function errorsOf(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error');
}

/** Imports must fail with `code`, naming `node` when given, without throwing or building a model. */
function expectError(bytes: Uint8Array, code: string, node?: string, options = {}): Diagnostic {
  const result = importOnnx(bytes, options);
  const hit = errorsOf(result.diagnostics).find((d) => d.code === code);
  assert.ok(hit, `expected ${code}, got ${result.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  if (node) assert.match(hit.message, new RegExp(node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(result.model, undefined);
  return hit;
}

function strip(model: Model) {
  return model.layers.map(({ node: _node, ...l }) => ({ ...l, name: l.name.replace(/ \(.*\)$/, ''), line: 0, range: undefined }));
}

describe('ONNX import: chains of blocks', () => {
  const files = { 'models/tiny.onnx': tinyMbv2() };
  const fsys = memoryFs(files);
  const fromText = (schedule = '') => analyzeText(header(' from "tiny.onnx"', schedule), { fs: fsys, basePath: 'models/tiny.pnet' });

  it('a MobileNetV2-like chain (BN, Clip 0..6, residual Add, GlobalAveragePool, Gemm) gives the .pnet twin’s numbers', () => {
    const schedule = 'schedule patch=2x2 until=block3\n';
    const pnet = analyzeOk(header('', tinyMbv2Layers + schedule));
    const imported = fromText(schedule);
    assert.deepEqual(errorsOf(imported.diagnostics), []);
    assert.ok(imported.model && imported.report);
    assert.deepEqual(strip(imported.model), strip(pnet.model));
    assert.deepEqual(imported.model.blocks.map((b) => [b.label, b.shortcut, b.firstLayer, b.endLayer]), pnet.model.blocks.map((b) => [b.label, b.shortcut, b.firstLayer, b.endLayer]));
    const r = imported.report;
    const p = pnet.report;
    assert.deepEqual([r.peakBytes, r.perLayer.peakBytes, r.macs.total, r.macs.scheduled, r.weightsBytes, r.scratchBytes], [p.peakBytes, p.perLayer.peakBytes, p.macs.total, p.macs.scheduled, p.weightsBytes, p.scratchBytes]);
    assert.deepEqual({ ...r.schedule, perPatchPeakLayer: r.schedule!.perPatchPeakLayer.replace(/ \(.*\)$/, '') }, p.schedule);
    assert.ok(imported.model.blocks[3].shortcut && imported.model.layers[imported.model.blocks[3].endLayer - 1].writesShortcut);
  });

  it('names each layer after its ONNX node, and until= accepts a node name', () => {
    const a = fromText('schedule patch=2x2 until=classifier\n');
    assert.equal(a.model!.layers[0].name, 'block0.conv (Conv_1)');
    assert.equal(a.model!.layers.at(-1)!.name, 'block7.fc (classifier)');
    assert.deepEqual(codes(errorsOf(a.diagnostics)), ['PW2009'], 'the fc is not patchable: the node name resolved to its block');
    const text = header(' from "tiny.onnx"', 'schedule patch=2x2 until=');
    const ls = getLanguageService({ fs: fsys });
    const doc = ls.analyze(text, undefined, 'models/tiny.pnet');
    const lines = text.split('\n');
    const at = { line: lines.length - 1, character: lines[lines.length - 1].length };
    const nodes = ls.doComplete(doc, at).filter((c) => !/^block\d+$/.test(c.label));
    // The last node of each block a stage can end at: not the global pool's nor the classifier's.
    assert.deepEqual(nodes.map((c) => c.label), a.model!.blocks.slice(0, 6).map((b) => a.model!.layers[b.endLayer - 1].node));
    assert.match(nodes[3].detail!, /^ends the patch stage after block 3 \(mbconv e\d k3 s1\)$/);
    // The model line (all imported layers sit on it) sums the import up.
    const hover = ls.doHover(ls.analyze(header(' from "tiny.onnx"'), undefined, 'models/tiny.pnet'), { line: 0, character: 20 })!.contents;
    assert.match(hover, /^\*\*from "tiny\.onnx"\*\*: 15 layers in 8 blocks/);
    assert.match(hover, /A chain of blocks, as a \.pnet would write it/);
    assert.match(hover, /A patch stage may end at blocks 0–5$/);
  });

  it('the schedule search works on the imported model as on the .pnet', () => {
    const pnet = analyzeOk(header('', tinyMbv2Layers)).model;
    const imported = fromText().model!;
    const budget = 10 * 1024; // layer by layer needs 14 KiB
    const a = searchSchedules(imported, budget);
    const b = searchSchedules(pnet, budget);
    assert.deepEqual(a.pareto, b.pareto);
    assert.deepEqual(a.best, b.best);
    assert.ok(a.best?.patch, 'a patch schedule fits 10 KiB');
  });

  it('importOnnx alone: the input from the graph, dynamic batch fixed to 1', () => {
    const r = importOnnx(tinyMbv2(), { name: 'tiny' });
    assert.deepEqual(errorsOf(r.diagnostics), []);
    assert.deepEqual(r.model!.input.shape, { h: 32, w: 32, c: 3 });
    assert.equal(r.model!.layers.length, 15);
  });

  it('the same bytes are imported once per input line and name; other bytes or another input import anew', () => {
    const m = new OnnxBuilder();
    m.output(m.node('GlobalAveragePool', [m.conv(m.input('x', ['n', 3, 'h', 'w']), 3, 8, 3, 1)]));
    const files: Record<string, Uint8Array> = { 'm/d.onnx': m.bytes() };
    const fsys = memoryFs(files);
    const at = (side: number) => analyzeText(`model d from "d.onnx"\ninput ${side}x${side}x3\ntarget stm32f746\n`, { fs: fsys, basePath: 'm/d.pnet' });
    const [a, b, again] = [at(40), at(24), at(40)];
    assert.deepEqual([a.model!.layers[0].output.h, b.model!.layers[0].output.h, again.model!.layers[0].output.h], [40, 24, 40]);
    assert.deepEqual(again.report, a.report, 'the memoized import gives the same analysis');
    const other = new OnnxBuilder();
    other.output(other.node('GlobalAveragePool', [other.conv(other.input('x', ['n', 3, 'h', 'w']), 3, 16, 3, 2)]));
    files['m/d.onnx'] = other.bytes();
    assert.deepEqual(at(40).model!.layers[0].output, { h: 20, w: 20, c: 16 }, 'new bytes: the new graph');
  });

  it('dynamic H/W need an input size; the .pnet input line gives it', () => {
    const m = new OnnxBuilder();
    const x = m.conv(m.input('x', ['n', 3, 'h', 'w']), 3, 8, 3, 1);
    m.output(m.node('GlobalAveragePool', [x]));
    const bytes = m.bytes();
    expectError(bytes, 'PW5012', "'h'");
    const fixed = importOnnx(bytes, { input: { h: 40, w: 24, c: 3 } });
    assert.deepEqual(errorsOf(fixed.diagnostics), []);
    assert.deepEqual(fixed.model!.layers[0].output, { h: 40, w: 24, c: 8 });
  });

  it('non-square kernels, asymmetric SAME padding, grouped and depthwise convs, pools, MatMul', () => {
    const m = new OnnxBuilder();
    let x = m.input('x', [1, 4, 16, 16]);
    x = m.node('Conv', [x, m.init('w1', [8, 4, 1, 3])], { pads: [0, 1, 0, 1] });
    x = m.node('Conv', [x, m.init('w2', [8, 4, 3, 3])], { group: 2, auto_pad: 'SAME_UPPER', strides: [2, 2] });
    x = m.node('Conv', [x, m.init('w3', [8, 1, 3, 3])], { group: 8, pads: [1, 1, 1, 1] });
    x = m.node('MaxPool', [x], { kernel_shape: [1, 2], strides: [1, 2] });
    x = m.node('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    x = m.node('Reshape', [x, m.int64('shape', [1, -1])]);
    x = m.node('MatMul', [x, m.init('fc', [64, 5])]);
    x = m.node('Add', [x, m.init('fcb', [5])]);
    m.output(x);
    const r = importOnnx(m.bytes());
    assert.deepEqual(errorsOf(r.diagnostics), [], JSON.stringify(r.diagnostics));
    assert.ok(codes(r.diagnostics).includes('PW5013'), 'asymmetric padding is reported as approximated');
    const l = r.model!.layers;
    assert.deepEqual(l.map((x) => x.kind), ['conv', 'conv', 'dwconv', 'pool', 'pool', 'fc']);
    assert.deepEqual([l[0].rows, l[0].cols], [{ k: 1, s: 1, p: 0 }, { k: 3, s: 1, p: 1 }]);
    assert.equal(l[1].groups, 2);
    assert.deepEqual(l.map((x) => [x.output.h, x.output.w, x.output.c]), [[16, 16, 8], [8, 8, 8], [8, 8, 8], [8, 4, 8], [4, 2, 8], [1, 1, 5]]);
  });

  it('QDQ and QLinearConv models import like their float twin', () => {
    const m = new OnnxBuilder();
    const s = m.init('s', [], [0.1]);
    const zp = m.tensor({ name: 'zp', dims: [], dataType: onnx.TensorProto.DataType.INT8, rawData: new Uint8Array(1) });
    const wq = m.tensor({ name: 'wq', dims: [8, 3, 3, 3], dataType: onnx.TensorProto.DataType.INT8, rawData: new Uint8Array(216) });
    let x = m.node('QuantizeLinear', [m.input('x', [1, 3, 16, 16]), s, zp]);
    x = m.node('DequantizeLinear', [x, s, zp]);
    const w = m.node('DequantizeLinear', [wq, s, zp]);
    x = m.node('Conv', [x, w], { pads: [1, 1, 1, 1], strides: [2, 2] });
    x = m.node('Relu', [x]);
    x = m.node('QuantizeLinear', [x, s, zp]);
    const w2 = m.tensor({ name: 'w2q', dims: [16, 8, 1, 1], dataType: onnx.TensorProto.DataType.INT8, rawData: new Uint8Array(128) });
    x = m.node('QLinearConv', [x, s, zp, w2, s, zp, s, zp]);
    x = m.node('DequantizeLinear', [x, s, zp]);
    m.output(x);
    const r = importOnnx(m.bytes());
    assert.deepEqual(errorsOf(r.diagnostics), [], JSON.stringify(r.diagnostics));
    assert.deepEqual(r.model!.layers.map((l) => [l.kind, l.act, l.output.h, l.output.c]), [['conv', 'relu', 8, 8], ['conv', 'none', 8, 16]]);
  });

  it('the CLI analyzes an .onnx file directly and through `from`', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-onnx-'));
    try {
      fs.writeFileSync(path.join(dir, 'tiny.onnx'), tinyMbv2());
      fs.writeFileSync(path.join(dir, 'tiny.pnet'), header(' from "tiny.onnx"', 'schedule patch=2x2 until=block3\n'));
      const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'patchwise'), ...args], { encoding: 'utf8', timeout: 60_000 });
      const direct = cli('analyze', path.join(dir, 'tiny.onnx'), '--json');
      assert.equal(direct.status, 0, direct.stderr);
      assert.equal(JSON.parse(direct.stdout).layers.length, 15);
      const viaPnet = cli('optimize', path.join(dir, 'tiny.pnet'), '--json');
      assert.equal(viaPnet.status, 0, viaPnet.stderr);
      assert.ok(JSON.parse(viaPnet.stdout).best);
      // A float model gets post-training quantization: the project is generated.
      const firmware = cli('firmware', path.join(dir, 'tiny.onnx'));
      assert.equal(firmware.status, 0, firmware.stderr);
      assert.match(firmware.stdout, /^generated/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ONNX import: graphs (branches, SE, Concat, Resize, ConvTranspose)', () => {
  it('an SE block and a projection shortcut import as graph layers; memory sums the live branches', () => {
    const m = new OnnxBuilder();
    const x = m.conv(m.input('x', [1, 3, 16, 16]), 3, 8, 3, 1); // 16×16×8 = 2048 B
    const g = m.node('HardSigmoid', [m.conv(m.conv(m.node('GlobalAveragePool', [x]), 8, 2, 1, 1, { bn: false }), 2, 8, 1, 1, { act: 'none', bn: false })]);
    const se = m.node('Mul', [x, g], {}, undefined, 'se_scale');
    const main = m.conv(m.conv(se, 8, 16, 3, 2), 16, 16, 3, 1, { act: 'none' }); // 8×8×16 = 1024 B each
    const proj = m.conv(se, 8, 16, 1, 2, { act: 'none' });
    m.output(m.node('Add', [main, proj], {}, undefined, 'shortcut_add'));
    const { model, diagnostics } = importOnnx(m.bytes());
    assert.deepEqual(errorsOf(diagnostics), []);
    assert.ok(model);
    const names = model.layers.map((l) => `${l.kind}:${(l.sources ?? ['-']).join(',')}`);
    // The SE gate (HardSigmoid) is a table layer of the layer before it (no sources: a chain layer);
    // the scale reads the conv and the gate; after the main branch's first conv the projection runs
    // next (it frees the scaled tensor), and the add reads both branches.
    assert.deepEqual(names, ['conv:-', 'gpool:-', 'conv:-', 'conv:-', 'act:-', 'mul:0,4', 'conv:-', 'conv:5', 'conv:6', 'add:8,7']);
    assert.deepEqual(model.layers[4].table, { fn: 'hardsigmoid', alpha: 0.2, beta: 0.5 }, "ONNX's defaults");
    assert.equal(model.blocks[1].label, 'se 8→2→8');
    const steps = analyzeModel(model).layers.map((l) => l.memory.totalBytes);
    // Liveness by hand: the conv output x (2048 B) is kept through the SE until the scale writes over
    // it; the scaled tensor lives until both branches have read it; 8×8×16 maps are 1024 B.
    assert.deepEqual(steps, [
      2048, // stem: streamed input + x
      2048 + 8, // global pool
      2048 + 8 + 2, // x kept, 8 → 2
      2048 + 2 + 8, // x kept, 2 → 8
      2048 + 8, // the gate, in place over the excitation
      2048 + 8, // scale, in place over x
      2048 + 1024, // main conv 1
      2048 + 1024 + 1024, // projection: reads the scaled tensor last; main conv 1 kept
      1024 + 1024 + 1024, // main conv 2, the projection kept
      1024 + 1024, // add, in place
    ]);
    const lbl = steps.reduce((a, b) => Math.max(a, b));
    assert.equal(analyzeModel(model).perLayer.peakBytes, lbl);
  });

  it('Concat, Resize and ConvTranspose: ONNX shapes, MACs, and the stage may not cross a branch', () => {
    const m = new OnnxBuilder();
    const c1 = m.conv(m.input('x', [1, 3, 32, 32]), 3, 8, 3, 2); // 16×16×8
    const c2 = m.conv(c1, 8, 16, 3, 2); // 8×8×16
    const up = m.node('Resize', [c2, '', m.init('scales', [4], [1, 1, 2, 2])], { mode: 'nearest' }, undefined, 'up');
    const cat = m.node('Concat', [c1, up], { axis: 1 }, undefined, 'cat'); // 16×16×24
    const head = m.conv(cat, 24, 4, 3, 1);
    m.output(m.node('ConvTranspose', [head, m.init('wt', [4, 2, 2, 2])], { strides: [2, 2] }, undefined, 'deconv'));
    const pnet = 'model g from "g.onnx"\ninput 32x32x3\ntarget stm32f746\nschedule patch=2x2 until=block0\n';
    const r = analyzeText(pnet, { fs: memoryFs({ 'm/g.onnx': m.bytes() }), basePath: 'm/g.pnet' });
    assert.deepEqual(errorsOf(r.diagnostics), [], 'the stage output (c1) may be read later');
    const tapped = analyzeText(pnet.replace('until=block0', 'until=block1'), { fs: memoryFs({ 'm/g.onnx': m.bytes() }), basePath: 'm/g.pnet' });
    assert.deepEqual(errorsOf(tapped.diagnostics).map((d) => d.code), ['PW2015'], 'c1 is inside that stage and read by the concat after it');
    assert.match(errorsOf(tapped.diagnostics)[0].message, /concat/);
    const ok = analyzeText(pnet, { fs: memoryFs({ 'm/g.onnx': m.bytes() }), basePath: 'm/g.pnet' });
    assert.deepEqual(errorsOf(ok.diagnostics), []);
    assert.ok(ok.model && ok.report);
    assert.deepEqual(ok.model.layers.map((l) => [l.kind, l.output.h, l.output.w, l.output.c]), [
      ['conv', 16, 16, 8], ['conv', 8, 8, 16], ['resize', 16, 16, 16], ['concat', 16, 16, 24], ['conv', 16, 16, 4], ['convT', 32, 32, 2],
    ]);
    assert.equal(ok.report.layers[5].macs, 16 * 16 * 2 * 2 * 4 * 2, 'a transposed conv: k²·Cin·Cout per input pixel');
    const inStage = analyzeText(pnet.replace('until=block0', 'until=block2'), { fs: memoryFs({ 'm/g.onnx': m.bytes() }), basePath: 'm/g.pnet' });
    assert.deepEqual(errorsOf(inStage.diagnostics).map((d) => d.code), ['PW2014'], 'a resize cannot run patch by patch');
    const hover = getLanguageService({ fs: memoryFs({ 'm/g.onnx': m.bytes() }) });
    const summary = hover.doHover(hover.analyze(pnet, undefined, 'm/g.pnet'), { line: 0, character: 16 })!.contents;
    assert.match(summary, /A graph: 1 concat, 1 resize, 1 transposed conv \(analysed by liveness/);
    assert.match(summary, /A patch stage may end at block 0$/);
    const search = searchSchedules(ok.model);
    assert.deepEqual([...new Set(search.candidates.map((c) => c.untilBlock))], [null, 0], 'only the stage that ends where no branch crosses');
  });

  it('a table activation runs inside a stage; an SE block ends one, and PW2009 says why', () => {
    const m = new OnnxBuilder();
    const x = m.node('HardSwish', [m.conv(m.input('x', [1, 3, 32, 32]), 3, 8, 3, 1, { bn: false, act: 'none' })]);
    const gate = m.node('HardSigmoid', [m.conv(m.conv(m.node('GlobalAveragePool', [x]), 8, 2, 1, 1, { bn: false }), 2, 8, 1, 1, { act: 'none', bn: false })]);
    m.output(m.conv(m.node('Mul', [x, gate]), 8, 8, 3, 2, { bn: false }));
    const fs = memoryFs({ 'm/s.onnx': m.bytes(14) });
    const text = (until: number) => `model s from "s.onnx"\nschedule patch=2x2 until=block${until}\n`;
    const staged = analyzeText(text(1), { fs, basePath: 'm/s.pnet' });
    assert.deepEqual(errorsOf(staged.diagnostics), [], 'conv then its HardSwish: one stage');
    assert.deepEqual(staged.model!.layers.slice(0, 2).map((l) => l.kind), ['conv', 'act']);
    const se = analyzeText(text(2), { fs, basePath: 'm/s.pnet' });
    assert.deepEqual(errorsOf(se.diagnostics).map((d) => d.code), ['PW2009']);
    assert.match(errorsOf(se.diagnostics)[0].message, /until=block2 puts se 8→2→8 \(block 2, an SE block whose squeeze pools every pixel before its scale applies to any\) in the patch stage; it needs the whole tensor, so the stage must end before block 2/);
  });
});

describe('ONNX import: malformed files', () => {
  it('truncated and garbage bytes are diagnostics, at every cut', () => {
    const bytes = tinyMbv2();
    expectError(bytes.slice(0, bytes.length >> 1), 'PW5002');
    expectError(new Uint8Array(0), 'PW5002');
    for (let cut = 1; cut < bytes.length; cut += 97) {
      const r = importOnnx(bytes.slice(0, cut));
      assert.ok(r.model === undefined || errorsOf(r.diagnostics).length === 0);
    }
    let seed = 7;
    const junk = Uint8Array.from({ length: 4096 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    assert.ok(errorsOf(importOnnx(junk).diagnostics).length > 0);
  });

  it('wrong attribute types, cycles, missing initializers, bad raw data', () => {
    const typed = new OnnxBuilder();
    typed.output(typed.node('Conv', [typed.input('x', [1, 3, 8, 8]), typed.init('w', [4, 3, 3, 3])], { strides: { float: 2 } }, undefined, 'conv_bad'));
    assert.match(expectError(typed.bytes(), 'PW5007', "'conv_bad'").message, /strides.*INTS.*FLOAT/);

    const cyc = new OnnxBuilder();
    const x = cyc.input('x', [1, 3, 8, 8]);
    cyc.node('Add', [x, 'b'], {}, ['a'], 'add_a');
    cyc.node('Relu', ['a'], {}, ['b'], 'relu_b');
    cyc.output('a');
    expectError(cyc.bytes(), 'PW5004');

    const missing = new OnnxBuilder();
    missing.output(missing.node('Conv', [missing.input('x', [1, 3, 8, 8]), 'w_gone'], {}, undefined, 'conv_0'));
    expectError(missing.bytes(), 'PW5005', "'w_gone'");

    const raw = new OnnxBuilder();
    raw.tensor({ name: 'shape', dims: [2], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(5) });
    raw.output(raw.node('Reshape', [raw.input('x', [1, 3, 8, 8]), 'shape']));
    expectError(raw.bytes(), 'PW5003', "'shape'");
  });

  it('2^40-element dims are refused before anything is allocated', () => {
    const before = process.memoryUsage().rss;
    const big = 2 ** 40;
    const w = new OnnxBuilder();
    w.tensor({ name: 'w_huge', dims: [big, 3, 3, 3], dataType: onnx.TensorProto.DataType.FLOAT });
    w.output(w.node('Conv', [w.input('x', [1, 3, 8, 8]), 'w_huge']));
    expectError(w.bytes(), 'PW5006', "'w_huge'");

    const input = new OnnxBuilder();
    input.output(input.node('Relu', [input.input('x', [1, 3, big, big])]));
    expectError(input.bytes(), 'PW5006', "'x'");

    const grow = new OnnxBuilder();
    let y = grow.input('x', [1, 3, 4096, 4096]);
    y = grow.node('Conv', [y, grow.init('w', [4096, 3, 1, 1])]);
    y = grow.node('Conv', [y, grow.init('w2', [4096, 4096, 1, 1])]);
    grow.output(y);
    expectError(grow.bytes(), 'PW5006');
    assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'bounded memory');
  });

  it('`from` a file that cannot be read is a diagnostic on the path', () => {
    const text = 'model m from "nowhere.onnx"\ninput 8x8x3\n';
    for (const options of [{}, { fs: memoryFs({}), basePath: 'a.pnet' }]) {
      const a = analyzeText(text, options);
      const d = a.diagnostics.find((x) => x.code === 'PW5001');
      assert.ok(d, JSON.stringify(a.diagnostics));
      assert.deepEqual([d.range.start.line, d.range.start.character], [0, 13]);
      assert.equal(a.model, undefined);
    }
  });
});

describe('ONNX tensors read from a Node Buffer', () => {
  it('reads raw data at any offset of a pooled Buffer (Clip bounds as raw float32 → relu6)', () => {
    const m = new OnnxBuilder();
    const x = m.input('image', [1, 3, 16, 16]);
    const y = m.conv(x, 3, 8, 3, 1, { act: 'none', bn: false });
    m.node('Clip', [y, m.initRaw('lo', [], [0]), m.initRaw('hi', [], [6])], {}, ['out'], 'clip');
    m.output('out', [1, 8, 16, 16]);
    const bytes = m.bytes();
    // A Buffer view at an odd offset of a larger pool: its slice() is another view, not a copy.
    const pooled = Buffer.concat([Buffer.alloc(13, 0x7f), Buffer.from(bytes), Buffer.alloc(7, 0x7f)]).subarray(13, 13 + bytes.length);
    const fromBuffer = importOnnx(pooled, {});
    const fromArray = importOnnx(bytes, {});
    assert.deepEqual(fromBuffer.diagnostics, fromArray.diagnostics);
    assert.equal(fromBuffer.model?.layers[0].act, 'relu6');
    assert.equal(fromArray.model?.layers[0].act, 'relu6');
  });
});
