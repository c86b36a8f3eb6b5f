// ONNX's requantization of an int32 accumulator, as onnxruntime computes QLinearConv and
// QLinearMatMul (MlasRequantizeOutput): the multiplier xScale·wScale / yScale formed in float32,
// the accumulator converted to float32, one float32 multiply, rounded half to even. Every step is
// one IEEE single rounding, so C's `float` arithmetic (without -ffast-math or fused multiply-adds)
// gives the same bytes. The C runtime's pw_requantize_float is the twin of requantizeOnnx.

/** Round half to even (numpy's rint, C's nearbyint in the default rounding mode). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; step back to the even neighbour on an exact tie.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The float32 multiplier of one output channel: fround(fround(xScale·wScale) / yScale). */
export function onnxMultiplier(xScale: number, wScale: number, yScale: number): number {
  return Math.fround(Math.fround(xScale * wScale) / yScale);
}

/** roundHalfEven(fround(fround(acc)·multiplier)), before the zero point and the clamp. */
export function requantizeOnnx(acc: number, multiplier: number): number {
  return roundHalfEven(Math.fround(Math.fround(acc) * multiplier));
}
