import { roundingDivideByPOT, saturatingRoundingDoublingHighMul } from './fixedPoint';

// gemmlowp's fixed-point transcendental functions on int32, the ones TensorFlow Lite Micro's int8
// LOGISTIC, TANH and SOFTMAX are built on. A value with `bits` integer bits is raw / 2^(31 − bits).
// Every step is the integer operation gemmlowp performs (so the results are bit-exact, not just
// close): products are SaturatingRoundingDoublingHighMul, a product of values with a and b integer
// bits has a + b, and rescaling shifts with saturation (left) or rounding (right).

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** 1.0 with 0 integer bits is not representable: gemmlowp's One() is the largest raw value. */
const ONE_Q0 = INT32_MAX;

const mul = saturatingRoundingDoublingHighMul;

/** Two's complement int32 wrap (gemmlowp's + and − on raw values). */
const wrap = (x: number) => x | 0;

/** x·2^exponent: saturating for a left shift, rounding half away from zero for a right shift. */
export function saturatingRoundingMultiplyByPOT(x: number, exponent: number): number {
  if (exponent <= 0) return roundingDivideByPOT(x, -exponent);
  const limit = 2 ** (31 - exponent);
  if (x >= limit) return INT32_MAX;
  if (x < -limit) return INT32_MIN;
  return x * 2 ** exponent;
}

/** A value with `from` integer bits expressed with `to` integer bits. */
export function rescale(x: number, from: number, to: number): number {
  return saturatingRoundingMultiplyByPOT(x, from - to);
}

/** (a + b) / 2 rounded half away from zero, without overflow. */
function roundingHalfSum(a: number, b: number): number {
  const sum = a + b;
  return Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/** exp(a) for a in [−1/4, 0), 0 integer bits: a Taylor expansion around −1/8 to the fourth order. */
function expOnQuarterInterval(a: number): number {
  const expMinusEighth = 1895147668; // round(exp(−1/8)·2^31)
  const oneThird = 715827883; // round(2^31/3)
  const x = wrap(a + (1 << 28)); // a + 1/8
  const x2 = mul(x, x);
  const x3 = mul(x2, x);
  const x4 = mul(x2, x2);
  const x4Over4 = saturatingRoundingMultiplyByPOT(x4, -2);
  const poly = saturatingRoundingMultiplyByPOT(wrap(mul(wrap(x4Over4 + x3), oneThird) + x2), -1);
  return wrap(expMinusEighth + mul(expMinusEighth, wrap(x + poly)));
}

/** round(exp(−2^e)·2^31) for e = −2..4: the factors of the barrel shifter. */
const EXP_FACTORS: readonly [number, number][] = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];

/**
 * exp(a) for a ≤ 0 with `bits` integer bits; the result has 0 integer bits. a = −(q/4 + r) with r
 * in [0, 1/4): exp of the remainder on the short interval, then one factor exp(−2^e) per set bit of
 * the quarters.
 */
export function expOnNegativeValues(a: number, bits: number): number {
  const fractional = 31 - bits;
  const quarter = 1 << (fractional - 2);
  const modQuarterMinusQuarter = wrap((a & (quarter - 1)) - quarter);
  let result = expOnQuarterInterval(rescale(modQuarterMinusQuarter, bits, 0));
  const remainder = wrap(modQuarterMinusQuarter - a);
  for (const [e, factor] of EXP_FACTORS) {
    if (bits <= e) continue;
    const bit = fractional + e;
    if (bit < 31 && (remainder & (1 << bit)) !== 0) result = mul(result, factor);
  }
  if (bits > 5 && a < -(2 ** (36 - bits))) result = 0; // below −32: exp underflows
  return a === 0 ? ONE_Q0 : result;
}

/** 1/(1 + a) (0 integer bits) for a in [0, 1) with 0 integer bits: three Newton–Raphson steps, 2 integer bits. */
function reciprocalNewton(a: number): number {
  const halfDenominator = roundingHalfSum(a, ONE_Q0);
  const c48Over17 = 1515870810; // 48/17 with 2 integer bits
  const cMinus32Over17 = -1010580540; // −32/17 with 2 integer bits
  let x = wrap(c48Over17 + mul(halfDenominator, cMinus32Over17));
  for (let i = 0; i < 3; i++) {
    const oneMinus = wrap((1 << 29) - mul(halfDenominator, x));
    x = wrap(x + rescale(mul(x, oneMinus), 4, 2));
  }
  return x; // ≈ 1/halfDenominator = 2/(1 + a), 2 integer bits
}

/** 1/(1 + a), 0 integer bits, for a in [0, 1) with 0 integer bits. */
export function oneOverOnePlusX(a: number): number {
  // 2/(1 + a) with 2 integer bits is 1/(1 + a) with 1 integer bit: the same raw value.
  return rescale(reciprocalNewton(a), 1, 0);
}

/** (1 − a)/(1 + a), 0 integer bits, for a in [0, 1) with 0 integer bits. */
function oneMinusXOverOnePlusX(a: number): number {
  return rescale(wrap(reciprocalNewton(a) - (1 << 29)), 2, 0);
}

/** The logistic function of a value with `bits` integer bits; the result has 0 integer bits. */
export function logistic(a: number, bits: number): number {
  if (a === 0) return 1 << 30;
  const positive = a > 0 ? a : wrap(-a);
  const ofPositive = oneOverOnePlusX(expOnNegativeValues(wrap(-positive), bits));
  return a > 0 ? ofPositive : wrap(ONE_Q0 - ofPositive);
}

/** tanh of a value with `bits` integer bits; the result has 0 integer bits. */
export function tanh(a: number, bits: number): number {
  if (a === 0) return 0;
  const negative = a < 0 ? a : wrap(-a);
  // −tanh(n) for n ≤ 0 = (1 − e^{2n})/(1 + e^{2n}); 2n is the same raw value with one more integer bit.
  const t = oneMinusXOverOnePlusX(expOnNegativeValues(negative, bits + 1));
  return a < 0 ? wrap(-t) : t;
}

/**
 * 1/x for a positive value x with `bits` integer bits, as TFLite's GetReciprocal: a raw value with
 * 0 integer bits and the number of bits x had above 1.0 (the result is raw / 2^(31 + overUnit)).
 */
export function reciprocal(x: number, bits: number): { raw: number; overUnit: number } {
  const headroomPlusOne = Math.clz32(x);
  const overUnit = bits - headroomPlusOne;
  const shiftedMinusOne = wrap((x << headroomPlusOne) - INT32_MIN);
  return { raw: oneOverOnePlusX(shiftedMinusOne), overUnit };
}

export { mul as fixedMul, roundingDivideByPOT };
