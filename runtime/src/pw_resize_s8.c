/*
 * Resizing with TFLite's rules. Nearest: the source coordinate (v + ½ with half-pixel centres)·scale
 * in float32, floored (or rounded half away from zero with align_corners), as TFLite computes it —
 * IEEE float32 steps, the same on the host and on the M7's single-precision FPU. Bilinear: TFLite's
 * ResizeBilinearInteger, positions in 1/1024 of an input pixel and weights in 1/2^20.
 */
#include "pw_graph.h"
#include "pw_math.h"

static int32_t nearest_index(int32_t v, int32_t n, int32_t m, const pw_resize_params *r)
{
    const float scale = (r->align_corners && m > 1) ? (float)(n - 1) / (float)(m - 1) : (float)n / (float)m;
    const float at = ((float)v + (r->half_pixel_centers ? 0.5f : 0.0f)) * scale;
    /* at ≥ 0: the cast floors; at − index is exact (both lie within one unit of each other). */
    int32_t index = (int32_t)at;
    if (r->align_corners && at - (float)index >= 0.5f) {
        index++;
    }
    return index < n - 1 ? index : n - 1;
}

/* Position ×1024 of output v along an axis and its lower and upper input neighbours. */
static void bilinear_axis(int32_t v, int32_t n, int32_t m, const pw_resize_params *r, int32_t *at, int32_t *lo, int32_t *hi)
{
    int32_t scale10 = (1024 * n + m / 2) / m;
    if (r->align_corners && m > 1) {
        scale10 = (1024 * (n - 1) + (m - 1) / 2) / (m - 1);
    }
    *at = r->half_pixel_centers ? v * scale10 + scale10 / 2 - 512 : v * scale10;
    const int32_t low = *at / 1024;
    const int32_t high = (*at + 1023) / 1024;
    *lo = low > 0 ? low : 0;
    *hi = high < n - 1 ? high : n - 1;
}

static void bilinear_pixel(const pw_dims *i, const int8_t *in, int32_t ay, int32_t y0, int32_t y1, int32_t ax, int32_t x0,
                           int32_t x1, int8_t *dst)
{
    const int32_t fy = ay - 1024 * y0;
    const int32_t fx = ax - 1024 * x0;
    const int8_t *p00 = in + (y0 * i->w + x0) * i->c;
    const int8_t *p10 = in + (y1 * i->w + x0) * i->c;
    const int8_t *p01 = in + (y0 * i->w + x1) * i->c;
    const int8_t *p11 = in + (y1 * i->w + x1) * i->c;
    for (int32_t ch = 0; ch < i->c; ch++) {
        /* Each term is below 2^7·2^20, the sum below 2^29: int64 as TFLite keeps it, to be safe. */
        const int64_t sum = (int64_t)p00[ch] * (1024 - fy) * (1024 - fx) + (int64_t)p10[ch] * fy * (1024 - fx) +
                            (int64_t)p01[ch] * (1024 - fy) * fx + (int64_t)p11[ch] * fy * fx;
        const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
        dst[ch] = (int8_t)pw_clamp((int32_t)((sum + round) / (1 << 20)), -128, 127);
    }
}

pw_status pw_resize_s8(const pw_resize_params *resize, const pw_dims *in_dims, const pw_dims *out_dims, const int8_t *in,
                       int8_t *out)
{
    const pw_dims *i = in_dims;
    if (i->c != out_dims->c || i->h <= 0 || i->w <= 0 || i->h > 1000000 || i->w > 1000000) {
        return PW_ERROR_ARGUMENT;
    }
    for (int32_t y = 0; y < out_dims->h; y++) {
        for (int32_t x = 0; x < out_dims->w; x++) {
            int8_t *dst = out + (y * out_dims->w + x) * i->c;
            if (!resize->bilinear) {
                const int32_t sy = nearest_index(y, i->h, out_dims->h, resize);
                const int32_t sx = nearest_index(x, i->w, out_dims->w, resize);
                memcpy(dst, in + (sy * i->w + sx) * i->c, (size_t)i->c);
                continue;
            }
            int32_t ay, y0, y1, ax, x0, x1;
            bilinear_axis(y, i->h, out_dims->h, resize, &ay, &y0, &y1);
            bilinear_axis(x, i->w, out_dims->w, resize, &ax, &x0, &x1);
            bilinear_pixel(i, in, ay, y0, y1, ax, x0, x1, dst);
        }
    }
    return PW_OK;
}
