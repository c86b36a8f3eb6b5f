import { multiplyByQuantizedMultiplier, quantizeMultiplier, roundingDivideByPOT, saturatingRoundingDoublingHighMul } from '../../server/src/core/quant/fixedPoint';
import { addElement } from '../../server/src/core/quant/kernels';
import { requantizeOnnx } from '../../server/src/core/quant/onnxRule';
import { AddQuant } from '../../server/src/core/quant/qmodel';
import { Random } from '../../server/src/core/quant/random';
import { addTokens, pickZeroPoint } from './kernelCases';
import { Tag } from './kernelDriver';

// Grids for the scalar fixed-point helpers: the int32 extremes, small values, powers of two and
// their neighbours, random values, and inputs built to land exactly on rounding ties.

export interface ScalarCase {
  /** The driver's input line. */
  record: string;
  /** The TypeScript reference's result. */
  expected: number;
  /** The call, for messages. */
  call: string;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Values every helper sees: extremes, ±0/1, ±2^k and ±(2^k ± 1), and random int32s. */
export function valueGrid(rng: Random): number[] {
  const values = new Set<number>([INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, 0, 1, -1, 2, -2, 3, -3]);
  for (let k = 2; k <= 30; k += 2) {
    for (const v of [2 ** k, 2 ** k - 1, 2 ** k + 1]) {
      values.add(v);
      values.add(-v);
    }
  }
  values.add(2 ** 31 - 2 ** 30);
  for (let i = 0; i < 24; i++) values.add(rng.int(INT32_MIN, INT32_MAX));
  for (let i = 0; i < 12; i++) values.add(rng.int(-100000, 100000));
  return [...values];
}

/** Q31 multipliers: 0, 2^30 (one half), 2^31 − 1 (just under one), and quantized scales. */
export function multiplierGrid(rng: Random): number[] {
  const m = new Set<number>([0, 1, 2 ** 30, 2 ** 30 + 1, INT32_MAX, INT32_MAX - 1, 3 * 2 ** 29]);
  for (let i = 0; i < 8; i++) m.add(quantizeMultiplier(1e-5 * (2e5 ** rng.next())).multiplier);
  return [...m];
}

export function srdhmCases(rng: Random): ScalarCase[] {
  const values = valueGrid(rng);
  // INT32_MIN as a multiplier too: the one product that saturates.
  const multipliers = [...multiplierGrid(rng), INT32_MIN, -1, -(2 ** 30)];
  const cases: ScalarCase[] = [];
  const push = (a: number, b: number) =>
    cases.push({ record: `${Tag.Srdhm} ${a} ${b}`, expected: saturatingRoundingDoublingHighMul(a, b), call: `pw_srdhm(${a}, ${b})` });
  for (const a of values) for (const b of multipliers) push(a, b);
  // Products exactly halfway between two results: a·2^30 with a odd is (a/2)·2^31.
  for (let a = -9; a <= 9; a += 2) push(a, 2 ** 30);
  for (let i = 0; i < 200; i++) push(values[rng.int(0, values.length - 1)], values[rng.int(0, values.length - 1)]);
  return cases;
}

export function rdbpotCases(rng: Random): ScalarCase[] {
  const values = valueGrid(rng);
  const cases: ScalarCase[] = [];
  const push = (x: number, e: number) => cases.push({ record: `${Tag.Rdbpot} ${x} ${e}`, expected: roundingDivideByPOT(x, e), call: `pw_rdbpot(${x}, ${e})` });
  for (const x of values) for (let e = 0; e <= 31; e++) push(x, e);
  // Exact ties ±(2j+1)·2^(e−1) / 2^e, and their neighbours.
  for (let e = 1; e <= 12; e++) {
    for (let j = 0; j < 5; j++) {
      const tie = (2 * j + 1) * 2 ** (e - 1);
      for (const x of [tie, -tie, tie - 1, -tie + 1, tie + 1, -tie - 1]) push(x, e);
    }
  }
  return cases;
}

export function requantizeCases(rng: Random): ScalarCase[] {
  const values = valueGrid(rng);
  const multipliers = multiplierGrid(rng);
  const cases: ScalarCase[] = [];
  const push = (x: number, m: number, s: number) =>
    cases.push({ record: `${Tag.Requantize} ${x} ${m} ${s}`, expected: multiplyByQuantizedMultiplier(x, m, s), call: `pw_requantize(${x}, ${m}, ${s})` });
  // Shifts −31 … +8: right shifts of every size, left shifts that wrap large values.
  for (const x of values) for (const m of multipliers) for (let s = -31; s <= 8; s++) push(x, m, s);
  // Ties: multiplier one half and a right shift of 1…4 on ±(2j+1)·2^e, whose quotient ends in .5.
  for (let e = 1; e <= 4; e++) {
    for (let j = 0; j < 8; j++) {
      const x = (2 * j + 1) * 2 ** e;
      for (const v of [x, -x, x - 1, -x + 1, x + 1, -x - 1]) push(v, 2 ** 30, -e);
    }
  }
  return cases;
}

/**
 * The kernels' prepared requantization (pw_channel_of + pw_requantize_channel: one SMLAL-based
 * floor division for right shifts, pw_requantize otherwise) on the same grid as pw_requantize,
 * plus negative multipliers and INT32_MIN, which the fast form also takes.
 */
export function requantizeChannelCases(rng: Random): ScalarCase[] {
  const values = valueGrid(rng);
  const cases: ScalarCase[] = requantizeCases(rng).map((c) => {
    const [, x, m, s] = c.record.split(' ');
    return { record: `${Tag.RequantizeChannel} ${x} ${m} ${s}`, expected: c.expected, call: `pw_requantize_channel(${x}, pw_channel_of(0, ${m}, ${s}))` };
  });
  for (const x of values) {
    for (const m of [INT32_MIN, INT32_MIN + 1, -1, -(2 ** 30), -(2 ** 30) - 12345]) {
      for (let s = -31; s <= 2; s++) {
        cases.push({ record: `${Tag.RequantizeChannel} ${x} ${m} ${s}`, expected: multiplyByQuantizedMultiplier(x, m, s), call: `pw_requantize_channel(${x}, pw_channel_of(0, ${m}, ${s}))` });
      }
    }
  }
  return cases;
}

/** TFLite ADDs with random scales and zero points, on every kind of input byte. */
export function addElementCases(rng: Random): ScalarCase[] {
  const cases: ScalarCase[] = [];
  const bytes = [-128, -127, -1, 0, 1, 126, 127];
  for (let i = 0; i < 150; i++) {
    const convScale = 0.002 * 100 ** rng.next();
    const residualScale = 0.002 * 100 ** rng.next();
    const outScale = 0.004 * 100 ** rng.next();
    const leftShift = i < 120 ? 20 : rng.int(0, 20);
    const twiceMax = 2 * Math.max(convScale, residualScale);
    const a = quantizeMultiplier(convScale / twiceMax);
    const b = quantizeMultiplier(residualScale / twiceMax);
    const o = quantizeMultiplier(twiceMax / (2 ** leftShift * outScale));
    const add: AddQuant = {
      conv: { scale: convScale, zeroPoint: pickZeroPoint(rng) },
      residual: { scale: residualScale, zeroPoint: pickZeroPoint(rng) },
      leftShift,
      convMultiplier: a.multiplier,
      convShift: a.shift,
      residualMultiplier: b.multiplier,
      residualShift: b.shift,
      outputMultiplier: o.multiplier,
      outputShift: o.shift,
    };
    const zpOut = pickZeroPoint(rng);
    const pairs: [number, number][] = [];
    for (const x of bytes) for (const y of bytes) pairs.push([x, y]);
    for (let j = 0; j < 20; j++) pairs.push([rng.int(-128, 127), rng.int(-128, 127)]);
    for (const [x, y] of pairs) {
      // pw_add_element does not clamp (pw_finish does): the reference with an int32 clamp is the raw sum.
      const expected = addElement(add, x, y, zpOut, INT32_MIN, INT32_MAX);
      const params = addTokens(add).join(' ');
      cases.push({ record: `${Tag.AddElement} ${params} ${x} ${y} ${zpOut}`, expected, call: `pw_add_element({${params}}, ${x}, ${y}, ${zpOut})` });
    }
  }
  return cases;
}

/** float32 multipliers for ONNX's rule: powers of two (exact ties), 1/3, and log-uniform ones. */
function floatMultiplierGrid(rng: Random): number[] {
  const m = new Set<number>([1, 0.5, 0.25, 2 ** -7, 2 ** -20, Math.fround(1 / 3), Math.fround(0.1), Math.fround(3.999)]);
  for (let i = 0; i < 16; i++) m.add(Math.fround(1e-6 * (4e6 ** rng.next())));
  return [...m];
}

/**
 * ONNX's float rule on int32 extremes, powers of two and random values (float(acc) itself rounds
 * beyond 2^24), with ties from power-of-two multipliers. The C limits |x| to 2^22 before rounding
 * (every int8 output saturates long before), so the reference is clamped alike.
 */
export function requantizeFloatCases(rng: Random): ScalarCase[] {
  const values = valueGrid(rng);
  const cases: ScalarCase[] = [];
  const bits = new Int32Array(1);
  const view = new Float32Array(bits.buffer);
  const push = (acc: number, m: number) => {
    view[0] = m;
    const expected = Math.max(-4194304, Math.min(4194304, requantizeOnnx(acc, m)));
    cases.push({ record: `${Tag.RequantizeFloat} ${acc} ${bits[0]}`, expected, call: `pw_requantize_float(${acc}, ${m})` });
  };
  for (const acc of values) for (const m of floatMultiplierGrid(rng)) push(acc, m);
  // Ties: (2j+1)·2^(e−1) · 2^−e = j + ½, both signs, and their neighbours.
  for (let e = 1; e <= 6; e++) {
    for (let j = 0; j < 8; j++) {
      const tie = (2 * j + 1) * 2 ** (e - 1);
      for (const acc of [tie, -tie, tie - 1, -tie + 1, tie + 1, -tie - 1]) push(acc, 2 ** -e);
    }
  }
  return cases;
}
