/* Explicit padding with a constant (the zero point: real 0), on an output region. */
#include "pw_graph.h"
#include "pw_math.h"

pw_status pw_pad_s8(const pw_pad_params *pad, const pw_dims *in_dims, const pw_view *in, const pw_view *out)
{
    const int32_t c = in_dims->c;
    for (int32_t y = out->y0; y < out->y0 + out->rows; y++) {
        const int32_t iy = y - pad->top;
        for (int32_t x = out->x0; x < out->x0 + out->cols; x++) {
            const int32_t ix = x - pad->left;
            int8_t *dst = pw_at(out, y, x, c);
            if (iy < 0 || iy >= in_dims->h || ix < 0 || ix >= in_dims->w) {
                memset(dst, pad->value, (size_t)c);
                continue;
            }
            if (iy < in->y0 || iy >= in->y0 + in->rows || ix < in->x0 || ix >= in->x0 + in->cols) {
                return PW_ERROR_REGION;
            }
            memcpy(dst, pw_at(in, iy, ix, c), (size_t)c);
        }
    }
    return PW_OK;
}
