/* Elementwise activation with a 256-entry table per channel (PRelu with a slope per channel). */
#include "pw_graph.h"
#include "pw_math.h"

pw_status pw_lut_channels_s8(const int8_t *tables, int32_t c, const pw_view *in, const pw_view *out)
{
    if (c <= 0 || tables == 0) {
        return PW_ERROR_ARGUMENT;
    }
    for (int32_t y = out->y0; y < out->y0 + out->rows; y++) {
        const int8_t *src = pw_at(in, y, out->x0, c);
        int8_t *dst = pw_at(out, y, out->x0, c);
        for (int32_t x = 0; x < out->cols; x++) {
            /* Channel ch's table starts at tables + 256·ch; its entry for v is at v + 128. */
            const int8_t *table = tables + 128;
            for (int32_t ch = 0; ch < c; ch++, table += 256) {
                dst[ch] = table[src[ch]];
            }
            src += c;
            dst += c;
        }
    }
    return PW_OK;
}
