import * as assert from 'assert';
import { TableActivation } from '../../server/src/core/model/ir';
import { TensorQuant } from '../../server/src/core/quant/qmodel';
import { activationTable, floatTable } from '../../server/src/core/quant/tables';

// Every 256-entry table against the float function re-quantized, written here independently in
// double precision: equal on all 256 inputs, except that an input whose exact value lies on a
// rounding tie may take either neighbour (the float32 steps of the rule decide which side of the
// tie it lands: linear pieces with scale ratios like 1.25 tie every other input). TFLite's integer kernels
// (LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU: bit-exact with TFLM in tflmOracle.test.ts) stay within
// 1 LSB of it.

const exact: Record<TableActivation, (x: number, alpha?: number) => number> = {
  hardswish: (x) => (x * Math.min(6, Math.max(0, x + 3))) / 6,
  hardsigmoid: (x) => Math.min(1, Math.max(0, x / 6 + 0.5)),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  leakyrelu: (x, a = 0.01) => (x >= 0 ? x : a * x),
  swish: (x) => x / (1 + Math.exp(-x)),
  elu: (x, a = 1) => (x >= 0 ? x : a * Math.expm1(x)),
  selu: (x, a = 1.6732632423543772) => 1.0507009873554805 * (x > 0 ? x : a * Math.expm1(x)),
  softplus: (x) => Math.log1p(Math.exp(x)),
  // One channel of a PRelu (its slope 0.1 here, as LeakyRelu's).
  prelu: (x, a = 0.1) => (x >= 0 ? x : a * x),
  // Unclamped here; its clamps are the generic min/max every table takes.
  clip: (x) => x,
};

const pairs: [TensorQuant, TensorQuant][] = [
  [{ scale: 0.05, zeroPoint: 0 }, { scale: 0.04, zeroPoint: -20 }],
  [{ scale: 0.1, zeroPoint: -30 }, { scale: 1 / 256, zeroPoint: -128 }],
  [{ scale: 0.02, zeroPoint: 100 }, { scale: 1 / 128, zeroPoint: 0 }],
  [{ scale: 1 / 32, zeroPoint: -128 }, { scale: 0.03, zeroPoint: -100 }],
];

/** The re-quantized value of input x, and whether it sits on a tie. */
function requantized(fn: TableActivation, x: number, input: TensorQuant, output: TensorQuant): { q: number; tie: boolean } {
  const v = exact[fn](input.scale * (x - input.zeroPoint), fn === 'leakyrelu' ? 0.1 : undefined) / output.scale;
  const tie = Math.abs(Math.abs(v - Math.trunc(v)) - 0.5) < 1e-4;
  return { q: Math.max(-128, Math.min(127, Math.round(v) + output.zeroPoint)), tie };
}

describe('lookup-table activations', () => {
  for (const fn of Object.keys(exact) as TableActivation[]) {
    for (const rule of ['tflite', 'onnx'] as const) {
      it(`${fn} (${rule}'s rounding): the float function re-quantized on all 256 inputs, ${pairs.length} scale/zero-point pairs`, () => {
        for (const [input, output] of pairs) {
          const table = floatTable({ fn, ...(fn === 'leakyrelu' ? { alpha: 0.1 } : {}), ...(fn === 'prelu' ? { slopes: [0.3, 0.1] } : {}) }, input, output, rule, fn === 'prelu' ? 1 : undefined);
          for (let x = -128; x <= 127; x++) {
            const { q, tie } = requantized(fn, x, input, output);
            const got = table[x + 128];
            if (tie && Math.abs(got - q) <= 1) continue;
            assert.strictEqual(got, q, `${fn} at ${x} (input ${input.scale}/${input.zeroPoint}, output ${output.scale}/${output.zeroPoint})`);
          }
        }
      });
    }
  }

  for (const fn of ['sigmoid', 'tanh', 'hardswish', 'leakyrelu'] as TableActivation[]) {
    it(`${fn}: TFLite's integer kernel stays within 1 LSB of the float function`, () => {
      for (const [input] of pairs) {
        const output = fn === 'sigmoid' ? { scale: 1 / 256, zeroPoint: -128 } : fn === 'tanh' ? { scale: 1 / 128, zeroPoint: 0 } : { scale: input.scale * 0.8, zeroPoint: -40 };
        const table = activationTable({ fn, ...(fn === 'leakyrelu' ? { alpha: 0.1 } : {}) }, input, output, 'tflite');
        for (let x = -128; x <= 127; x++) {
          const { q } = requantized(fn, x, input, output);
          assert.ok(Math.abs(table[x + 128] - q) <= 1, `${fn} at ${x}: ${table[x + 128]} vs ${q}`);
        }
      }
    });
  }

  it('prelu: a table a channel, each the LeakyRelu of its slope', () => {
    const [input, output] = pairs[0];
    const slopes = [0.1, -0.5, 0, 2].map(Math.fround);
    for (const rule of ['tflite', 'onnx'] as const) {
      const tables = activationTable({ fn: 'prelu', slopes }, input, output, rule);
      assert.strictEqual(tables.length, 256 * slopes.length);
      slopes.forEach((alpha, c) => assert.deepStrictEqual(tables.subarray(256 * c, 256 * (c + 1)), floatTable({ fn: 'leakyrelu', alpha }, input, output, rule), `channel ${c}`));
    }
  });

  it('a table is a function of the input byte only: indexed by x + 128', () => {
    const t = activationTable({ fn: 'hardsigmoid' }, { scale: 0.1, zeroPoint: 0 }, { scale: 1 / 256, zeroPoint: -128 }, 'tflite');
    assert.strictEqual(t[0], -128); // x = −128: −12.8 → 0
    assert.strictEqual(t[255], 127); // x = 127: 12.7 → 1 (saturates at 127)
    assert.strictEqual(t[128], 0); // x = 0: 0.5 → 128 − 128
  });
});
