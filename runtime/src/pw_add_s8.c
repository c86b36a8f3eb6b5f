/* TFLite's ADD of two live tensors, each with its own scale, on a region. */
#include "pw_graph.h"
#include "pw_math.h"

pw_status pw_add_s8(const pw_add_params *add, const pw_out_quant *oq, int32_t c, const pw_view *a, const pw_view *b,
                    int32_t b_broadcast, const pw_view *out)
{
    if (c <= 0 || add->left_shift < 0 || add->left_shift > 20) {
        return PW_ERROR_ARGUMENT;
    }
    /* Its three requantizations prepared once per call (the fused add's fast form), the clamp in locals. */
    const pw_add_prepared prepared = pw_add_prepare(add);
    const int32_t zp = oq->zp, lo = oq->act_min, hi = oq->act_max;
    for (int32_t y = out->y0; y < out->y0 + out->rows; y++) {
        for (int32_t x = out->x0; x < out->x0 + out->cols; x++) {
            const int8_t *pa = pw_at(a, y, x, c);
            const int8_t *pb = b_broadcast ? b->data : pw_at(b, y, x, c);
            int8_t *po = pw_at(out, y, x, c);
            for (int32_t ch = 0; ch < c; ch++) {
                /* Read both before the write: `out` may be `a` (in place). */
                const int32_t sum = pw_add_prepared_element(&prepared, pa[ch], pb[ch], zp);
                po[ch] = (int8_t)pw_clamp(sum, lo, hi);
            }
        }
    }
    return PW_OK;
}
