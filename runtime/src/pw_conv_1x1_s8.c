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
    /* Everything the loops read, in locals: an int8 store may alias any memory, so fields read
     * through pointers would be loaded again after every output byte. */
    const int32_t c = in_dims->c;
    const int32_t stride = params->stride;
    const int32_t zp = params->input_zp;
    const pw_output o = pw_output_of(params, add);
    const int32_t *multiplier = quant->multiplier;
    const int32_t *shift = quant->shift;
    const int32_t in_y0 = in->y0, in_x0 = in->x0, in_rows = in->rows, in_cols = in->cols, in_stride = in->row_stride;
    const int8_t *in_data = in->data;
    const int32_t oy0 = out->y0, ox0 = out->x0, rows = out->rows, cols = out->cols, out_stride = out->row_stride;
    int8_t *out_data = out->data;
    const int8_t *res_data = residual ? residual->data : 0;
    const int32_t res_y0 = residual ? residual->y0 : 0, res_x0 = residual ? residual->x0 : 0, res_stride = residual ? residual->row_stride : 0;
    const int reverse = pw_reverse_order(out, residual);
    if (oy0 * stride < in_y0 || (oy0 + rows - 1) * stride >= in_y0 + in_rows || ox0 * stride < in_x0 || (ox0 + cols - 1) * stride >= in_x0 + in_cols) {
        return PW_ERROR_REGION;
    }
    for (int32_t r = 0; r < rows; r++) {
        const int32_t oy = reverse ? oy0 + rows - 1 - r : oy0 + r;
        for (int32_t q = 0; q < cols; q++) {
            const int32_t ox = reverse ? ox0 + cols - 1 - q : ox0 + q;
            const int8_t *src = in_data + (oy * stride - in_y0) * in_stride + (ox * stride - in_x0) * c;
            int8_t *dst = out_data + (oy - oy0) * out_stride + (ox - ox0) * out_c;
            const int8_t *res = res_data ? res_data + (oy - res_y0) * res_stride + (ox - res_x0) * out_c : 0;
            /* Pairs of channels (the last one alone when out_c is odd), written in the run's direction. */
            for (int32_t u = 0; u < out_c; u += 2) {
                const int32_t first = reverse ? out_c - 1 - u : u;
                const int32_t second = reverse ? first - 1 : first + 1;
                const int pair = u + 1 < out_c;
                int32_t acc_first;
                int32_t acc_second;
                dot2(src, weights + first * c, weights + (pair ? second : first) * c, c, zp, &acc_first, &acc_second);
                dst[first] = pw_finish(bias[first] + acc_first, multiplier[first], shift[first], o, res ? res + first : 0);
                if (pair) {
                    dst[second] = pw_finish(bias[second] + acc_second, multiplier[second], shift[second], o, res ? res + second : 0);
                }
            }
        }
    }
    return PW_OK;
}
