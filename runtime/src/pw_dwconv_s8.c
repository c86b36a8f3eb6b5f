/*
 * Depthwise convolution on regions, in place. Channel c of the input region is copied to the
 * buffer, then channel c of the output is written: when output and input share their first (or
 * last) byte, with strides that are multiples of the channel count, an output byte of channel c
 * lands only on input bytes of channel c, which are already in the buffer.
 */
#include "pw_dsp.h"
#include "pw_math.h"

int32_t pw_dwconv_s8_get_buffer_size(int32_t rows, int32_t cols)
{
    return rows * cols;
}

/* The kernel once per requantization rule: the same source, each instance its own function. */
#define PW_KERNEL dwconv_fixed
#define PW_PREPARE pw_channel_of
#define PW_SCALE(acc, ch, fast) ((fast) ? pw_requantize_fast((acc), (ch)) : pw_requantize_channel((acc), (ch)))
#include "pw_dwconv_s8_body.h"

#if PW_FLOAT_RULE
#define PW_KERNEL dwconv_float
#define PW_PREPARE pw_channel_of_float
#define PW_SCALE(acc, ch, fast) ((void)(fast), pw_requantize_float_channel((acc), (ch)))
#include "pw_dwconv_s8_body.h"
#endif

pw_status pw_dwconv_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                       const pw_view *in, const int8_t *weights, const int32_t *bias,
                       const pw_add_params *add, const pw_view *residual, const pw_view *out, int8_t *buffer)
{
    if (quant->rule == PW_RULE_FLOAT) {
#if PW_FLOAT_RULE
        return dwconv_float(params, quant, in_dims, in, weights, bias, add, residual, out, buffer);
#else
        return PW_ERROR_ARGUMENT;
#endif
    }
    return dwconv_fixed(params, quant, in_dims, in, weights, bias, add, residual, out, buffer);
}
