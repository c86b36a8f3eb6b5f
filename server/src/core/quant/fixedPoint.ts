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

const TWO15 = 32768;
const TWO31 = 2147483648;

/**
 * (a·b + nudge) / 2^31 with C's truncating division; INT32_MIN·INT32_MIN saturates. The 62-bit
 * product is not exact in a double, so b is split in 16-bit halves: a·bHi = q·2^15 + r, and
 * a·b + nudge = q·2^31 + (r·2^16 + a·bLo + nudge), whose second term stays under 2^53 (exact). This
 * is the reference's hottest call (once per output element); BigInt made it ~20× slower.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  // |a| ≤ 2^21: the product and the nudge stay under 2^53, exact in a double (the common case:
  // accumulators of small layers); dividing by 2^31 is exact, Math.trunc is C's division.
  if (a <= 2097152 && a >= -2097152) {
    const ab = a * b;
    return Math.trunc((ab + (ab >= 0 ? 1073741824 : -1073741823)) / TWO31) | 0;
  }
  const bLo = b & 0xffff;
  const hi = a * ((b - bLo) / 65536);
  const lo = a * bLo;
  const q = Math.floor(hi / TWO15);
  const r = (hi - q * TWO15) * 65536 + lo + (hi + lo / 65536 >= 0 ? 1 << 30 : 1 - (1 << 30));
  const rq = Math.floor(r / TWO31);
  const floor = q + rq;
  // Truncation toward zero: a negative total that is not a multiple of 2^31 rounds up.
  return (q * TWO31 + r < 0 && r !== rq * TWO31 ? floor + 1 : floor) | 0;
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
