/* Elementwise activation through a 256-entry table built at generation time (HardSwish, Sigmoid…). */
#include "pw_graph.h"
#include "pw_math.h"

pw_status pw_lut_s8(const int8_t *table, int32_t c, const pw_view *in, const pw_view *out)
{
    if (c <= 0 || table == 0) {
        return PW_ERROR_ARGUMENT;
    }
    for (int32_t y = out->y0; y < out->y0 + out->rows; y++) {
        const int32_t n = out->cols * c;
        const int8_t *src = pw_at(in, y, out->x0, c);
        int8_t *dst = pw_at(out, y, out->x0, c);
        for (int32_t i = 0; i < n; i++) {
            dst[i] = table[src[i] + 128];
        }
    }
    return PW_OK;
}
