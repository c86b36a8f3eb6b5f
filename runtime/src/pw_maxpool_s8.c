/* Max pooling on regions (padding never wins). */
#include "pw_math.h"

pw_status pw_maxpool_s8(const pw_pool_params *params, const pw_dims *in_dims, const pw_view *in, const pw_view *out)
{
    const int32_t c = in_dims->c;
    const int32_t stride_w = params->stride_w > 0 ? params->stride_w : params->stride;
    const int32_t pad_w = params->stride_w > 0 ? params->pad_w : params->pad;
    for (int32_t oy = out->y0; oy < out->y0 + out->rows; oy++) {
        for (int32_t ox = out->x0; ox < out->x0 + out->cols; ox++) {
            int8_t *dst = pw_at(out, oy, ox, c);
            for (int32_t ch = 0; ch < c; ch++) {
                int32_t best = -128;
                for (int32_t ky = 0; ky < params->k_h; ky++) {
                    const int32_t iy = oy * params->stride - params->pad + ky;
                    if (iy < 0 || iy >= in_dims->h) {
                        continue;
                    }
                    for (int32_t kx = 0; kx < params->k_w; kx++) {
                        const int32_t ix = ox * stride_w - pad_w + kx;
                        if (ix < 0 || ix >= in_dims->w) {
                            continue;
                        }
                        if (iy < in->y0 || iy >= in->y0 + in->rows || ix < in->x0 || ix >= in->x0 + in->cols) {
                            return PW_ERROR_REGION;
                        }
                        const int32_t v = pw_at(in, iy, ix, c)[ch];
                        best = v > best ? v : best;
                    }
                }
                dst[ch] = (int8_t)pw_clamp(best, params->act_min, params->act_max);
            }
        }
    }
    return PW_OK;
}
