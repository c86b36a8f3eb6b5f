/*
 * What generated model code describes: its layers (kernel, shapes, parameters) and its steps
 * (where each step's input, output and shortcut regions live, and the copies before it). pw_run_step
 * runs one step; the generated pw_model_run calls it for every patch of each patch stage, and for
 * the layers run whole between and after them.
 */
#ifndef PW_MODEL_H
#define PW_MODEL_H

#include "pw_graph.h"

typedef enum {
    PW_LAYER_CONV = 0,
    PW_LAYER_CONV_1X1 = 1,
    PW_LAYER_DWCONV = 2,
    PW_LAYER_AVGPOOL = 3,
    PW_LAYER_MAXPOOL = 4,
    PW_LAYER_FC = 5,
    /* TFLite's MEAN (pw_mean_s8) on the whole tensor: quant holds its one multiplier and shift. */
    PW_LAYER_MEAN = 6,
    /*
     * TFLite's SOFTMAX (pw_softmax_s8): quant.multiplier points at {input_multiplier, input_left_shift,
     * diff_min, map}: over each pixel's channels, or with map = 1 over the whole map as one row.
     */
    PW_LAYER_SOFTMAX = 7,
    /* A convolution the square kernels do not take (pw_conv_window_s8): `window` gives its window. */
    PW_LAYER_CONV_WINDOW = 8,
    /* An elementwise activation through a 256-entry table (pw_lut_s8): `weights` is the table. */
    PW_LAYER_LUT = 9,
    /* The same with a table per channel (pw_lut_channels_s8): `weights` holds 256 · out.c entries. */
    PW_LAYER_LUT_CHANNELS = 10,
    /* A fully connected layer whose `weights` are pw_fc_wide_s8's words (int16, two a word). */
    PW_LAYER_FC_WIDE = 11
} pw_layer_kind;

typedef struct {
    pw_layer_kind kind;
    pw_dims in;
    pw_dims out;
    /* Window and quantization; pooling uses k (rows), stride, pad and the clamp. */
    pw_conv_params conv;
    /* Pooling window width (global pooling of a non-square map). */
    int32_t k_w;
    const int8_t *weights;
    const int32_t *bias;
    pw_channel_quant quant;
    /* The fused shortcut add, or NULL. */
    const pw_add_params *add;
    /*
     * PW_LAYER_CONV_WINDOW's rows and columns (k, stride, leading padding each), or a pool's whose
     * columns step or pad unlike its rows; NULL otherwise.
     */
    const pw_window_params *window;
} pw_layer;

typedef enum {
    PW_SPACE_NONE = 0,  /* no region (a step without shortcut) */
    PW_SPACE_ARENA = 1, /* at `offset` bytes into the activation arena */
    PW_SPACE_INPUT = 2  /* in the network input image, `offset` bytes from its start */
} pw_space;

/* A region of a tensor and where it is stored. */
typedef struct {
    int32_t offset;
    int32_t row_stride;
    int16_t y0;
    int16_t x0;
    int16_t rows;
    int16_t cols;
    int8_t space;
} pw_place;

/*
 * `rows` rows of `bytes` bytes from arena offset `from` to `to`, each with its own stride: the caches
 * move lines in and out of rings, and spread a patch's new pixels over its wider input region
 * (source and destination may then overlap).
 */
typedef struct {
    int32_t to;
    int32_t from;
    int32_t bytes;
    int32_t rows;
    int32_t to_stride;
    int32_t from_stride;
} pw_move;

typedef struct {
    pw_place in;
    pw_place out;
    pw_place residual;
    /* Done before the kernel: a row-cached stage joins the cached rows to the new ones. */
    const pw_move *moves;
    int32_t move_count;
} pw_step;

typedef struct {
    int8_t *arena;       /* activations */
    const int8_t *input; /* the network input when it is streamed (not in the arena) */
    void *scratch;       /* im2col columns or the depthwise channel plane, 4-byte aligned */
} pw_context;

pw_status pw_run_step(const pw_layer *layer, const pw_step *step, const pw_context *ctx);

#endif /* PW_MODEL_H */
