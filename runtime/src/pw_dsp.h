/*
 * The Cortex-M DSP instructions the fast paths use (SXTB16, SMLAD, SADD16, ROR). On a core with
 * the DSP extension they are the instructions; elsewhere (the host) portable C with the same
 * results, so that the DSP path is tested bit for bit on the host too (-DPW_USE_DSP=1).
 */
#ifndef PW_DSP_H
#define PW_DSP_H

#include <stdint.h>
#include <string.h>

#ifndef PW_USE_DSP
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define PW_USE_DSP 1
#else
#define PW_USE_DSP 0
#endif
#endif

/* 4 bytes from any address (memcpy: no alignment trap, one LDR on the M7). */
static inline uint32_t pw_read4(const int8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/*
 * Words k and k + 1 of a word-aligned array (k a constant below 255): one LDRD on the M7, which
 * GCC 12 splits into two LDR when it schedules the loads itself. The array must not change.
 */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define pw_read_pair(p, k, lo, hi) __asm__("ldrd %0, %1, [%2, %3]" : "=r"(lo), "=r"(hi) : "r"(p), "i"(4 * (k)))
#else
#define pw_read_pair(p, k, lo, hi) ((lo) = (p)[k], (hi) = (p)[(k) + 1])
#endif

/* GCC 12's arm_acle.h lacks __ror; this compiles to one ROR. */
static inline uint32_t pw_ror(uint32_t x, uint32_t r)
{
    return (x >> r) | (x << (32u - r));
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define pw_sxtb16(x) ((uint32_t)__sxtb16(x))
#define pw_sadd16(a, b) ((uint32_t)__sadd16((a), (b)))
#define pw_smlad(a, b, acc) ((int32_t)__smlad((a), (b), (acc)))
#define pw_smlabb(a, b, acc) ((int32_t)__smlabb((int32_t)(a), (int32_t)(b), (acc)))
#define pw_smlabt(a, b, acc) ((int32_t)__smlabt((int32_t)(a), (int32_t)(b), (acc)))
#define pw_smlatb(a, b, acc) ((int32_t)__smlatb((int32_t)(a), (int32_t)(b), (acc)))
#define pw_smlatt(a, b, acc) ((int32_t)__smlatt((int32_t)(a), (int32_t)(b), (acc)))
#else
/* Bytes 0 and 2, sign-extended into the two halfwords. */
static inline uint32_t pw_sxtb16(uint32_t x)
{
    const uint16_t lo = (uint16_t)(int16_t)(int8_t)(x & 0xffu);
    const uint16_t hi = (uint16_t)(int16_t)(int8_t)((x >> 16) & 0xffu);
    return ((uint32_t)hi << 16) | lo;
}

static inline uint32_t pw_sadd16(uint32_t a, uint32_t b)
{
    const uint16_t lo = (uint16_t)((int16_t)(a & 0xffffu) + (int16_t)(b & 0xffffu));
    const uint16_t hi = (uint16_t)((int16_t)(a >> 16) + (int16_t)(b >> 16));
    return ((uint32_t)hi << 16) | lo;
}

/* acc + lo(a)·lo(b) + hi(a)·hi(b), wrapping like the instruction. */
static inline int32_t pw_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    const int32_t lo = (int32_t)(int16_t)(a & 0xffffu) * (int32_t)(int16_t)(b & 0xffffu);
    const int32_t hi = (int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
}

/* acc + one halfword of a · one halfword of b (B: bottom, T: top), wrapping like SMLAxy. */
static inline int32_t pw_smla_halves(uint32_t a, int top_a, uint32_t b, int top_b, int32_t acc)
{
    const int32_t x = (int32_t)(int16_t)(top_a ? a >> 16 : a & 0xffffu);
    const int32_t y = (int32_t)(int16_t)(top_b ? b >> 16 : b & 0xffffu);
    return (int32_t)((uint32_t)acc + (uint32_t)(x * y));
}
#define pw_smlabb(a, b, acc) pw_smla_halves((a), 0, (b), 0, (acc))
#define pw_smlabt(a, b, acc) pw_smla_halves((a), 0, (b), 1, (acc))
#define pw_smlatb(a, b, acc) pw_smla_halves((a), 1, (b), 0, (acc))
#define pw_smlatt(a, b, acc) pw_smla_halves((a), 1, (b), 1, (acc))
#endif

/*
 * Bytes 1 and 3, sign-extended into the two halfwords: SXTB16 with its operand rotated, one
 * instruction (GCC 12 does not fold a separate ROR into it).
 */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
static inline uint32_t pw_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
#else
static inline uint32_t pw_sxtb16_ror8(uint32_t x)
{
    return pw_sxtb16(pw_ror(x, 8));
}
#endif

/*
 * a + bytes 0 and 2 (SXTAB16) or bytes 1 and 3 (its rotated form) of x, sign-extended, in the two
 * int16 lanes: an int8 pair unpacked and offset (by a zero point) in one instruction.
 */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define pw_sxtab16(a, x) ((uint32_t)__sxtab16((a), (x)))
static inline uint32_t pw_sxtab16_ror8(uint32_t a, uint32_t x)
{
    uint32_t r;
    __asm("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
#else
static inline uint32_t pw_sxtab16(uint32_t a, uint32_t x)
{
    return pw_sadd16(a, pw_sxtb16(x));
}

static inline uint32_t pw_sxtab16_ror8(uint32_t a, uint32_t x)
{
    return pw_sadd16(a, pw_sxtb16(pw_ror(x, 8)));
}
#endif

/* Σ of n int8 values (the zero point's share of a dot product is input_zp·Σw). */
static inline int32_t pw_sum_s8(const int8_t *p, int32_t n)
{
    int32_t sum = 0;
    int32_t i = 0;
#if PW_USE_DSP
    for (; i + 4 <= n; i += 4) {
        const uint32_t v = pw_read4(p + i);
        sum = pw_smlad(pw_sxtb16(v), 0x00010001u, sum);
        sum = pw_smlad(pw_sxtb16_ror8(v), 0x00010001u, sum);
    }
#endif
    for (; i < n; i++) {
        sum += p[i];
    }
    return sum;
}

/* x saturated to int8 (one SSAT). */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define pw_ssat8(x) ((int32_t)__ssat((x), 8))
#else
static inline int32_t pw_ssat8(int32_t x)
{
    return x < -128 ? -128 : (x > 127 ? 127 : x);
}
#endif

/* (lo, hi) as the two int16 halves of a word. */
static inline uint32_t pw_pack16(int32_t lo, int32_t hi)
{
    return ((uint32_t)(uint16_t)hi << 16) | (uint16_t)lo;
}

/* The low and the high int16 half of a word. */
static inline int32_t pw_low16(uint32_t w)
{
    return (int16_t)(uint16_t)w;
}

static inline int32_t pw_high16(uint32_t w)
{
    return (int16_t)(uint16_t)(w >> 16);
}

/* Two int16 copies of v in one word: (v, v). */
static inline uint32_t pw_dup16(int32_t v)
{
    return ((uint32_t)(uint16_t)v << 16) | (uint16_t)v;
}

#endif /* PW_DSP_H */
