/*
 * Patchwise int8 kernels: TFLite's integer semantics (per-channel symmetric weights, per-tensor
 * asymmetric activations, fixed-point requantization) or, per layer, ONNX's float requantization;
 * CMSIS-NN-like parameter structs.
 *
 * Every kernel works on regions: it computes the output rectangle `out` of a layer from the stored
 * input region `in`, both in the coordinates of the full tensors. Zero padding is applied only
 * outside the full input tensor, so a layer run on patches gives the same bytes as run whole.
 * The runtime never allocates: scratch comes from the caller, sized by the _get_buffer_size calls.
 */
#ifndef PW_NN_H
#define PW_NN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PW_OK = 0,
    PW_ERROR_ARGUMENT = -1,
    PW_ERROR_REGION = -2
} pw_status;

/** Height, width and channels of a full int8 HWC tensor. */
typedef struct {
    int32_t h;
    int32_t w;
    int32_t c;
} pw_dims;

/** A stored region of an HWC tensor: rows × cols pixels starting at (y0, x0) of the full tensor. */
typedef struct {
    int8_t *data;       /* element (y0, x0, channel 0) */
    int32_t y0;
    int32_t x0;
    int32_t rows;
    int32_t cols;
    int32_t row_stride; /* bytes from one row of the region to the next */
} pw_view;

/** A square convolution window and the quantization of its input and output. */
typedef struct {
    int32_t k;
    int32_t stride;
    int32_t pad;
    int32_t input_zp;
    int32_t output_zp;
    int32_t act_min;
    int32_t act_max;
} pw_conv_params;

/** How a layer's accumulators become int8 (pw_channel_quant.rule). */
typedef enum {
    PW_RULE_FIXED = 0, /* TFLite: fixed-point multiplier and shift (QuantizeMultiplier's results) */
    PW_RULE_FLOAT = 1  /* ONNX (onnxruntime's QLinearConv): float32 multiply, round half to even */
} pw_rule;

/**
 * Per-output-channel requantization. PW_RULE_FIXED: Q31 multipliers and shifts. PW_RULE_FLOAT:
 * `multiplier` holds the bit patterns of the float32 multipliers xScale·wScale[c]/yScale and
 * `shift` is not used (it may point at the same array).
 */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t rule;
} pw_channel_quant;

/**
 * The shortcut add fused into a layer (TFLite's ADD): the layer's own int8 result (zero point
 * conv_zp) and the block input (residual_zp) are rescaled and summed into the output.
 */
typedef struct {
    int32_t conv_zp;
    int32_t residual_zp;
    int32_t left_shift;
    int32_t conv_multiplier;
    int32_t conv_shift;
    int32_t residual_multiplier;
    int32_t residual_shift;
    int32_t output_multiplier;
    int32_t output_shift;
} pw_add_params;

/**
 * Pooling window (k_h × k_w, padding not counted in averages) and the output clamp. An average
 * rounds as TFLite does (half away from zero) unless `onnx_rule`: then as onnxruntime's QDQ path,
 * Σ(x − zp) times the float32 s / (s·n), rounded half to even, plus zp (s: the float32 bits
 * `scale_bits`, the input's scale and the output's).
 */
typedef struct {
    int32_t k_h;
    int32_t k_w;
    int32_t stride;
    int32_t pad;
    int32_t act_min;
    int32_t act_max;
    int32_t onnx_rule;
    int32_t zp;
    int32_t scale_bits;
    /* The column stride and padding when they differ from the row ones; stride_w = 0: the same. */
    int32_t stride_w;
    int32_t pad_w;
} pw_pool_params;

/*
 * Convolution k×k, any stride and padding (the stem). Weights [out_c][k][k][in_c].
 * `add`/`residual` are NULL, or the fused shortcut add (residual covers the output rectangle).
 */
pw_status pw_conv_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                     const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                     const pw_add_params *add, const pw_view *residual, const pw_view *out, int16_t *scratch);
/** Bytes of scratch pw_conv_s8 needs: two int16 im2col columns. */
int32_t pw_conv_s8_get_buffer_size(int32_t k, int32_t in_c);

/* Pointwise 1×1 convolution (stride allowed, no padding), optionally with the fused shortcut add. */
pw_status pw_conv_1x1_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                         const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                         const pw_add_params *add, const pw_view *residual, const pw_view *out);
int32_t pw_conv_1x1_s8_get_buffer_size(void);

/*
 * Depthwise k×k convolution, in place or not: `out` may overlap `in` when both start at the same
 * address or end at the same address. Weights [k][k][c]. One input channel plane at a time is
 * copied to `buffer` before its outputs overwrite it.
 */
pw_status pw_dwconv_s8(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                       const pw_view *in, const int8_t *weights, const int32_t *bias,
                       const pw_add_params *add, const pw_view *residual, const pw_view *out, int8_t *buffer);
/** Bytes of channel buffer pw_dwconv_s8 needs for an input region of rows × cols. */
int32_t pw_dwconv_s8_get_buffer_size(int32_t rows, int32_t cols);

/* Average pooling (global when the window is the whole map), rounding half away from zero. */
pw_status pw_avgpool_s8(const pw_pool_params *params, const pw_dims *in_dims, const pw_view *in, const pw_view *out);
/* Max pooling. */
pw_status pw_maxpool_s8(const pw_pool_params *params, const pw_dims *in_dims, const pw_view *in, const pw_view *out);

/* Fully connected on `in_n` int8 inputs (a flattened HWC tensor). Weights [out_n][in_n]. */
pw_status pw_fc_s8(const pw_conv_params *params, const pw_channel_quant *quant, int32_t in_n, const int8_t *in,
                   const int8_t *weights, const int32_t *bias, int32_t out_n, int8_t *out);

/*
 * The same with int16 weights, two a word, in the order the DSP multiplies them: a row is
 * pw_fc_wide_row_words(in_n) words; each group of 4 inputs i…i+3 has the words (w[i], w[i+2]) and
 * (w[i+1], w[i+3]) (low half first), the 1…3 inputs past the last group their weights in order.
 * For small layers: no sign extension of weights in the loop, at twice their flash.
 */
pw_status pw_fc_wide_s8(const pw_conv_params *params, const pw_channel_quant *quant, int32_t in_n, const int8_t *in,
                        const uint32_t *weights, const int32_t *bias, int32_t out_n, int8_t *out);
/* Words of one row of pw_fc_wide_s8's weights. */
static inline int32_t pw_fc_wide_row_words(int32_t in_n)
{
    return (in_n + 1) >> 1;
}

#ifdef __cplusplus
}
#endif

#endif /* PW_NN_H */
