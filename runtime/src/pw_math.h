/*
 * Requantization shared by every kernel: TFLite's integer rules and ONNX's float rule. The
 * TypeScript reference (server/src/core/quant/fixedPoint.ts, onnxRule.ts) implements the same
 * rules; they agree bit for bit.
 */
#ifndef PW_MATH_H
#define PW_MATH_H

#include <stdint.h>
#include <string.h>
#include "pw_nn.h"

/*
 * Each kernel's body is compiled once per rule (pw_*_body.h). The instances are kept apart and
 * out of interprocedural optimization, so that the fixed-point one compiles exactly like a kernel
 * written for one rule: the QEMU instruction counts are benchmarks.
 */
#define PW_INSTANCE static __attribute__((noipa))
#define PW_ALWAYS_INLINE static inline __attribute__((always_inline))
/* Names of an instance's helpers: PW_CAT(PW_KERNEL, _pass). */
#define PW_CAT_(a, b) a##b
#define PW_CAT(a, b) PW_CAT_(a, b)

/*
 * Whether the kernels carry their instances for ONNX's float rule. Patchwise builds a model none
 * of whose layers uses that rule with -DPW_FLOAT_RULE=0, so that code it never calls (15 KB on the
 * Cortex-M7) stays out of its firmware; such a build refuses a float-rule layer (PW_ERROR_ARGUMENT).
 */
#ifndef PW_FLOAT_RULE
#define PW_FLOAT_RULE 1
#endif

/*
 * TFLite's (a·b + nudge) / 2^31 with truncating division, where the nudge is 2^30 for a positive
 * product and 1 − 2^30 for a negative one. Both cases equal floor((a·b + 2^30) / 2^31): for a
 * negative product, writing a·b + 2^30 = q·2^31 + r (0 ≤ r < 2^31), the truncated quotient of
 * (q − 1)·2^31 + r + 1 is q. So one multiply-accumulate and a shift (SMLAL, ASR) do it; only
 * INT32_MIN·INT32_MIN overflows.
 */
static inline int32_t pw_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)(((int64_t)a * (int64_t)b + (1ll << 30)) >> 31);
}

/* x / 2^exponent, rounding half away from zero. */
static inline int32_t pw_rdbpot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)((1ll << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLite's MultiplyByQuantizedMultiplier; the left shift wraps as two's complement. */
static inline int32_t pw_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    return pw_rdbpot(pw_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

/*
 * One output channel's requantization, prepared once per call so that the per-output work is a
 * few instructions. `bias` is the layer's bias minus input_zp·Σw: kernels that take the zero point
 * out of their MAC loops (Σ(x − zp)·w = Σx·w − zp·Σw) start their accumulators from it.
 *
 * Fast case (fast = 1: shift in −31…−1 and multiplier m > 0, what QuantizeMultiplier gives for
 * scales below 0.5): TFLite's two roundings, s = floor((x·m + 2^30) / 2^31) then s / 2^e rounded
 * half away from zero (e = −shift), are one floor division of a 64-bit sum:
 *     r = floor((x·m + 2^30 + 2^(e+30) − n·2^31) / 2^(31+e)),  n = 1 when s < 0
 * (half away from zero is floor((s + 2^(e−1) − n) / 2^e); nested floors of divisions by positive
 * integers compose, and an integer added to a floor moves inside it). n may be taken as x < 0:
 * with m > 0, a negative x gives s ≤ 0, and when s = 0 both n give 0, since 2^(e−1) − 1 and
 * 2^(e−1) are below 2^e. |x·m| ≤ 2^62 and the constant is below 2^62, so the sum fits an int64;
 * its high word shifted right by e − 1 is the result: the constant plus n·2^31 (ASR, ADDS, ADC),
 * SMLAL, ASR. (INT32_MIN·INT32_MIN, which TFLite saturates, needs m < 0.) Other channels take
 * pw_requantize.
 */
typedef struct {
    uint32_t k_lo;      /* fast: 2^30 + 2^(e+30), low and high words */
    int32_t k_hi;
    int32_t bias;
    int32_t multiplier; /* float rule: the float32 bits */
    int32_t shift;      /* fast: e − 1; otherwise pw_channel_quant's shift */
    int32_t fast;
} pw_channel;

static inline pw_channel pw_channel_of(int32_t bias, int32_t multiplier, int32_t shift)
{
    pw_channel ch;
    ch.bias = bias;
    ch.multiplier = multiplier;
    ch.fast = shift < 0 && shift >= -31 && multiplier > 0;
    ch.shift = ch.fast ? -shift - 1 : shift;
    const int64_t k = ch.fast ? (1ll << 30) + (1ll << (30 - shift)) : 0;
    ch.k_lo = (uint32_t)(k & 0xffffffffll);
    ch.k_hi = (int32_t)(k >> 32);
    return ch;
}

/* pw_requantize of a fast channel (see pw_channel). */
static inline int32_t pw_requantize_fast(int32_t x, const pw_channel *ch)
{
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    /* GCC 12 spends seven instructions on the n·2^31 term; these are four with the SMLAL. */
    uint32_t lo;
    int32_t hi;
    int32_t n;
    __asm("asr %[n], %[x], #31\n\t"
          "adds %[lo], %[k_lo], %[n], lsl #31\n\t"
          "adc %[hi], %[k_hi], %[n]\n\t"
          "smlal %[lo], %[hi], %[x], %[m]"
          : [lo] "=&r"(lo), [hi] "=&r"(hi), [n] "=&r"(n)
          : [x] "r"(x), [m] "r"(ch->multiplier), [k_lo] "r"(ch->k_lo), [k_hi] "r"(ch->k_hi)
          : "cc");
    return hi >> ch->shift;
#else
    const int64_t k = (int64_t)ch->k_hi * 4294967296ll + ch->k_lo;
    const int64_t n = (int64_t)(x >> 31) * 2147483648ll; /* −2^31 or 0 */
    const int64_t sum = k + n + (int64_t)x * ch->multiplier;
    return (int32_t)(sum >> 32) >> ch->shift;
#endif
}

static inline int32_t pw_requantize_channel(int32_t x, const pw_channel *ch)
{
    return ch->fast ? pw_requantize_fast(x, ch) : pw_requantize(x, ch->multiplier, ch->shift);
}

static inline int32_t pw_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/*
 * TFLite's int8 ADD, prepared once per call: each of its three requantizations in its cheapest
 * exact form (a pw_channel). The larger of the two input scales always gets the multiplier 0.5,
 * QuantizeMultiplier's (2^30, shift 0), for which TFLite's rounding is floor((x + 1) / 2) exactly:
 * (x·2^30 + 2^30) / 2^31 = (x + 1) / 2, and the shift 0 adds no second rounding.
 */
typedef struct {
    pw_channel conv;
    pw_channel residual;
    pw_channel output;
    int32_t conv_zp;
    int32_t residual_zp;
    int32_t left_shift;
    int32_t conv_half;     /* the conv's multiplier is (2^30, 0) */
    int32_t residual_half;
} pw_add_prepared;

static inline pw_add_prepared pw_add_prepare(const pw_add_params *add)
{
    pw_add_prepared p;
    p.conv = pw_channel_of(0, add->conv_multiplier, add->conv_shift);
    p.residual = pw_channel_of(0, add->residual_multiplier, add->residual_shift);
    p.output = pw_channel_of(0, add->output_multiplier, add->output_shift);
    p.conv_zp = add->conv_zp;
    p.residual_zp = add->residual_zp;
    p.left_shift = add->left_shift;
    p.conv_half = add->conv_multiplier == (1 << 30) && add->conv_shift == 0;
    p.residual_half = add->residual_multiplier == (1 << 30) && add->residual_shift == 0;
    return p;
}

/* A requantization of the add, inlined even where GCC would call pw_requantize_channel. */
PW_ALWAYS_INLINE int32_t pw_add_requantize(int32_t x, const pw_channel *ch)
{
    return ch->fast ? pw_requantize_fast(x, ch) : pw_requantize(x, ch->multiplier, ch->shift);
}

/* An input of the add rescaled: (x + 1) >> 1 without overflow when its multiplier is one half. */
PW_ALWAYS_INLINE int32_t pw_add_scale(int32_t x, const pw_channel *ch, int32_t half)
{
    return half ? (x >> 1) + (x & 1) : pw_add_requantize(x, ch);
}

PW_ALWAYS_INLINE int32_t pw_add_prepared_element(const pw_add_prepared *p, int32_t a, int32_t b, int32_t output_zp)
{
    const int32_t shifted_a = (a - p->conv_zp) * (1 << p->left_shift);
    const int32_t shifted_b = (b - p->residual_zp) * (1 << p->left_shift);
    const int32_t sum = pw_add_scale(shifted_a, &p->conv, p->conv_half) + pw_add_scale(shifted_b, &p->residual, p->residual_half);
    return pw_add_requantize(sum, &p->output) + output_zp;
}

/* TFLite's int8 ADD of one element. */
static inline int32_t pw_add_element(const pw_add_params *add, int32_t a, int32_t b, int32_t output_zp)
{
    const pw_add_prepared p = pw_add_prepare(add);
    return pw_add_prepared_element(&p, a, b, output_zp);
}

/* The output side of a layer, copied out of its parameters so that stores cannot force reloads. */
typedef struct {
    int32_t zp;
    int32_t min;
    int32_t max;
    const pw_add_prepared *add;
} pw_output;

/* `prepared` holds the fused add's preparation (when `add` is not NULL) for as long as the result is used. */
static inline pw_output pw_output_of(const pw_conv_params *p, const pw_add_params *add, pw_add_prepared *prepared)
{
    pw_output o;
    o.zp = p->output_zp;
    o.min = p->act_min;
    o.max = p->act_max;
    o.add = 0;
    if (add != 0) {
        *prepared = pw_add_prepare(add);
        o.add = prepared;
    }
    return o;
}

/*
 * From an accumulator (bias included) to the output byte: requantize, zero point, clamp; with a
 * fused shortcut, the layer's own int8 result is added to the residual byte first.
 */
static inline int8_t pw_output_byte(int32_t scaled, pw_output o, const int8_t *residual)
{
    if (o.add == 0) {
        return (int8_t)pw_clamp(scaled + o.zp, o.min, o.max);
    }
    const int32_t own = pw_clamp(scaled + o.add->conv_zp, -128, 127);
    return (int8_t)pw_clamp(pw_add_prepared_element(o.add, own, *residual, o.zp), o.min, o.max);
}

static inline int8_t pw_finish(int32_t acc, int32_t multiplier, int32_t shift, pw_output o, const int8_t *residual)
{
    return pw_output_byte(pw_requantize(acc, multiplier, shift), o, residual);
}

#ifdef __FAST_MATH__
#error "the runtime's float requantization needs IEEE float arithmetic: build without -ffast-math"
#endif

/*
 * ONNX's requantization (onnxruntime's QLinearConv/QLinearMatMul): the accumulator to float, one
 * float multiply, rounded half to even. The rounding adds and subtracts 1.5·2^23: in [2^23, 2^24)
 * a float's ulp is 1, so the sum is rounded to an integer in the default rounding mode (nearest,
 * ties to even; 1.5·2^23 is even, so the sum's parity is the result's) and the difference is exact.
 * No libm call, the same on every FPU. |x| is limited to 2^22 first (any int8 output saturates long
 * before). It needs strict float arithmetic: no -ffast-math (refused above) and no fusing of the
 * multiply into the add (-ffp-contract=off, the default of GCC's -std=c99).
 */
static inline int32_t pw_round_half_even(float x)
{
    x = x < -4194304.0f ? -4194304.0f : (x > 4194304.0f ? 4194304.0f : x);
    return (int32_t)((x + 12582912.0f) - 12582912.0f);
}

static inline int32_t pw_requantize_float(int32_t acc, float scale)
{
    return pw_round_half_even((float)acc * scale);
}

/* A channel under ONNX's rule: `multiplier` holds the float32 bits; every channel counts as fast. */
static inline pw_channel pw_channel_of_float(int32_t bias, int32_t bits, int32_t unused)
{
    pw_channel ch;
    (void)unused;
    ch.k_lo = 0;
    ch.k_hi = 0;
    ch.bias = bias;
    ch.multiplier = bits;
    ch.shift = 0;
    ch.fast = 1;
    return ch;
}

static inline int32_t pw_requantize_float_channel(int32_t acc, const pw_channel *ch)
{
    float scale;
    memcpy(&scale, &ch->multiplier, sizeof scale);
    return pw_requantize_float(acc, scale);
}

/* pw_finish under ONNX's rule: `bits` is the channel's float32 multiplier, `unused` the shift slot. */
static inline int8_t pw_finish_float(int32_t acc, int32_t bits, int32_t unused, pw_output o, const int8_t *residual)
{
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    (void)unused;
    return pw_output_byte(pw_requantize_float(acc, scale), o, residual);
}

/*
 * A fused add may write its result over the residual it reads, compacted at the start or at the
 * end of the residual's bytes. Compacted at the start, every byte is written at or before the
 * address of its own residual, so raster order is safe; at the end, at or after it, so the output
 * must be produced in reverse raster order (and channels from the last).
 */
static inline int pw_reverse_order(const pw_view *out, const pw_view *residual)
{
    return residual != 0 && out->data > residual->data;
}

/* Address of element (y, x, 0) of a view, in full-tensor coordinates. */
static inline int8_t *pw_at(const pw_view *v, int32_t y, int32_t x, int32_t c)
{
    return v->data + (y - v->y0) * v->row_stride + (x - v->x0) * c;
}

#endif /* PW_MATH_H */
