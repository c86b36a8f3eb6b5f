/* onnxruntime's float Mul of two dequantized tensors, quantized again (the SE scale of a QDQ model). */
#include <string.h>
#include "pw_graph.h"
#include "pw_math.h"

#if PW_FLOAT_RULE
static float pw_float_of(int32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

pw_status pw_mul_float_s8(const pw_mul_float_params *mul, const pw_out_quant *oq, int32_t c, const pw_view *a,
                          const pw_view *b, int32_t b_broadcast, const pw_view *out)
{
    const float sa = pw_float_of(mul->a_scale_bits);
    const float sb = pw_float_of(mul->b_scale_bits);
    const float so = pw_float_of(mul->out_scale_bits);
    if (c <= 0 || !(so > 0.0f)) {
        return PW_ERROR_ARGUMENT;
    }
    for (int32_t y = out->y0; y < out->y0 + out->rows; y++) {
        for (int32_t x = out->x0; x < out->x0 + out->cols; x++) {
            const int8_t *pa = pw_at(a, y, x, c);
            const int8_t *pb = b_broadcast ? b->data : pw_at(b, y, x, c);
            int8_t *po = pw_at(out, y, x, c);
            for (int32_t ch = 0; ch < c; ch++) {
                /* Each step one float32 rounding, in onnxruntime's order: DequantizeLinear, Mul, QuantizeLinear's division. */
                const float fa = (float)(pa[ch] - mul->a_zp) * sa;
                const float fb = (float)(pb[ch] - mul->b_zp) * sb;
                const float product = fa * fb;
                const float q = product / so;
                /* Rounded half to even, as QuantizeLinear's conversion rounds. */
                const int32_t v = pw_round_half_even(q) + oq->zp;
                po[ch] = (int8_t)pw_clamp(v, oq->act_min, oq->act_max);
            }
        }
    }
    return PW_OK;
}
#else
/* Left out of builds with no layer under ONNX's rule (see pw_math.h). */
typedef int pw_mul_float_unused;
#endif
