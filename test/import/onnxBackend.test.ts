import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Reporter } from '../../server/src/core/import/onnxGraph';
import { loadReference, runReference } from '../../server/src/core/import/onnxReference';
import { decodeTensor, isInteger, Tensor } from '../../server/src/core/import/onnxTensor';
import { rangeOf } from '../../server/src/core/language/diagnostics';

// ONNX's own backend node tests, from Debian's libonnx-testdata (`apt-get install libonnx-testdata`):
// each folder holds model.onnx and test_data_set_*/{input,output}_*.pb TensorProtos. Every data set
// of the selected op types runs through the importer's graph passes and the reference interpreter;
// integer outputs must be bit-exact, float outputs within ONNX's backend tolerance (rtol 1e-3, atol 1e-7).

const roots = ['/usr/share/libonnx-testdata/data/node', '/usr/share/onnx/backend/test/data/node'];
const selected = /^test_(basic_conv_|conv_with|basic_convinteger|convinteger_|qlinearconv|qlinearmatmul_|quantizelinear|dequantizelinear|matmulinteger|matmul_|gemm_|add|maxpool_|averagepool_|globalaveragepool|globalmaxpool)/;
const rtol = 1e-3;
const atol = 1e-7;

/** Tests left out on purpose, with the reason printed in the list (keep this short). */
const skips: Record<string, string> = {};

interface Result {
  name: string;
  status: 'pass' | 'fail' | 'skipped';
  detail: string;
}

function findRoot(): string | undefined {
  return roots.find((r) => fs.existsSync(path.join(r, 'test_conv_with_strides_padding', 'model.onnx')));
}

function readTensor(file: string): Tensor {
  const out = new Reporter(rangeOf(0, 0, 0));
  const t = decodeTensor(new Uint8Array(fs.readFileSync(file)), out);
  assert.ok(t, `${file}: ${out.diagnostics.map((d) => d.message).join('; ')}`);
  return t;
}

function numbered(dir: string, prefix: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
    .sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0])).map((f) => path.join(dir, f));
}

/** '' when equal (bit-exact for integer types, ONNX's tolerance for floats), else what differs. */
function compare(actual: Tensor, expected: Tensor, what: string): { problem: string; maxError: number } {
  if (actual.dtype !== expected.dtype) return { problem: `${what} is ${actual.dtype}, expected ${expected.dtype}`, maxError: Infinity };
  if (actual.dims.join() !== expected.dims.join()) return { problem: `${what} has dims [${actual.dims}], expected [${expected.dims}]`, maxError: Infinity };
  let maxError = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i];
    const e = expected.data[i];
    const error = Math.abs(a - e);
    maxError = Math.max(maxError, error);
    const ok = isInteger(expected.dtype) ? a === e : error <= atol + rtol * Math.abs(e) || (Number.isNaN(a) && Number.isNaN(e));
    if (!ok) return { problem: `${what}[${i}] = ${a}, expected ${e}`, maxError };
  }
  return { problem: '', maxError };
}

function runCase(dir: string): Result {
  const name = path.basename(dir);
  const loaded = loadReference(new Uint8Array(fs.readFileSync(path.join(dir, 'model.onnx'))));
  if (!loaded.model) return { name, status: 'fail', detail: loaded.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ') };
  const sets = fs.readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
  let maxError = 0;
  let integer = true;
  for (const set of sets) {
    const inputs = numbered(path.join(dir, set), 'input_').map(readTensor);
    const expected = numbered(path.join(dir, set), 'output_').map(readTensor);
    const run = runReference(loaded.model, inputs);
    if (!run.outputs) return { name, status: 'fail', detail: run.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ') };
    const actual = [...run.outputs.values()];
    if (actual.length !== expected.length) return { name, status: 'fail', detail: `${actual.length} outputs, expected ${expected.length}` };
    for (let i = 0; i < expected.length; i++) {
      const c = compare(actual[i], expected[i], `${set}/output_${i}`);
      if (c.problem) return { name, status: 'fail', detail: c.problem };
      maxError = Math.max(maxError, c.maxError);
      integer &&= isInteger(expected[i].dtype);
    }
  }
  const exactness = integer ? 'bit-exact' : maxError === 0 ? 'float, bit-exact' : `float, max |error| ${maxError.toExponential(1)}`;
  return { name, status: 'pass', detail: `${sets.length} data set${sets.length === 1 ? '' : 's'}, ${exactness}` };
}

describe('ONNX backend node tests (libonnx-testdata) through the reference interpreter', function () {
  this.timeout(300_000);
  const root = findRoot();
  const cases = root ? fs.readdirSync(root).filter((d) => selected.test(d)).sort() : [];
  const results: Result[] = [];

  if (!root) {
    it('needs libonnx-testdata', function () {
      const why = `libonnx-testdata is not installed (looked in ${roots.join(', ')}): apt-get install libonnx-testdata`;
      if (process.env.CI === 'true') assert.fail(why);
      console.warn(`\n  SKIPPED (not on CI): ${why}\n`);
      this.skip();
    });
    return;
  }

  after(() => {
    const passed = results.filter((r) => r.status === 'pass').length;
    const lines = results.map((r) => `    ${r.name}: ${r.status}${r.detail ? ` (${r.detail})` : ''}`);
    console.log(`\n  ONNX backend node tests run from ${root} (${passed} of ${results.length} pass):\n${lines.join('\n')}\n`);
  });

  it('finds the op types this slice covers', () => {
    for (const op of ['test_qlinearconv', 'test_convinteger_with_padding', 'test_quantizelinear_axis', 'test_dequantizelinear_axis', 'test_matmulinteger', 'test_add_bcast', 'test_maxpool_2d_pads', 'test_averagepool_2d_pads_count_include_pad', 'test_globalaveragepool']) {
      assert.ok(cases.includes(op), `${op} is missing from ${root}`);
    }
  });

  for (const name of cases) {
    it(name, function () {
      if (skips[name]) {
        results.push({ name, status: 'skipped', detail: skips[name] });
        this.skip();
      }
      const r = runCase(path.join(root, name));
      results.push(r);
      assert.equal(r.status, 'pass', `${name}: ${r.detail}`);
    });
  }
});
