/* TFLite Micro's int8 MEAN (reference_ops::Mean and QuantizedMeanOrSum), whole tensors. */
#include "pw_graph.h"
#include "pw_math.h"

/* ⌊log2 n⌋ for n > 0 (the 63 − CountLeadingZeros(n) of QuantizedMeanOrSum). */
static int32_t floor_log2(int32_t n)
{
    int32_t bits = 0;
    while (n > 1) {
        n >>= 1;
        bits++;
    }
    return bits;
}

pw_status pw_mean_s8(const pw_requant_params *rq, const pw_out_quant *oq, const pw_dims *in_dims,
                     const pw_dims *out_dims, const int8_t *in, int8_t *out)
{
    const int32_t kh = out_dims->h == 1 ? in_dims->h : 1;
    const int32_t kw = out_dims->w == 1 ? in_dims->w : 1;
    const int32_t n = kh * kw;
    const int32_t c = in_dims->c;
    /* Σ(x − zp) must fit an int32: 255·n < 2^31. A kept axis must keep its size. */
    if (n <= 0 || c <= 0 || n > 8421504 || out_dims->c != c || (kh == 1 && out_dims->h != in_dims->h) ||
        (kw == 1 && out_dims->w != in_dims->w)) {
        return PW_ERROR_ARGUMENT;
    }
    /*
     * 1/n goes into the multiplier, as TFLite Micro does it (rounding once, not twice): m·2^s / n
     * with s ≤ ⌊log2 n⌋ stays below 2^31, and s ≤ 31 + shift keeps the shift at −31 or above.
     */
    int32_t s = floor_log2(n);
    s = s < 32 ? s : 32;
    s = s < 31 + rq->shift ? s : 31 + rq->shift;
    const int32_t multiplier = (int32_t)(((int64_t)rq->multiplier << s) / n);
    const int32_t shift = rq->shift - s;
    for (int32_t oy = 0; oy < out_dims->h; oy++) {
        for (int32_t ox = 0; ox < out_dims->w; ox++) {
            for (int32_t ch = 0; ch < c; ch++) {
                /* A reduced axis has oy = 0, a kept one kh = 1: the window starts at (oy, ox) either way. */
                int32_t sum = 0;
                for (int32_t dy = 0; dy < kh; dy++) {
                    for (int32_t dx = 0; dx < kw; dx++) {
                        sum += in[((oy + dy) * in_dims->w + ox + dx) * c + ch];
                    }
                }
                const int32_t v = oq->zp + pw_requantize(sum - rq->input_zp * n, multiplier, shift);
                out[(oy * out_dims->w + ox) * c + ch] = (int8_t)pw_clamp(v, oq->act_min, oq->act_max);
            }
        }
    }
    return PW_OK;
}
