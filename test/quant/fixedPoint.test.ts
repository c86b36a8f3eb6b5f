import * as assert from 'assert';
import fc from 'fast-check';
import { saturatingRoundingDoublingHighMul } from '../../server/src/core/quant/fixedPoint';

// The reference's high multiply works in doubles (split halves, a fast path for small a); BigInt
// computes the same thing the obvious way, slowly. They must agree on every int32 pair.

function highMulBigInt(a: number, b: number): number {
  if (a === -2147483648 && b === -2147483648) return 2147483647;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n));
}

const edges = [0, 1, -1, 2, -2, 65535, 65536, -65536, 2097152, -2097152, 2097153, -2097153, 1 << 30, -(1 << 30), 2147483647, -2147483648];

describe('fixed point: SaturatingRoundingDoublingHighMul in doubles', () => {
  it('equals the BigInt product at the edges (int32 limits, 16-bit halves, the fast-path bound)', () => {
    for (const a of edges) for (const b of edges) assert.strictEqual(saturatingRoundingDoublingHighMul(a, b), highMulBigInt(a, b), `${a}·${b}`);
  });

  it('equals the BigInt product on random int32 pairs, small and large', () => {
    const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
    const small = fc.integer({ min: -4194304, max: 4194304 });
    fc.assert(fc.property(fc.oneof(int32, small), int32, (a, b) => saturatingRoundingDoublingHighMul(a, b) === highMulBigInt(a, b)), { seed: 15, numRuns: 20000 });
  });
});
