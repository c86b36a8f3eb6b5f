/* Pointwise 1×1 convolution on regions, with the shortcut add fused into its output. */
#include "pw_dsp.h"
#include "pw_math.h"

int32_t pw_conv_1x1_s8_get_buffer_size(void)
{
    return 0;
}

/*
 * Two pixels × two output channels: each unpacked weight word feeds two SMLADs (one per pixel),
 * each unpacked input word two (one per channel). acc[0..3] = (x0·wa, x0·wb, x1·wa, x1·wb).
 */
static inline void dot4(const int8_t *x0, const int8_t *x1, const int8_t *wa, const int8_t *wb, int32_t n, int32_t zp, int32_t acc[4])
{
    int32_t a0 = 0, b0 = 0, a1 = 0, b1 = 0;
    int32_t i = 0;
#if PW_USE_DSP
    const uint32_t offset = pw_dup16(-zp);
    for (; i + 4 <= n; i += 4) {
        const uint32_t p4 = pw_read4(x0 + i);
        const uint32_t q4 = pw_read4(x1 + i);
        const uint32_t p02 = pw_sadd16(pw_sxtb16(p4), offset);
        const uint32_t p13 = pw_sadd16(pw_sxtb16(pw_ror(p4, 8)), offset);
        const uint32_t q02 = pw_sadd16(pw_sxtb16(q4), offset);
        const uint32_t q13 = pw_sadd16(pw_sxtb16(pw_ror(q4, 8)), offset);
        const uint32_t a4 = pw_read4(wa + i);
        const uint32_t wa02 = pw_sxtb16(a4);
        const uint32_t wa13 = pw_sxtb16(pw_ror(a4, 8));
        a0 = pw_smlad(p02, wa02, a0);
        a0 = pw_smlad(p13, wa13, a0);
        a1 = pw_smlad(q02, wa02, a1);
        a1 = pw_smlad(q13, wa13, a1);
        const uint32_t b4 = pw_read4(wb + i);
        const uint32_t wb02 = pw_sxtb16(b4);
        const uint32_t wb13 = pw_sxtb16(pw_ror(b4, 8));
        b0 = pw_smlad(p02, wb02, b0);
        b0 = pw_smlad(p13, wb13, b0);
        b1 = pw_smlad(q02, wb02, b1);
        b1 = pw_smlad(q13, wb13, b1);
    }
#endif
    for (; i < n; i++) {
        const int32_t u = x0[i] - zp;
        const int32_t v = x1[i] - zp;
        a0 += u * wa[i];
        b0 += u * wb[i];
        a1 += v * wa[i];
        b1 += v * wb[i];
    }
    acc[0] = a0;
    acc[1] = b0;
    acc[2] = a1;
    acc[3] = b1;
}

/* The kernel once per requantization rule: the same source, each instance its own function. */
#define PW_KERNEL conv_1x1_fixed
#define PW_FINISH pw_finish
#include "pw_conv_1x1_s8_body.h"

#define PW_KERNEL conv_1x1_float
#define PW_FINISH pw_finish_float
#include "pw_conv_1x1_s8_body.h"

pw_status pw_conv_1x1_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                         const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                         const pw_add_params *add, const pw_view *residual, const pw_view *out)
{
    return quant->rule == PW_RULE_FLOAT ? conv_1x1_float(params, quant, in_dims, in, weights, bias, out_c, add, residual, out) : conv_1x1_fixed(params, quant, in_dims, in, weights, bias, out_c, add, residual, out);
}
