/*
 * Fully connected layer on a flattened int8 tensor, its weights stored as int16 (pw_nn.h): for
 * small layers, where the weights' sign extension would be a third of the work.
 */
#include "pw_dsp.h"
#include "pw_math.h"

/* The kernel once per requantization rule: the same source, each instance its own function. */
#define PW_KERNEL fc_wide_fixed
#define PW_PREPARE pw_channel_of
#define PW_SCALE pw_requantize_channel
#include "pw_fc_wide_s8_body.h"

#if PW_FLOAT_RULE
#define PW_KERNEL fc_wide_float
#define PW_PREPARE pw_channel_of_float
#define PW_SCALE pw_requantize_float_channel
#include "pw_fc_wide_s8_body.h"
#endif

pw_status pw_fc_wide_s8(const pw_conv_params *params, const pw_channel_quant *quant, int32_t in_n, const int8_t *in,
                        const uint32_t *weights, const int32_t *bias, int32_t out_n, int8_t *out)
{
    if (quant->rule == PW_RULE_FLOAT) {
#if PW_FLOAT_RULE
        return fc_wide_float(params, quant, in_n, in, weights, bias, out_n, out);
#else
        return PW_ERROR_ARGUMENT;
#endif
    }
    return fc_wide_fixed(params, quant, in_n, in, weights, bias, out_n, out);
}
