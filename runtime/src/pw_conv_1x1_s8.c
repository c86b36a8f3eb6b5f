/* Pointwise 1×1 convolution on regions, with the shortcut add fused into its output. */
#include "pw_dsp.h"
#include "pw_math.h"

int32_t pw_conv_1x1_s8_get_buffer_size(void)
{
    return 0;
}

/*
 * Output channels whose requantization is prepared at a time (on the stack, 32 bytes each): enough
 * that the preparation is a small share of a chunk's work, few enough for an 8 KiB stack.
 */
#define PW_1X1_CHUNK 16

/* The output rectangle's addresses, from its first pixel (in the run's forward order). */
typedef struct {
    const int8_t *in;  /* input pixel of output (oy0, ox0) */
    int8_t *out;
    const int8_t *res; /* residual of output (oy0, ox0), or NULL */
    int32_t in_row;    /* input bytes from one output row to the next (stride rows) */
    int32_t in_pixel;  /* input bytes from one output pixel to the next */
    int32_t out_row;
    int32_t res_row;
    int32_t c;
    int32_t out_c;
    int32_t rows;
    int32_t cols;
    int32_t reverse;
} pw_conv_1x1_geometry;

/*
 * The output stage, a constant in each inlined copy: the clamp, an SSAT when the clamp is the whole
 * int8 range (as after a ReLU6 calibrated to it), or the fused add.
 */
enum { PW_1X1_CLAMP, PW_1X1_FULL_RANGE, PW_1X1_ADD };

/*
 * 4 input channels of two pixels × two output channels: each unpacked weight word feeds two SMLADs
 * (one per pixel), each unpacked input word two (one per output channel): 4 loads, 8 unpacks and
 * 8 SMLADs for 16 MACs. The inputs are raw bytes: the zero point is in the bias.
 */
PW_ALWAYS_INLINE void mac4(const int8_t *x0, const int8_t *x1, const int8_t *wa, const int8_t *wb, int32_t *a0, int32_t *b0, int32_t *a1,
                           int32_t *b1)
{
    const uint32_t p4 = pw_read4(x0);
    const uint32_t q4 = pw_read4(x1);
    const uint32_t wa4 = pw_read4(wa);
    const uint32_t wb4 = pw_read4(wb);
    const uint32_t p02 = pw_sxtb16(p4), q02 = pw_sxtb16(q4);
    uint32_t w = pw_sxtb16(wa4);
    *a0 = pw_smlad(p02, w, *a0);
    *a1 = pw_smlad(q02, w, *a1);
    w = pw_sxtb16(wb4);
    *b0 = pw_smlad(p02, w, *b0);
    *b1 = pw_smlad(q02, w, *b1);
    const uint32_t p13 = pw_sxtb16_ror8(p4), q13 = pw_sxtb16_ror8(q4);
    w = pw_sxtb16_ror8(wa4);
    *a0 = pw_smlad(p13, w, *a0);
    *a1 = pw_smlad(q13, w, *a1);
    w = pw_sxtb16_ror8(wb4);
    *b0 = pw_smlad(p13, w, *b0);
    *b1 = pw_smlad(q13, w, *b1);
}

/* The kernel once per requantization rule: the same source, each instance its own function. */
#define PW_KERNEL conv_1x1_fixed
#define PW_PREPARE pw_channel_of
#define PW_SCALE(acc, ch, fast) ((fast) ? pw_requantize_fast((acc), (ch)) : pw_requantize_channel((acc), (ch)))
#include "pw_conv_1x1_s8_body.h"

#if PW_FLOAT_RULE
#define PW_KERNEL conv_1x1_float
#define PW_PREPARE pw_channel_of_float
#define PW_SCALE(acc, ch, fast) ((void)(fast), pw_requantize_float_channel((acc), (ch)))
#include "pw_conv_1x1_s8_body.h"
#endif

pw_status pw_conv_1x1_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                         const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                         const pw_add_params *add, const pw_view *residual, const pw_view *out)
{
    if (quant->rule == PW_RULE_FLOAT) {
#if PW_FLOAT_RULE
        return conv_1x1_float(params, quant, in_dims, in, weights, bias, out_c, add, residual, out);
#else
        return PW_ERROR_ARGUMENT;
#endif
    }
    return conv_1x1_fixed(params, quant, in_dims, in, weights, bias, out_c, add, residual, out);
}
