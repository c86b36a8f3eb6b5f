/* Convolution k×k, any stride and padding, on regions (the stem and other dense k×k layers). */
#include "pw_dsp.h"
#include "pw_math.h"

int32_t pw_conv_s8_get_buffer_size(int32_t k, int32_t in_c)
{
    /* Two int16 im2col columns: two output pixels share every weight load. */
    return 2 * 2 * k * k * in_c;
}

/* The output stage, a constant in each inlined copy: clamp, SSAT (the clamp is the int8 range) or fused add. */
enum { PW_CONV_CLAMP, PW_CONV_FULL_RANGE, PW_CONV_ADD };

/* Output channels whose requantization is prepared at a time (on the stack, 32 bytes each). */
#define PW_CONV_CHUNK 16

/* Windows of at most this many taps (bytes, on the stack) are gathered whole when they are stored whole. */
#define PW_CONV_WINDOW 128

/*
 * The im2col column of output (oy, ox): (x − zp) as int16, padding as 0. Within each whole group
 * of four taps it is stored as (t0, t2, t1, t3), so that a word pairs with SXTB16 of the weights
 * (w0, w2) and (w1, w3). Returns PW_ERROR_REGION when a tap inside the tensor is not stored.
 */
PW_ALWAYS_INLINE pw_status fill_column(const pw_conv_params *p, const pw_dims *d, const pw_view *in, int32_t oy, int32_t ox, int16_t *col)
{
    const int32_t k = p->k, in_c = d->c, zp = p->input_zp;
    const int32_t taps = k * k * in_c;
    const int32_t whole = taps & ~3;
    const int32_t iy0 = oy * p->stride - p->pad, ix0 = ox * p->stride - p->pad;
#if PW_USE_DSP
    /*
     * A window inside the stored region: its rows are k·in_c contiguous bytes, gathered in tap order,
     * then each group of four becomes (t0, t2) and (t1, t3) by SXTB16 itself, the zero point
     * subtracted from both halves at once.
     */
    if (taps <= PW_CONV_WINDOW && iy0 >= in->y0 && iy0 + k <= in->y0 + in->rows && ix0 >= in->x0 && ix0 + k <= in->x0 + in->cols) {
        int8_t window[PW_CONV_WINDOW];
        const int32_t span = k * in_c;
        for (int32_t ky = 0; ky < k; ky++) {
            memcpy(window + ky * span, pw_at(in, iy0 + ky, ix0, in_c), (size_t)span);
        }
        const uint32_t offset = pw_dup16(-zp);
        int32_t t = 0;
        for (; t < whole; t += 4) {
            const uint32_t v = pw_read4(window + t);
            const uint32_t lo = pw_sadd16(pw_sxtb16(v), offset), hi = pw_sadd16(pw_sxtb16_ror8(v), offset);
            memcpy(col + t, &lo, 4);
            memcpy(col + t + 2, &hi, 4);
        }
        for (; t < taps; t++) {
            col[t] = (int16_t)(window[t] - zp);
        }
        return PW_OK;
    }
#endif
    int32_t t = 0;
    for (int32_t ky = 0; ky < k; ky++) {
        const int32_t iy = iy0 + ky;
        for (int32_t kx = 0; kx < k; kx++) {
            const int32_t ix = ix0 + kx;
            const int outside = iy < 0 || iy >= d->h || ix < 0 || ix >= d->w;
            if (!outside && (iy < in->y0 || iy >= in->y0 + in->rows || ix < in->x0 || ix >= in->x0 + in->cols)) {
                return PW_ERROR_REGION;
            }
            const int8_t *src = outside ? 0 : pw_at(in, iy, ix, in_c);
            for (int32_t ci = 0; ci < in_c; ci++, t++) {
                /* (t & 3) = 1 ↔ 2 inside a whole group. */
                const int32_t slot = t < whole && ((t & 3) == 1 || (t & 3) == 2) ? t ^ 3 : t;
                col[slot] = (int16_t)(src ? src[ci] - zp : 0);
            }
        }
    }
    return PW_OK;
}

/* Accumulators of two columns × two output channels (weights wa, wb), from the channels' biases. */
PW_ALWAYS_INLINE void dot4(const int16_t *c0, const int16_t *c1, const int8_t *wa, const int8_t *wb, int32_t taps, int32_t acc[4])
{
    int32_t a0 = acc[0], b0 = acc[1], a1 = acc[2], b1 = acc[3];
    int32_t t = 0;
#if PW_USE_DSP
    /* 6 loads, 4 unpacks and 8 SMLADs for 16 MACs: each unpacked weight word serves both pixels. */
    for (; t + 4 <= taps; t += 4) {
        uint32_t p02, p13, q02, q13;
        memcpy(&p02, c0 + t, 4);
        memcpy(&p13, c0 + t + 2, 4);
        memcpy(&q02, c1 + t, 4);
        memcpy(&q13, c1 + t + 2, 4);
        const uint32_t a4 = pw_read4(wa + t), b4 = pw_read4(wb + t);
        uint32_t w = pw_sxtb16(a4);
        a0 = pw_smlad(p02, w, a0);
        a1 = pw_smlad(q02, w, a1);
        w = pw_sxtb16_ror8(a4);
        a0 = pw_smlad(p13, w, a0);
        a1 = pw_smlad(q13, w, a1);
        w = pw_sxtb16(b4);
        b0 = pw_smlad(p02, w, b0);
        b1 = pw_smlad(q02, w, b1);
        w = pw_sxtb16_ror8(b4);
        b0 = pw_smlad(p13, w, b0);
        b1 = pw_smlad(q13, w, b1);
    }
#else
    /* The columns' group order: slot j of a whole group holds tap (0, 2, 1, 3)[j]. */
    for (; t + 4 <= taps; t += 4) {
        a0 += c0[t] * wa[t] + c0[t + 1] * wa[t + 2] + c0[t + 2] * wa[t + 1] + c0[t + 3] * wa[t + 3];
        b0 += c0[t] * wb[t] + c0[t + 1] * wb[t + 2] + c0[t + 2] * wb[t + 1] + c0[t + 3] * wb[t + 3];
        a1 += c1[t] * wa[t] + c1[t + 1] * wa[t + 2] + c1[t + 2] * wa[t + 1] + c1[t + 3] * wa[t + 3];
        b1 += c1[t] * wb[t] + c1[t + 1] * wb[t + 2] + c1[t + 2] * wb[t + 1] + c1[t + 3] * wb[t + 3];
    }
#endif
    for (; t < taps; t++) {
        a0 += c0[t] * wa[t];
        b0 += c0[t] * wb[t];
        a1 += c1[t] * wa[t];
        b1 += c1[t] * wb[t];
    }
    acc[0] = a0;
    acc[1] = b0;
    acc[2] = a1;
    acc[3] = b1;
}

/* The kernel once per requantization rule: the same source, each instance its own function. */
#define PW_KERNEL conv_fixed
#define PW_PREPARE pw_channel_of
#define PW_SCALE(acc, ch, fast) ((fast) ? pw_requantize_fast((acc), (ch)) : pw_requantize_channel((acc), (ch)))
#include "pw_conv_s8_body.h"

#if PW_FLOAT_RULE
#define PW_KERNEL conv_float
#define PW_PREPARE pw_channel_of_float
#define PW_SCALE(acc, ch, fast) ((void)(fast), pw_requantize_float_channel((acc), (ch)))
#include "pw_conv_s8_body.h"
#endif

pw_status pw_conv_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                     const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                     const pw_add_params *add, const pw_view *residual, const pw_view *out, int16_t *scratch)
{
    if (quant->rule == PW_RULE_FLOAT) {
#if PW_FLOAT_RULE
        return conv_float(params, quant, in_dims, in, weights, bias, out_c, add, residual, out, scratch);
#else
        return PW_ERROR_ARGUMENT;
#endif
    }
    return conv_fixed(params, quant, in_dims, in, weights, bias, out_c, add, residual, out, scratch);
}
