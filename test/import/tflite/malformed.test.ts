import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { importTflite } from '../../../server/src/core/import/tflite/tflite';
import { repoRoot } from '../../helpers';
import { sharedOrSkip, tfliteModels } from '../../support/sharedFiles';
import { buildTflite, ModelSpec, tinyModel } from '../../support/tfliteBuilder';

// Broken .tflite files: each gives diagnostics with a stable code and a place, never an exception,
// never a read of the gigabytes a corrupt length claims; the CLI exits 2 on them.

function errors(bytes: Uint8Array): string[] {
  const result = importTflite(bytes);
  return result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
}

/** The tiny model with a change made to its spec. */
function tiny(change: (spec: ModelSpec) => void): Uint8Array {
  const spec = tinyModel();
  change(spec);
  return buildTflite(spec);
}

/** A seeded generator (mulberry32): the same corruptions on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('malformed .tflite files', () => {
  it('imports the well-formed tiny model (SAME with stride 2 on 8 pads 0 before and 1 after)', () => {
    const result = importTflite(buildTflite(tinyModel()));
    assert.deepEqual(errors(buildTflite(tinyModel())), []);
    const conv = result.model!.layers[0];
    assert.deepEqual([conv.rows, conv.output], [{ k: 3, s: 2, p: 0, pEnd: 1 }, { h: 4, w: 4, c: 4 }]);
    assert.deepEqual(result.model!.layers.map((l) => l.kind), ['conv', 'dwconv', 'gpool']);
  });

  it('truncated at every length: a diagnostic naming what lies past the end', () => {
    const whole = buildTflite(tinyModel());
    for (let n = 0; n < whole.length; n++) {
      const found = errors(whole.subarray(0, n));
      assert.ok(found.length > 0 && found.every((e) => /^PW70\d\d /.test(e)), `${n} of ${whole.length} bytes: ${found.join('; ')}`);
    }
    assert.match(errors(whole.subarray(0, 40))[0], /^PW7001 not a readable \.tflite model: .*outside the 40-byte file/);
  });

  it('a real model truncated: the same, quickly', function () {
    const whole = new Uint8Array(fs.readFileSync(sharedOrSkip(this, tfliteModels.vww)));
    for (const n of [8, 100, 1000, whole.length >> 1, whole.length - 1]) assert.match(errors(whole.subarray(0, n)).join('; '), /PW7001/, `${n} bytes`);
  });

  it('bad offsets: a root, a vtable or a vector length pointing outside', () => {
    const whole = buildTflite(tinyModel());
    const at = (offset: number, value: number) => {
      const copy = whole.slice();
      new DataView(copy.buffer).setUint32(offset, value, true);
      return errors(copy);
    };
    assert.match(at(0, 0x7fffff00).join(), /PW7001 .*model/);
    assert.match(at(0, whole.length - 2).join(), /PW7001/);
    const root = new DataView(whole.buffer).getUint32(0, true);
    assert.match(at(root, -0x1000 >>> 0).join(), /PW7001 .*vtable/);
  });

  it('seeded corruption of 400 bytes one at a time: diagnostics or a model, never an exception', () => {
    const whole = buildTflite(tinyModel());
    const next = random(12);
    let broken = 0;
    for (let i = 0; i < 400; i++) {
      const copy = whole.slice();
      copy[Math.floor(next() * copy.length)] = Math.floor(next() * 256);
      const result = importTflite(copy);
      assert.ok(result.model || result.diagnostics.some((d) => d.severity === 'error'));
      if (!result.model) broken++;
    }
    assert.ok(broken > 0, 'some corruptions must break the file');
  });

  it('cyclic subgraph references: the WHILE operator named, and a cycle through tensors', () => {
    const whileOp = { code: 119, inputs: [0], outputs: [3], options: [[0, 'int32', 1], [1, 'int32', 0]] as [number, 'int32', number][] };
    const cyclic = tiny((s) => {
      s.operators = [whileOp, ...s.operators.slice(1)];
      s.subgraphs = [{ operators: [{ ...whileOp, options: [[0, 'int32', 0], [1, 'int32', 1]] }] }];
    });
    assert.deepEqual(errors(cyclic), ["PW7002 operator 0 (WHILE) writing 'conv' is not supported"]);
    const loop = tiny((s) => (s.operators[0].inputs = [6, 1, 2]));
    assert.match(errors(loop).join(), /PW7003 operator 0 \(CONV_2D\) writing 'conv': it reads 'dw', which no earlier operator writes/);
  });

  it('a buffer past the end of the file', () => {
    const past = tiny((s) => (s.buffers![0] = { offset: 1 << 20, size: 108 }));
    assert.match(errors(past).join(), /PW7001 .*model\.buffers\[1\] \(offset 1048576, size 108\).*outside/);
  });

  it('2^31 dims: a tensor too large to hold, and a negative dim', () => {
    const huge = tiny((s) => (s.tensors[3].shape = [1, 2 ** 31 - 1, 2 ** 31 - 1, 4]));
    assert.match(errors(huge).join(), /PW7004 tensor 3 'conv' has dims \[1, 2147483647, 2147483647, 4\]/);
    const negative = tiny((s) => (s.tensors[0].shape = [1, -(2 ** 31), 8, 3]));
    assert.match(errors(negative).join(), /PW7004 tensor 0 'input' has dims \[1, -2147483648, 8, 3\]/);
  });

  it('an unknown operator code and an unsupported one: named with their index and tensor', () => {
    const unknown = tiny((s) => (s.operators[2].code = 250));
    assert.deepEqual(errors(unknown), ["PW7002 operator 2 (builtin 250) writing 'pool' is not supported"]);
    const gelu = tiny((s) => (s.operators[1].code = 150));
    assert.match(errors(gelu).join(), /PW7002 operator 1 \(GELU\) writing 'dw' is not supported/);
  });

  it('the CLI exits 2 on a broken file, with its name and the code', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-tflite-'));
    try {
      const file = path.join(dir, 'broken.tflite');
      fs.writeFileSync(file, buildTflite(tinyModel()).subarray(0, 60));
      const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'patchwise'), 'analyze', file], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /broken\.tflite:1:\d+: error PW7001 not a readable \.tflite model/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
