/* One source of a concatenation along channels, copied or requantized into its channel slice. */
#include "pw_graph.h"
#include "pw_math.h"

pw_status pw_concat_s8(const pw_requant_params *rq, int32_t in_c, const pw_view *in, int32_t out_c, int32_t offset,
                       const pw_view *out)
{
    if (in_c <= 0 || offset < 0 || offset + in_c > out_c) {
        return PW_ERROR_ARGUMENT;
    }
    /* A source with other parameters: its requantization prepared once per call (pw_channel). */
    const pw_channel ch_quant = rq ? pw_channel_of(0, rq->multiplier, rq->shift) : pw_channel_of(0, 1 << 30, 1);
    const int32_t in_zp = rq ? rq->input_zp : 0, out_zp = rq ? rq->output_zp : 0;
    for (int32_t y = out->y0; y < out->y0 + out->rows; y++) {
        for (int32_t x = out->x0; x < out->x0 + out->cols; x++) {
            const int8_t *src = pw_at(in, y, x, in_c);
            int8_t *dst = pw_at(out, y, x, out_c) + offset;
            if (rq == 0) {
                memmove(dst, src, (size_t)in_c);
                continue;
            }
            for (int32_t ch = 0; ch < in_c; ch++) {
                const int32_t v = out_zp + pw_requantize_channel(src[ch] - in_zp, &ch_quant);
                dst[ch] = (int8_t)pw_clamp(v, -128, 127);
            }
        }
    }
    return PW_OK;
}
