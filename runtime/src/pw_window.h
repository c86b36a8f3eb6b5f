/* Helpers of the any-window kernels (pw_conv_window_s8, pw_dwconv_window_s8, pw_conv_transpose_s8). */
#ifndef PW_WINDOW_H
#define PW_WINDOW_H

#include "pw_graph.h"
#include "pw_math.h"

/* One output channel's accumulator (bias included) to the output byte, under the layer's rule. */
static inline int8_t pw_window_output(const pw_window_params *w, const pw_channel_quant *q, int32_t ch, int32_t acc)
{
    int32_t scaled;
    if (q->rule == PW_RULE_FLOAT) {
        float scale;
        memcpy(&scale, &q->multiplier[ch], sizeof scale);
        scaled = pw_requantize_float(acc, scale);
    } else {
        scaled = pw_requantize(acc, q->multiplier[ch], q->shift[ch]);
    }
    return (int8_t)pw_clamp(scaled + w->output_zp, w->act_min, w->act_max);
}

/* Whether input pixel (iy, ix) of the full tensor is inside the stored region. */
static inline int pw_stored(const pw_view *in, int32_t iy, int32_t ix)
{
    return iy >= in->y0 && iy < in->y0 + in->rows && ix >= in->x0 && ix < in->x0 + in->cols;
}

#endif /* PW_WINDOW_H */
