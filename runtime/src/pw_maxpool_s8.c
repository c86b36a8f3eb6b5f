/* Max pooling on regions (padding never wins). */
#include "pw_math.h"

pw_status pw_maxpool_s8(const pw_pool_params *params, const pw_dims *in_dims, const pw_view *in, const pw_view *out)
{
    const int32_t c = in_dims->c;
    const int32_t stride_w = params->stride_w > 0 ? params->stride_w : params->stride;
    const int32_t pad_w = params->stride_w > 0 ? params->pad_w : params->pad;
    const int32_t lo = params->act_min, hi = params->act_max;
    for (int32_t oy = out->y0; oy < out->y0 + out->rows; oy++) {
        /* The window's rows inside the tensor (padding rows are left out: they never win). */
        const int32_t iy0 = oy * params->stride - params->pad;
        const int32_t ky0 = iy0 < 0 ? -iy0 : 0;
        const int32_t ky1 = iy0 + params->k_h > in_dims->h ? in_dims->h - iy0 : params->k_h;
        for (int32_t ox = out->x0; ox < out->x0 + out->cols; ox++) {
            const int32_t ix0 = ox * stride_w - pad_w;
            const int32_t kx0 = ix0 < 0 ? -ix0 : 0;
            const int32_t kx1 = ix0 + params->k_w > in_dims->w ? in_dims->w - ix0 : params->k_w;
            int8_t *dst = pw_at(out, oy, ox, c);
            if (ky0 >= ky1 || kx0 >= kx1) {
                /* A window of padding alone: −128, clamped. */
                for (int32_t ch = 0; ch < c; ch++) {
                    dst[ch] = (int8_t)pw_clamp(-128, lo, hi);
                }
                continue;
            }
            /* The window's taps inside the tensor must be stored: checked once, not per element. */
            if (iy0 + ky0 < in->y0 || iy0 + ky1 > in->y0 + in->rows || ix0 + kx0 < in->x0 || ix0 + kx1 > in->x0 + in->cols) {
                return PW_ERROR_REGION;
            }
            const int8_t *first = pw_at(in, iy0 + ky0, ix0 + kx0, c);
            const int32_t rows = ky1 - ky0, cols = kx1 - kx0;
            /* Every tap of a channel read before its byte is written, as the output may share the input's storage. */
            for (int32_t ch = 0; ch < c; ch++) {
                int32_t best = -128;
                const int8_t *row = first + ch;
                for (int32_t r = 0; r < rows; r++, row += in->row_stride) {
                    for (int32_t k = 0; k < cols; k++) {
                        const int32_t v = row[k * c];
                        best = v > best ? v : best;
                    }
                }
                dst[ch] = (int8_t)pw_clamp(best, lo, hi);
            }
        }
    }
    return PW_OK;
}
