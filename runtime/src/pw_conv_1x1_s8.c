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

/* The kernel once per requantization rule: the same source, each instance its own function. */
#define PW_KERNEL conv_1x1_fixed
#define PW_PREPARE pw_channel_of
#define PW_SCALE(acc, ch, fast) ((fast) ? pw_requantize_fast((acc), (ch)) : pw_requantize_channel((acc), (ch)))
#include "pw_conv_1x1_s8_body.h"

#define PW_KERNEL conv_1x1_float
#define PW_PREPARE pw_channel_of_float
#define PW_SCALE(acc, ch, fast) ((void)(fast), pw_requantize_float_channel((acc), (ch)))
#include "pw_conv_1x1_s8_body.h"

pw_status pw_conv_1x1_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                         const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                         const pw_add_params *add, const pw_view *residual, const pw_view *out)
{
    return quant->rule == PW_RULE_FLOAT ? conv_1x1_float(params, quant, in_dims, in, weights, bias, out_c, add, residual, out) : conv_1x1_fixed(params, quant, in_dims, in, weights, bias, out_c, add, residual, out);
}
