/* TFLite's MEAN over H×W (reference_integer_ops::Mean), whole tensors. */
#include "pw_graph.h"
#include "pw_math.h"

pw_status pw_mean_s8(const pw_requant_params *rq, const pw_out_quant *oq, const pw_dims *in_dims, const int8_t *in,
                     int8_t *out)
{
    const int32_t n = in_dims->h * in_dims->w;
    const int32_t c = in_dims->c;
    /* Σ(x − zp) must fit an int32 before the rescale: 255·n < 2^31. */
    if (n <= 0 || c <= 0 || n > 8421504) {
        return PW_ERROR_ARGUMENT;
    }
    for (int32_t ch = 0; ch < c; ch++) {
        int32_t acc = 0;
        for (int32_t p = 0; p < n; p++) {
            acc += in[p * c + ch] - rq->input_zp;
        }
        acc = pw_requantize(acc, rq->multiplier, rq->shift);
        /* C division truncates: adding ±n/2 first rounds half away from zero. */
        acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
        out[ch] = (int8_t)pw_clamp(acc + oq->zp, oq->act_min, oq->act_max);
    }
    return PW_OK;
}
