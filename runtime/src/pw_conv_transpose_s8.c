/*
 * Transposed convolution, gathering rather than scattering (no int32 output buffer): output row oy
 * receives input row iy through kernel row ky when iy·stride − pad + ky = oy.
 */
#include "pw_window.h"

pw_status pw_conv_transpose_s8(const pw_window_params *w, const pw_channel_quant *quant, const pw_dims *in_dims,
                               const int8_t *in, const int8_t *weights, const int32_t *bias, const pw_dims *out_dims,
                               int8_t *out)
{
    const int32_t in_c = in_dims->c;
    const int32_t out_c = out_dims->c;
    if (w->stride_h <= 0 || w->stride_w <= 0) {
        return PW_ERROR_ARGUMENT;
    }
    for (int32_t oy = 0; oy < out_dims->h; oy++) {
        for (int32_t ox = 0; ox < out_dims->w; ox++) {
            int8_t *dst = out + (oy * out_dims->w + ox) * out_c;
            for (int32_t co = 0; co < out_c; co++) {
                int32_t acc = bias[co];
                for (int32_t ky = 0; ky < w->k_h; ky++) {
                    const int32_t ty = oy + w->pad_top - ky;
                    if (ty < 0 || ty % w->stride_h != 0 || ty / w->stride_h >= in_dims->h) {
                        continue;
                    }
                    for (int32_t kx = 0; kx < w->k_w; kx++) {
                        const int32_t tx = ox + w->pad_left - kx;
                        if (tx < 0 || tx % w->stride_w != 0 || tx / w->stride_w >= in_dims->w) {
                            continue;
                        }
                        const int8_t *x = in + ((ty / w->stride_h) * in_dims->w + tx / w->stride_w) * in_c;
                        const int8_t *k = weights + ((co * w->k_h + ky) * w->k_w + kx) * in_c;
                        for (int32_t ci = 0; ci < in_c; ci++) {
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
