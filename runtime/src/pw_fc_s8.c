/* Fully connected layer on a flattened int8 tensor. */
#include "pw_dsp.h"
#include "pw_math.h"

pw_status pw_fc_s8(const pw_conv_params *params, const pw_channel_quant *quant, int32_t in_n, const int8_t *in,
                   const int8_t *weights, const int32_t *bias, int32_t out_n, int8_t *out)
{
    const int32_t zp = params->input_zp;
    const pw_output output = pw_output_of(params, 0);
    for (int32_t o = 0; o < out_n; o++) {
        const int8_t *w = weights + o * in_n;
        int32_t acc = bias[o];
        int32_t i = 0;
#if PW_USE_DSP
        const uint32_t offset = pw_dup16(-zp);
        for (; i + 4 <= in_n; i += 4) {
            const uint32_t x4 = pw_read4(in + i);
            const uint32_t w4 = pw_read4(w + i);
            acc = pw_smlad(pw_sadd16(pw_sxtb16(x4), offset), pw_sxtb16(w4), acc);
            acc = pw_smlad(pw_sadd16(pw_sxtb16(pw_ror(x4, 8)), offset), pw_sxtb16(pw_ror(w4, 8)), acc);
        }
#endif
        for (; i < in_n; i++) {
            acc += (in[i] - zp) * w[i];
        }
        out[o] = pw_finish(acc, quant->multiplier[o], quant->shift[o], output, 0);
    }
    return PW_OK;
}
