/* Convolution k×k, any stride and padding, on regions (the stem and other dense k×k layers). */
#include "pw_dsp.h"
#include "pw_math.h"

int32_t pw_conv_s8_get_buffer_size(int32_t k, int32_t in_c)
{
    /* Two int16 im2col columns, as the analysis counts it; one is used. */
    return 2 * 2 * k * k * in_c;
}

/*
 * The column holds (x − zp) as int16, padding as 0. Within each group of four taps it is stored
 * as (t0, t2, t1, t3) so that a word pairs with SXTB16 of the weights (w0, w2) and (w1, w3).
 */
PW_ALWAYS_INLINE void fill_column(const pw_conv_params *p, const pw_dims *d, const pw_view *in, int32_t oy, int32_t ox,
                        int16_t *col, int32_t *status)
{
    static const int32_t order[4] = {0, 2, 1, 3};
    const int32_t taps = p->k * p->k * d->c;
    int32_t t = 0;
    for (int32_t ky = 0; ky < p->k; ky++) {
        const int32_t iy = oy * p->stride - p->pad + ky;
        for (int32_t kx = 0; kx < p->k; kx++) {
            const int32_t ix = ox * p->stride - p->pad + kx;
            const int outside = iy < 0 || iy >= d->h || ix < 0 || ix >= d->w;
            if (!outside && (iy < in->y0 || iy >= in->y0 + in->rows || ix < in->x0 || ix >= in->x0 + in->cols)) {
                *status = PW_ERROR_REGION;
            }
            const int8_t *src = outside || *status != PW_OK ? 0 : pw_at(in, iy, ix, d->c);
            for (int32_t ci = 0; ci < d->c; ci++, t++) {
                const int32_t slot = t - (t & 3) + ((taps - (t - (t & 3))) >= 4 ? order[t & 3] : (t & 3));
                col[slot] = (int16_t)(src ? src[ci] - p->input_zp : 0);
            }
        }
    }
}

PW_ALWAYS_INLINE int32_t dot(const int16_t *col, const int8_t *w, int32_t taps)
{
    int32_t acc = 0;
    int32_t t = 0;
#if PW_USE_DSP
    for (; t + 4 <= taps; t += 4) {
        uint32_t c02;
        uint32_t c13;
        memcpy(&c02, col + t, 4);
        memcpy(&c13, col + t + 2, 4);
        const uint32_t w4 = pw_read4(w + t);
        acc = pw_smlad(c02, pw_sxtb16(w4), acc);
        acc = pw_smlad(c13, pw_sxtb16(pw_ror(w4, 8)), acc);
    }
#else
    for (; t + 4 <= taps; t += 4) {
        acc += col[t] * w[t] + col[t + 1] * w[t + 2] + col[t + 2] * w[t + 1] + col[t + 3] * w[t + 3];
    }
#endif
    for (; t < taps; t++) {
        acc += col[t] * w[t];
    }
    return acc;
}

/* The kernel once per requantization rule: the same source, each instance its own function. */
#define PW_KERNEL conv_fixed
#define PW_FINISH pw_finish
#include "pw_conv_s8_body.h"

#define PW_KERNEL conv_float
#define PW_FINISH pw_finish_float
#include "pw_conv_s8_body.h"

pw_status pw_conv_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                     const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                     const pw_add_params *add, const pw_view *residual, const pw_view *out, int16_t *scratch)
{
    return quant->rule == PW_RULE_FLOAT ? conv_float(params, quant, in_dims, in, weights, bias, out_c, add, residual, out, scratch) : conv_fixed(params, quant, in_dims, in, weights, bias, out_c, add, residual, out, scratch);
}
