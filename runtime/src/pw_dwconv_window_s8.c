/* Depthwise convolution with a depth multiplier and any window, on regions (not in place). */
#include "pw_window.h"

pw_status pw_dwconv_window_s8(const pw_window_params *w, const pw_channel_quant *quant, const pw_dims *in_dims,
                              const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                              const pw_view *out)
{
    const int32_t in_c = in_dims->c;
    if (in_c <= 0 || out_c % in_c != 0) {
        return PW_ERROR_ARGUMENT;
    }
    const int32_t m = out_c / in_c;
    for (int32_t oy = out->y0; oy < out->y0 + out->rows; oy++) {
        for (int32_t ox = out->x0; ox < out->x0 + out->cols; ox++) {
            int8_t *dst = pw_at(out, oy, ox, out_c);
            for (int32_t co = 0; co < out_c; co++) {
                int32_t acc = bias[co];
                for (int32_t ky = 0; ky < w->k_h; ky++) {
                    const int32_t iy = oy * w->stride_h - w->pad_top + ky;
                    if (iy < 0 || iy >= in_dims->h) {
                        continue;
                    }
                    for (int32_t kx = 0; kx < w->k_w; kx++) {
                        const int32_t ix = ox * w->stride_w - w->pad_left + kx;
                        if (ix < 0 || ix >= in_dims->w) {
                            continue;
                        }
                        if (!pw_stored(in, iy, ix)) {
                            return PW_ERROR_REGION;
                        }
                        acc += (pw_at(in, iy, ix, in_c)[co / m] - w->input_zp) * weights[(ky * w->k_w + kx) * out_c + co];
                    }
                }
                dst[co] = pw_window_output(w, quant, co, acc);
            }
        }
    }
    return PW_OK;
}
