/*
 * Depthwise convolution on regions, in place. Channel c of the input region is copied to the
 * buffer, then channel c of the output is written: when output and input share their first (or
 * last) byte, with strides that are multiples of the channel count, an output byte of channel c
 * lands only on input bytes of channel c, which are already in the buffer.
 */
#include "pw_math.h"

int32_t pw_dwconv_s8_get_buffer_size(int32_t rows, int32_t cols)
{
    return rows * cols;
}

pw_status pw_dwconv_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                       const pw_view *in, const int8_t *weights, const int32_t *bias,
                       const pw_add_params *add, const pw_view *residual, const pw_view *out, int8_t *buffer)
{
    const int32_t k = params->k;
    const int32_t s = params->stride;
    const int32_t c = in_dims->c;
    if (k < 1 || k > 7 || s < 1 || (add != 0) != (residual != 0)) {
        return PW_ERROR_ARGUMENT;
    }
    /* Every input pixel a window reaches inside the tensor must be stored. */
    const int32_t first_y = out->y0 * s - params->pad;
    const int32_t last_y = (out->y0 + out->rows - 1) * s - params->pad + k - 1;
    const int32_t first_x = out->x0 * s - params->pad;
    const int32_t last_x = (out->x0 + out->cols - 1) * s - params->pad + k - 1;
    if ((first_y > 0 ? first_y : 0) < in->y0 || (last_y < in_dims->h - 1 ? last_y : in_dims->h - 1) >= in->y0 + in->rows ||
        (first_x > 0 ? first_x : 0) < in->x0 || (last_x < in_dims->w - 1 ? last_x : in_dims->w - 1) >= in->x0 + in->cols) {
        return PW_ERROR_REGION;
    }
    const int reverse = pw_reverse_order(out, residual);
    const int32_t pixels = out->rows * out->cols;
    for (int32_t ch = 0; ch < c; ch++) {
        for (int32_t r = 0; r < in->rows; r++) {
            const int8_t *src = in->data + r * in->row_stride + ch;
            int8_t *dst = buffer + r * in->cols;
            for (int32_t q = 0; q < in->cols; q++) {
                dst[q] = src[q * c];
            }
        }
        /* This channel's taps, contiguous, and their sum: Σ(x − zp)·w = Σx·w − zp·Σw inside. */
        int32_t w[49];
        int32_t wsum = 0;
        for (int32_t t = 0; t < k * k; t++) {
            w[t] = weights[t * c + ch];
            wsum += w[t];
        }
        const int32_t base = bias[ch] - params->input_zp * wsum;
        for (int32_t t = 0; t < pixels; t++) {
            /* Channel ch's bytes are only ever written over channel ch's: order matters per channel. */
            const int32_t i = reverse ? pixels - 1 - t : t;
            const int32_t oy = out->y0 + i / out->cols;
            const int32_t ox = out->x0 + i % out->cols;
            const int32_t iy0 = oy * s - params->pad;
            const int32_t ix0 = ox * s - params->pad;
            int32_t acc;
            if (iy0 >= 0 && ix0 >= 0 && iy0 + k <= in_dims->h && ix0 + k <= in_dims->w) {
                /* Interior: every tap is inside the tensor, so no padding and no checks. */
                const int8_t *row = buffer + (iy0 - in->y0) * in->cols + (ix0 - in->x0);
                acc = base;
                if (k == 3) {
                    const int8_t *r1 = row + in->cols;
                    const int8_t *r2 = r1 + in->cols;
                    acc += row[0] * w[0] + row[1] * w[1] + row[2] * w[2] + r1[0] * w[3] + r1[1] * w[4] + r1[2] * w[5] + r2[0] * w[6] + r2[1] * w[7] + r2[2] * w[8];
                } else {
                    for (int32_t ky = 0; ky < k; ky++, row += in->cols) {
                        for (int32_t kx = 0; kx < k; kx++) {
                            acc += row[kx] * w[ky * k + kx];
                        }
                    }
                }
            } else {
                acc = bias[ch];
                for (int32_t ky = 0; ky < k; ky++) {
                    const int32_t iy = iy0 + ky;
                    if (iy < 0 || iy >= in_dims->h) {
                        continue;
                    }
                    const int8_t *row = buffer + (iy - in->y0) * in->cols;
                    for (int32_t kx = 0; kx < k; kx++) {
                        const int32_t ix = ix0 + kx;
                        if (ix >= 0 && ix < in_dims->w) {
                            acc += (row[ix - in->x0] - params->input_zp) * w[ky * k + kx];
                        }
                    }
                }
            }
            const int8_t *res = residual ? pw_at(residual, oy, ox, c) + ch : 0;
            pw_at(out, oy, ox, c)[ch] = pw_finish(acc, quant->multiplier[ch], quant->shift[ch], params, add, res);
        }
    }
    return PW_OK;
}
