/* One source of a concatenation along channels, copied or requantized into its channel slice. */
#include "pw_graph.h"
#include "pw_math.h"

pw_status pw_concat_s8(const pw_requant_params *rq, int32_t in_c, const pw_view *in, int32_t out_c, int32_t offset,
                       const pw_view *out)
{
    if (in_c <= 0 || offset < 0 || offset + in_c > out_c) {
        return PW_ERROR_ARGUMENT;
    }
    for (int32_t y = out->y0; y < out->y0 + out->rows; y++) {
        for (int32_t x = out->x0; x < out->x0 + out->cols; x++) {
            const int8_t *src = pw_at(in, y, x, in_c);
            int8_t *dst = pw_at(out, y, x, out_c) + offset;
            if (rq == 0) {
                memmove(dst, src, (size_t)in_c);
                continue;
            }
            for (int32_t ch = 0; ch < in_c; ch++) {
                const int32_t v = rq->output_zp + pw_requantize(src[ch] - rq->input_zp, rq->multiplier, rq->shift);
                dst[ch] = (int8_t)pw_clamp(v, -128, 127);
            }
        }
    }
    return PW_OK;
}
