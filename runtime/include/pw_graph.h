/*
 * Patchwise int8 kernels of graph layers (imported models): adds of two live tensors, the SE
 * scale, concatenation, padding, resizing, lookup-table activations, mean and softmax, with
 * TensorFlow Lite Micro's integer rules. The TypeScript reference is
 * server/src/core/quant/graphKernels.ts; they agree bit for bit.
 *
 * Elementwise kernels work on regions like the others: `out` and each input view cover the same
 * rectangle of the full tensor (in its coordinates), so a patch stage can run them on a patch.
 * An output may be written over its first input when both views start at the same address.
 */
#ifndef PW_GRAPH_H
#define PW_GRAPH_H

#include "pw_nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The output side of an elementwise layer: zero point and the clamp of its fused activation. */
typedef struct {
    int32_t zp;
    int32_t act_min;
    int32_t act_max;
} pw_out_quant;

/*
 * TFLite's ADD of two tensors with their own quantizations (pw_add_params: `conv_*` is the first
 * input, `residual_*` the second). b_broadcast: `b` holds one pixel of c channels for every pixel.
 */
pw_status pw_add_s8(const pw_add_params *add, const pw_out_quant *oq, int32_t c, const pw_view *a, const pw_view *b,
                    int32_t b_broadcast, const pw_view *out);

/* TFLite's MUL: out = zp + MultiplyByQuantizedMultiplier((a − a_zp)·(b − b_zp), multiplier, shift). */
typedef struct {
    int32_t a_zp;
    int32_t b_zp;
    int32_t multiplier;
    int32_t shift;
} pw_mul_params;

pw_status pw_mul_s8(const pw_mul_params *mul, const pw_out_quant *oq, int32_t c, const pw_view *a, const pw_view *b,
                    int32_t b_broadcast, const pw_view *out);

/*
 * onnxruntime's Mul between DequantizeLinear and QuantizeLinear (a QDQ model's float path): each
 * input dequantized in float, one float multiply, divided by the output scale, rounded half to even.
 * The scales are float32 bit patterns (exact in generated C).
 */
typedef struct {
    int32_t a_zp;
    int32_t b_zp;
    int32_t a_scale_bits;
    int32_t b_scale_bits;
    int32_t out_scale_bits;
} pw_mul_float_params;

pw_status pw_mul_float_s8(const pw_mul_float_params *mul, const pw_out_quant *oq, int32_t c, const pw_view *a,
                          const pw_view *b, int32_t b_broadcast, const pw_view *out);

/* TFLite's requantization of int8 values: zp_out + MultiplyByQuantizedMultiplier(x − zp_in, m, s). */
typedef struct {
    int32_t input_zp;
    int32_t output_zp;
    int32_t multiplier;
    int32_t shift;
} pw_requant_params;

/*
 * One source of a concatenation along channels: its in_c channels go to channels
 * [offset, offset + in_c) of the out_c-channel output, copied or requantized (`rq` non-NULL).
 */
pw_status pw_concat_s8(const pw_requant_params *rq, int32_t in_c, const pw_view *in, int32_t out_c, int32_t offset,
                       const pw_view *out);

/* A 256-entry table applied to every element: out = table[x + 128]. In place allowed. */
pw_status pw_lut_s8(const int8_t *table, int32_t c, const pw_view *in, const pw_view *out);

/* A table per channel (channel ch's 256 entries at tables + 256·ch): out = table_ch[x + 128]. In place allowed. */
pw_status pw_lut_channels_s8(const int8_t *tables, int32_t c, const pw_view *in, const pw_view *out);

/* Padding: output pixel (y, x) is input pixel (y − top, x − left) or, outside the input, `value`. */
typedef struct {
    int32_t top;
    int32_t left;
    int32_t value;
} pw_pad_params;

pw_status pw_pad_s8(const pw_pad_params *pad, const pw_dims *in_dims, const pw_view *in, const pw_view *out);

/* Resizing with TFLite's rules: nearest (float32 coordinates) or bilinear (10-bit fixed point). */
typedef struct {
    int32_t bilinear;
    int32_t align_corners;
    int32_t half_pixel_centers;
} pw_resize_params;

pw_status pw_resize_s8(const pw_resize_params *resize, const pw_dims *in_dims, const pw_dims *out_dims, const int8_t *in,
                       int8_t *out);

/*
 * TFLite Micro's int8 MEAN over whole rows, whole columns or both (whole tensors): an output dim of
 * 1 reduces that input axis, n values per output. oq->zp + Σ(x − rq->input_zp) requantized by rq's
 * multiplier (scale_in/scale_out) with 1/n folded into it, clamped (MEAN has no fused activation).
 */
pw_status pw_mean_s8(const pw_requant_params *rq, const pw_out_quant *oq, const pw_dims *in_dims,
                     const pw_dims *out_dims, const int8_t *in, int8_t *out);

/* TFLite's int8 SOFTMAX over each pixel's c channels; the output is scale 1/256, zero point −128. */
typedef struct {
    int32_t input_multiplier;
    int32_t input_left_shift;
    int32_t diff_min;
} pw_softmax_params;

pw_status pw_softmax_s8(const pw_softmax_params *softmax, int32_t pixels, int32_t c, const int8_t *in, int8_t *out);

/*
 * A window with its own rows and columns (TFLite's non-square kernels and strides, SAME padding's
 * extra row after coming from the output size) and the quantization of input and output.
 */
typedef struct {
    int32_t k_h;
    int32_t k_w;
    int32_t stride_h;
    int32_t stride_w;
    int32_t pad_top;
    int32_t pad_left;
    int32_t input_zp;
    int32_t output_zp;
    int32_t act_min;
    int32_t act_max;
} pw_window_params;

/*
 * Convolution with any window and `groups` (k=10×4, k > 7, grouped): weights
 * [out_c][k_h][k_w][in_c/groups], on an output region from a stored input region.
 */
pw_status pw_conv_window_s8(const pw_window_params *w, const pw_channel_quant *quant, int32_t groups, const pw_dims *in_dims,
                            const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c, const pw_view *out);

/*
 * Depthwise convolution with a depth multiplier m (out_c = m·in_c, output channel o reads input
 * channel o/m; TFLite's layout [k_h][k_w][out_c]) and any window. Not in place.
 */
pw_status pw_dwconv_window_s8(const pw_window_params *w, const pw_channel_quant *quant, const pw_dims *in_dims,
                              const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                              const pw_view *out);

/*
 * Transposed convolution (whole tensors): output (oy, ox) gathers the inputs with
 * iy·stride − pad + ky = oy. Weights [out_c][k_h][k_w][in_c] (TFLite's TRANSPOSE_CONV).
 */
pw_status pw_conv_transpose_s8(const pw_window_params *w, const pw_channel_quant *quant, const pw_dims *in_dims,
                               const int8_t *in, const int8_t *weights, const int32_t *bias, const pw_dims *out_dims,
                               int8_t *out);

#ifdef __cplusplus
}
#endif

#endif /* PW_GRAPH_H */
