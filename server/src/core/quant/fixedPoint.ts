// TFLite's integer requantization, exactly: QuantizeMultiplier, SaturatingRoundingDoublingHighMul,
// RoundingDivideByPOT and MultiplyByQuantizedMultiplier. The C runtime implements the same rules;
// the two must agree bit for bit, including saturation and rounding ties.

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export interface QuantizedMultiplier {
  /** Q31 fixed-point multiplier in [2^30, 2^31), or 0. */
  multiplier: number;
  /** Power of two: positive shifts left, negative right. */
  shift: number;
}

/**
 * (m, e) = frexp(M); q = round(m·2^31); q = 2^31 → q/2, e+1; e < −31 → 0. As TFLite's
 * QuantizeMultiplier (round half away from zero, like std::round).
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (real === 0) return { multiplier: 0, shift: 0 };
  if (!(real > 0) || !Number.isFinite(real)) throw new Error(`quantizeMultiplier: ${real} is not a positive finite scale`);
  let exponent = Math.floor(Math.log2(real)) + 1;
  let fraction = real / 2 ** exponent;
  // Math.log2 may be off by one ulp at powers of two: bring the fraction into [0.5, 1).
  while (fraction >= 1) {
    fraction /= 2;
    exponent++;
  }
  while (fraction < 0.5) {
    fraction *= 2;
    exponent--;
  }
  let q = Math.round(fraction * 2 ** 31);
  if (q === 2 ** 31) {
    q /= 2;
    exponent++;
  }
  if (exponent < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: q, shift: exponent };
}

/** (a·b + nudge) / 2^31 with C's truncating division; INT32_MIN·INT32_MIN saturates. */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n));
}

/** x / 2^exponent rounded half away from zero (gemmlowp's RoundingDivideByPOT). */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLite's MultiplyByQuantizedMultiplier: the left shift wraps like C's int32 arithmetic. */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul((x << left) | 0, multiplier), right);
}

export function clamp(x: number, min: number, max: number): number {
  return x < min ? min : x > max ? max : x;
}
