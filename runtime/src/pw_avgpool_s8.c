/* Average pooling on regions; the whole map for global pooling. TFLite's rounding. */
#include <string.h>
#include "pw_dsp.h"
#include "pw_math.h"

/*
 * Half away from zero, with C's truncating division, as TFLite's AveragePool; then the clamp
 * [lo, hi] (its bounds passed as values: read through the parameters, they cost a third of the
 * work on a 3×3 map).
 */
static inline int8_t average(int32_t sum, int32_t count, int32_t lo, int32_t hi)
{
    if (count > 0) {
        sum = (sum + (sum > 0 ? count / 2 : -(count / 2))) / count;
    }
    return (int8_t)pw_clamp(sum, lo, hi);
}

/*
 * ONNX's rule, as onnxruntime's QDQ path runs an average (QLinearGlobalAveragePool): Σ(x − zp) times
 * the float32 s / (s·n), rounded half to even. That multiplier is not 1/n exactly, so an exact tie
 * goes the way its rounding says.
 */
static int8_t average_onnx(int32_t sum, int32_t count, const pw_pool_params *params)
{
    if (count <= 0) {
        return (int8_t)pw_clamp(params->zp, params->act_min, params->act_max);
    }
    float s;
    memcpy(&s, &params->scale_bits, sizeof s);
    const float multiplier = s / (s * (float)count);
    const int32_t v = pw_requantize_float(sum - count * params->zp, multiplier) + params->zp;
    return (int8_t)pw_clamp(v, params->act_min, params->act_max);
}

static inline int8_t pool_average(int32_t sum, int32_t count, int32_t lo, int32_t hi, const pw_pool_params *params)
{
    return params->onnx_rule ? average_onnx(sum, count, params) : average(sum, count, lo, hi);
}

/*
 * Global pooling of a map stored whole (the window is the map, no padding): each channel's sum
 * over its pixels, four channels a pass on the DSP path: a word a pixel, its bytes sign-extended in
 * pairs (SXTB16) and summed in int16 lanes (SADD16); 256 int8 values cannot leave an int16, so the
 * lanes go to the int32 sums every 256 pixels. Instantiated once per rule (`onnx` a constant), so
 * that the rule is not tested per channel.
 */
PW_ALWAYS_INLINE void global_pool_rule(const pw_pool_params *params, const pw_dims *in_dims, const pw_view *in, int8_t *dst, int onnx)
{
    const int32_t c = in_dims->c, w = in_dims->w, h = in_dims->h;
    /* Rows stored back to back are one run of pixels. */
    const int32_t runs = in->row_stride == w * c ? 1 : h;
    const int32_t run_pixels = runs == 1 ? h * w : w;
    const int32_t count = h * w, lo = params->act_min, hi = params->act_max;
    int32_t ch = 0;
#if PW_USE_DSP
    for (; ch + 4 <= c; ch += 4) {
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int32_t r = 0; r < runs; r++) {
            const int8_t *p = in->data + r * in->row_stride + ch;
            for (int32_t left = run_pixels; left > 0;) {
                const int32_t m = left < 256 ? left : 256;
                uint32_t even = 0, odd = 0;
                for (int32_t i = 0; i < m; i++, p += c) {
                    const uint32_t v = pw_read4(p);
                    even = pw_sadd16(even, pw_sxtb16(v));
                    odd = pw_sadd16(odd, pw_sxtb16_ror8(v));
                }
                s0 += (int16_t)(even & 0xffffu);
                s1 += (int16_t)(odd & 0xffffu);
                s2 += (int16_t)(even >> 16);
                s3 += (int16_t)(odd >> 16);
                left -= m;
            }
        }
        dst[ch] = onnx ? average_onnx(s0, count, params) : average(s0, count, lo, hi);
        dst[ch + 1] = onnx ? average_onnx(s1, count, params) : average(s1, count, lo, hi);
        dst[ch + 2] = onnx ? average_onnx(s2, count, params) : average(s2, count, lo, hi);
        dst[ch + 3] = onnx ? average_onnx(s3, count, params) : average(s3, count, lo, hi);
    }
#endif
    for (; ch < c; ch++) {
        int32_t sum = 0;
        for (int32_t r = 0; r < runs; r++) {
            const int8_t *p = in->data + r * in->row_stride + ch;
            for (int32_t i = 0; i < run_pixels; i++, p += c) {
                sum += *p;
            }
        }
        dst[ch] = onnx ? average_onnx(sum, count, params) : average(sum, count, lo, hi);
    }
}

/* The generic path's per-element window tests cost 5.7× CMSIS-NN's pooling on mobilenet's 5×5×448. */
static void global_pool(const pw_pool_params *params, const pw_dims *in_dims, const pw_view *in, int8_t *dst)
{
    if (params->onnx_rule) {
        global_pool_rule(params, in_dims, in, dst, 1);
    } else {
        global_pool_rule(params, in_dims, in, dst, 0);
    }
}

pw_status pw_avgpool_s8(const pw_pool_params *params, const pw_dims *in_dims, const pw_view *in, const pw_view *out)
{
    const int32_t c = in_dims->c;
    const int whole = in->y0 == 0 && in->x0 == 0 && in->rows == in_dims->h && in->cols == in_dims->w;
    const int32_t stride_w = params->stride_w > 0 ? params->stride_w : params->stride;
    const int32_t pad_w = params->stride_w > 0 ? params->pad_w : params->pad;
    if (params->k_h == in_dims->h && params->k_w == in_dims->w && params->pad == 0 && pad_w == 0 && whole && out->rows == 1 && out->cols == 1 &&
        out->y0 == 0 && out->x0 == 0) {
        global_pool(params, in_dims, in, out->data);
        return PW_OK;
    }
    for (int32_t oy = out->y0; oy < out->y0 + out->rows; oy++) {
        for (int32_t ox = out->x0; ox < out->x0 + out->cols; ox++) {
            int8_t *dst = pw_at(out, oy, ox, c);
            for (int32_t ch = 0; ch < c; ch++) {
                int32_t sum = 0;
                int32_t count = 0;
                for (int32_t ky = 0; ky < params->k_h; ky++) {
                    const int32_t iy = oy * params->stride - params->pad + ky;
                    if (iy < 0 || iy >= in_dims->h) {
                        continue;
                    }
                    for (int32_t kx = 0; kx < params->k_w; kx++) {
                        const int32_t ix = ox * stride_w - pad_w + kx;
                        if (ix < 0 || ix >= in_dims->w) {
                            continue;
                        }
                        if (iy < in->y0 || iy >= in->y0 + in->rows || ix < in->x0 || ix >= in->x0 + in->cols) {
                            return PW_ERROR_REGION;
                        }
                        sum += pw_at(in, iy, ix, c)[ch];
                        count++;
                    }
                }
                dst[ch] = pool_average(sum, count, params->act_min, params->act_max, params);
            }
        }
    }
    return PW_OK;
}
