/* TFLite's MUL of two tensors (the SE scale: the second one pixel broadcast over H×W), on a region. */
#include "pw_graph.h"
#include "pw_math.h"

pw_status pw_mul_s8(const pw_mul_params *mul, const pw_out_quant *oq, int32_t c, const pw_view *a, const pw_view *b,
                    int32_t b_broadcast, const pw_view *out)
{
    if (c <= 0) {
        return PW_ERROR_ARGUMENT;
    }
    /* The requantization prepared once per call (pw_channel), the zero points and clamp in locals. */
    const pw_channel ch_quant = pw_channel_of(0, mul->multiplier, mul->shift);
    const int32_t a_zp = mul->a_zp, b_zp = mul->b_zp, zp = oq->zp, lo = oq->act_min, hi = oq->act_max;
    for (int32_t y = out->y0; y < out->y0 + out->rows; y++) {
        for (int32_t x = out->x0; x < out->x0 + out->cols; x++) {
            const int8_t *pa = pw_at(a, y, x, c);
            const int8_t *pb = b_broadcast ? b->data : pw_at(b, y, x, c);
            int8_t *po = pw_at(out, y, x, c);
            for (int32_t ch = 0; ch < c; ch++) {
                /* |product| ≤ 255·255: no overflow before the rescale. */
                const int32_t product = (pa[ch] - a_zp) * (pb[ch] - b_zp);
                const int32_t v = pw_requantize_channel(product, &ch_quant) + zp;
                po[ch] = (int8_t)pw_clamp(v, lo, hi);
            }
        }
    }
    return PW_OK;
}
