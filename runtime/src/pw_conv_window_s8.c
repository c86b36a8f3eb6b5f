/*
 * Convolution with any window and groups, on regions: the general path for what the specialised
 * kernels do not cover (k > 7, non-square kernels or strides, grouped convolutions).
 */
#include "pw_window.h"

pw_status pw_conv_window_s8(const pw_window_params *w, const pw_channel_quant *quant, int32_t groups, const pw_dims *in_dims,
                            const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c, const pw_view *out)
{
    const int32_t in_c = in_dims->c;
    if (groups <= 0 || in_c % groups != 0 || out_c % groups != 0) {
        return PW_ERROR_ARGUMENT;
    }
    const int32_t group_in = in_c / groups;
    const int32_t group_out = out_c / groups;
    for (int32_t oy = out->y0; oy < out->y0 + out->rows; oy++) {
        for (int32_t ox = out->x0; ox < out->x0 + out->cols; ox++) {
            int8_t *dst = pw_at(out, oy, ox, out_c);
            for (int32_t co = 0; co < out_c; co++) {
                const int32_t first_in = (co / group_out) * group_in;
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
                        const int8_t *x = pw_at(in, iy, ix, in_c) + first_in;
                        const int8_t *k = weights + ((co * w->k_h + ky) * w->k_w + kx) * group_in;
                        for (int32_t ci = 0; ci < group_in; ci++) {
                            acc += (x[ci] - w->input_zp) * k[ci];
                        }
                    }
                }
                dst[co] = pw_window_output(w, quant, co, acc);
            }
        }
    }
    return PW_OK;
}
