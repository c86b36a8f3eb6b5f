/* Pointwise 1×1 convolution on regions, with the shortcut add fused into its output. */
#include "pw_dsp.h"
#include "pw_math.h"

int32_t pw_conv_1x1_s8_get_buffer_size(void)
{
    return 0;
}

/* Σ (x − zp)·w over in_c channels; 4 at a time with SXTB16/SMLAD on the DSP path. */
static inline int32_t dot(const int8_t *x, const int8_t *w, int32_t n, int32_t zp)
{
    int32_t acc = 0;
    int32_t i = 0;
#if PW_USE_DSP
    const uint32_t offset = pw_dup16(-zp);
    for (; i + 4 <= n; i += 4) {
        const uint32_t x4 = pw_read4(x + i);
        const uint32_t w4 = pw_read4(w + i);
        const uint32_t x02 = pw_sadd16(pw_sxtb16(x4), offset);
        const uint32_t x13 = pw_sadd16(pw_sxtb16(pw_ror(x4, 8)), offset);
        acc = pw_smlad(x02, pw_sxtb16(w4), acc);
        acc = pw_smlad(x13, pw_sxtb16(pw_ror(w4, 8)), acc);
    }
#endif
    for (; i < n; i++) {
        acc += (x[i] - zp) * w[i];
    }
    return acc;
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
        for (int32_t u = 0; u < out_c; u++) {
            const int32_t co = reverse ? out_c - 1 - u : u;
            const int32_t acc = bias[co] + dot(src, weights + co * c, c, params->input_zp);
            dst[co] = pw_finish(acc, quant->multiplier[co], quant->shift[co], params, add, res ? res + co : 0);
        }
    }
    return PW_OK;
}
