/* Pointwise 1×1 convolution on regions, with the shortcut add fused into its output. */
#include "pw_dsp.h"
#include "pw_math.h"

int32_t pw_conv_1x1_s8_get_buffer_size(void)
{
    return 0;
}

/*
 * Σ (x − zp)·w for two output channels at once, so that each input word is unpacked once for two
 * SMLADs; 4 inputs at a time on the DSP path.
 */
static inline void dot2(const int8_t *x, const int8_t *wa, const int8_t *wb, int32_t n, int32_t zp, int32_t *acc_a, int32_t *acc_b)
{
    int32_t a = 0;
    int32_t b = 0;
    int32_t i = 0;
#if PW_USE_DSP
    const uint32_t offset = pw_dup16(-zp);
    for (; i + 4 <= n; i += 4) {
        const uint32_t x4 = pw_read4(x + i);
        const uint32_t x02 = pw_sadd16(pw_sxtb16(x4), offset);
        const uint32_t x13 = pw_sadd16(pw_sxtb16(pw_ror(x4, 8)), offset);
        const uint32_t a4 = pw_read4(wa + i);
        const uint32_t b4 = pw_read4(wb + i);
        a = pw_smlad(x02, pw_sxtb16(a4), a);
        a = pw_smlad(x13, pw_sxtb16(pw_ror(a4, 8)), a);
        b = pw_smlad(x02, pw_sxtb16(b4), b);
        b = pw_smlad(x13, pw_sxtb16(pw_ror(b4, 8)), b);
    }
#endif
    for (; i < n; i++) {
        const int32_t v = x[i] - zp;
        a += v * wa[i];
        b += v * wb[i];
    }
    *acc_a = a;
    *acc_b = b;
}

pw_status pw_conv_1x1_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                         const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                         const pw_add_params *add, const pw_view *residual, const pw_view *out)
{
    if (params->k != 1 || params->pad != 0 || params->stride < 1 || (add != 0) != (residual != 0)) {
        return PW_ERROR_ARGUMENT;
    }
    const int32_t c = in_dims->c;
    const int reverse = pw_reverse_order(out, residual);
    const int32_t pixels = out->rows * out->cols;
    for (int32_t t = 0; t < pixels; t++) {
        const int32_t i = reverse ? pixels - 1 - t : t;
        const int32_t oy = out->y0 + i / out->cols;
        const int32_t ox = out->x0 + i % out->cols;
        const int32_t iy = oy * params->stride;
        const int32_t ix = ox * params->stride;
        if (iy < in->y0 || iy >= in->y0 + in->rows || ix < in->x0 || ix >= in->x0 + in->cols) {
            return PW_ERROR_REGION;
        }
        const int8_t *src = pw_at(in, iy, ix, c);
        int8_t *dst = pw_at(out, oy, ox, out_c);
        const int8_t *res = residual ? pw_at(residual, oy, ox, out_c) : 0;
        /* Pairs of channels (the last one alone when out_c is odd), written in the run's direction. */
        for (int32_t u = 0; u < out_c; u += 2) {
            const int32_t first = reverse ? out_c - 1 - u : u;
            const int32_t second = reverse ? first - 1 : first + 1;
            const int pair = u + 1 < out_c;
            int32_t acc_first;
            int32_t acc_second;
            dot2(src, weights + first * c, weights + (pair ? second : first) * c, c, params->input_zp, &acc_first, &acc_second);
            dst[first] = pw_finish(bias[first] + acc_first, quant->multiplier[first], quant->shift[first], params, add, res ? res + first : 0);
            if (pair) {
                dst[second] = pw_finish(bias[second] + acc_second, quant->multiplier[second], quant->shift[second], params, add, res ? res + second : 0);
            }
        }
    }
    return PW_OK;
}
