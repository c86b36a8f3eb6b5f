/*
 * TFLite's int8 SOFTMAX over the channels of each pixel, with gemmlowp's fixed-point exp and
 * reciprocal (the same integer steps as server/src/core/quant/fixedMath.ts). A value with b
 * integer bits is raw / 2^(31 − b).
 */
#include "pw_graph.h"
#include "pw_math.h"

/* x·2^e: saturating for e > 0, rounding half away from zero for e < 0. */
static int32_t mul_pot(int32_t x, int32_t e)
{
    if (e <= 0) {
        return pw_rdbpot(x, -e);
    }
    const int32_t limit = (int32_t)(1u << (31 - e));
    if (x >= limit) {
        return INT32_MAX;
    }
    if (x < -limit) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << e);
}

/* Two's complement wrap of raw sums, as gemmlowp's operators (no signed overflow in C). */
static int32_t wrap_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* exp(a) for a in [−1/4, 0), 0 integer bits: fourth-order Taylor expansion around −1/8. */
static int32_t exp_quarter(int32_t a)
{
    const int32_t exp_minus_eighth = 1895147668;
    const int32_t one_third = 715827883;
    const int32_t x = wrap_add(a, 1 << 28);
    const int32_t x2 = pw_srdhm(x, x);
    const int32_t x3 = pw_srdhm(x2, x);
    const int32_t x4 = pw_srdhm(x2, x2);
    const int32_t x4_over_4 = mul_pot(x4, -2);
    const int32_t poly = mul_pot(wrap_add(pw_srdhm(wrap_add(x4_over_4, x3), one_third), x2), -1);
    return wrap_add(exp_minus_eighth, pw_srdhm(exp_minus_eighth, wrap_add(x, poly)));
}

/* exp(a) for a ≤ 0 with 5 integer bits (the scaled difference); result with 0 integer bits. */
static int32_t exp_negative_q5(int32_t a)
{
    static const int32_t factors[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int32_t fractional = 26;
    const int32_t quarter = 1 << (fractional - 2);
    const int32_t mod_quarter_minus_quarter = (int32_t)((uint32_t)(a & (quarter - 1)) - (uint32_t)quarter);
    int32_t result = exp_quarter(mul_pot(mod_quarter_minus_quarter, 5));
    const int32_t remainder = (int32_t)((uint32_t)mod_quarter_minus_quarter - (uint32_t)a);
    /* One factor exp(−2^e), e = −2…4, per set bit of the whole quarters. */
    for (int32_t e = -2; e <= 4; e++) {
        if (remainder & (1 << (fractional + e))) {
            result = pw_srdhm(result, factors[e + 2]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1/(1 + a) for a in [0, 1), 0 integer bits: three Newton–Raphson steps in 2 integer bits. */
static int32_t one_over_one_plus(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = wrap_add(1515870810, pw_srdhm(half_denominator, -1010580540));
    for (int i = 0; i < 3; i++) {
        const int32_t one_minus = (int32_t)((uint32_t)(1 << 29) - (uint32_t)pw_srdhm(half_denominator, x));
        x = wrap_add(x, mul_pot(pw_srdhm(x, one_minus), 2));
    }
    return mul_pot(x, 1);
}

static int32_t scaled_exp(const pw_softmax_params *s, int32_t diff)
{
    return exp_negative_q5(pw_srdhm((int32_t)((uint32_t)diff << s->input_left_shift), s->input_multiplier));
}

pw_status pw_softmax_s8(const pw_softmax_params *softmax, int32_t pixels, int32_t c, const int8_t *in, int8_t *out)
{
    if (c <= 0 || c > (1 << 30) || softmax->input_left_shift < 0 || softmax->input_left_shift > 31) {
        return PW_ERROR_ARGUMENT;
    }
    /*
     * The sum of exps in Q12.19 (TFLite's) cannot wrap for c ≤ 2^12 − 1 terms of at most 2^19; past
     * that, as many integer bits as c needs (c < 2^bits terms of at most 2^(31 − bits)), as the
     * TypeScript reference's softmaxSumBits.
     */
    const int32_t c_bits = 32 - __builtin_clz((uint32_t)c);
    const int32_t bits = c_bits > 12 ? c_bits : 12;
    for (int32_t p = 0; p < pixels; p++) {
        const int8_t *x = in + p * c;
        int8_t *y = out + p * c;
        int32_t max = -128;
        for (int32_t ch = 0; ch < c; ch++) {
            max = x[ch] > max ? x[ch] : max;
        }
        int32_t sum = 0;
        for (int32_t ch = 0; ch < c; ch++) {
            const int32_t diff = x[ch] - max;
            if (diff >= softmax->diff_min) {
                sum = wrap_add(sum, mul_pot(scaled_exp(softmax, diff), -bits));
            }
        }
        /* 1/sum: normalise to [1, 2), reciprocal of 1 + fraction, count the bits above 1.0. */
        const int32_t headroom_plus_one = __builtin_clz((uint32_t)sum);
        const int32_t over_unit = bits - headroom_plus_one;
        const int32_t shifted_minus_one = (int32_t)(((uint32_t)sum << headroom_plus_one) - (1u << 31));
        const int32_t reciprocal = one_over_one_plus(shifted_minus_one);
        for (int32_t ch = 0; ch < c; ch++) {
            const int32_t diff = x[ch] - max;
            if (diff < softmax->diff_min) {
                y[ch] = -128;
                continue;
            }
            /* Past 31 bits (more than 256 channels near the maximum) the quotient is below ½: 0. */
            const int32_t exponent = over_unit + 23;
            const int32_t v = exponent > 31 ? 0 : pw_rdbpot(pw_srdhm(reciprocal, scaled_exp(softmax, diff)), exponent);
            y[ch] = (int8_t)pw_clamp(v - 128, -128, 127);
        }
    }
    return PW_OK;
}
