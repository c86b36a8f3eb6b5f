/* Runs one step of a generated model: its copies, then the views of its regions and the kernel. */
#include <string.h>

#include "pw_graph.h"
#include "pw_model.h"

/*
 * Whether pw_run_step runs PW_LAYER_FC_WIDE: Patchwise builds a model without such a layer with
 * -DPW_FC_WIDE=0, so that pw_fc_wide_s8 stays out of its firmware.
 */
#ifndef PW_FC_WIDE
#define PW_FC_WIDE 1
#endif

static pw_view view_of(const pw_place *p, const pw_context *ctx)
{
    pw_view v;
    v.data = p->space == PW_SPACE_INPUT ? (int8_t *)ctx->input + p->offset : ctx->arena + p->offset;
    v.y0 = p->y0;
    v.x0 = p->x0;
    v.rows = p->rows;
    v.cols = p->cols;
    v.row_stride = p->row_stride;
    return v;
}

/*
 * Spreading pixels toward higher addresses (the region starts where they start) copies the last row
 * first, toward lower addresses the first row first: each row then lands only on bytes already read.
 */
static void run_move(int8_t *arena, const pw_move *m)
{
    const int backward = m->to > m->from;
    for (int32_t k = 0; k < m->rows; k++) {
        const int32_t r = backward ? m->rows - 1 - k : k;
        memmove(arena + m->to + r * m->to_stride, arena + m->from + r * m->from_stride, (size_t)m->bytes);
    }
}

pw_status pw_run_step(const pw_layer *layer, const pw_step *step, const pw_context *ctx)
{
    for (int32_t i = 0; i < step->move_count; i++) {
        run_move(ctx->arena, &step->moves[i]);
    }
    /* A row-cached patch may have no new rows at a layer: its rows came from the cache. */
    if (step->out.rows <= 0 || step->out.cols <= 0) {
        return PW_OK;
    }
    const pw_view in = view_of(&step->in, ctx);
    const pw_view out = view_of(&step->out, ctx);
    const pw_view residual = view_of(&step->residual, ctx);
    const pw_view *res = step->residual.space == PW_SPACE_NONE ? 0 : &residual;
    const pw_add_params *add = res ? layer->add : 0;
    if ((add != 0) != (layer->add != 0)) {
        return PW_ERROR_ARGUMENT;
    }
    switch (layer->kind) {
    case PW_LAYER_CONV:
        return pw_conv_s8(&layer->conv, &layer->quant, &layer->in, &in, layer->weights, layer->bias, layer->out.c, add, res, &out,
                          (int16_t *)ctx->scratch);
    case PW_LAYER_CONV_1X1:
        return pw_conv_1x1_s8(&layer->conv, &layer->quant, &layer->in, &in, layer->weights, layer->bias, layer->out.c, add, res, &out);
    case PW_LAYER_DWCONV:
        return pw_dwconv_s8(&layer->conv, &layer->quant, &layer->in, &in, layer->weights, layer->bias, add, res, &out,
                            (int8_t *)ctx->scratch);
    case PW_LAYER_AVGPOOL:
    case PW_LAYER_MAXPOOL: {
        pw_pool_params p;
        p.k_h = layer->conv.k;
        p.k_w = layer->k_w;
        p.stride = layer->conv.stride;
        p.pad = layer->conv.pad;
        p.act_min = layer->conv.act_min;
        p.act_max = layer->conv.act_max;
        /* A pooling layer under ONNX's rule: its rule slot, and its scale's bits as the multiplier. */
        p.onnx_rule = layer->quant.rule == PW_RULE_FLOAT;
        p.zp = layer->conv.input_zp;
        p.scale_bits = p.onnx_rule ? layer->quant.multiplier[0] : 0;
        /* Columns that step or pad unlike the rows come with the window; stride_w = 0: the same. */
        p.stride_w = layer->window ? layer->window->stride_w : 0;
        p.pad_w = layer->window ? layer->window->pad_left : 0;
        return layer->kind == PW_LAYER_AVGPOOL ? pw_avgpool_s8(&p, &layer->in, &in, &out) : pw_maxpool_s8(&p, &layer->in, &in, &out);
    }
    case PW_LAYER_CONV_WINDOW:
        if (!layer->window || add) {
            return PW_ERROR_ARGUMENT;
        }
        return pw_conv_window_s8(layer->window, &layer->quant, 1, &layer->in, &in, layer->weights, layer->bias, layer->out.c, &out);
    case PW_LAYER_MEAN: {
        /* A reduction reads the whole tensor: only a step over all of it, stored densely, can run it. */
        if (in.rows != layer->in.h || in.cols != layer->in.w || in.row_stride != layer->in.w * layer->in.c) {
            return PW_ERROR_ARGUMENT;
        }
        pw_requant_params rq;
        rq.input_zp = layer->conv.input_zp;
        rq.output_zp = layer->conv.output_zp;
        rq.multiplier = layer->quant.multiplier[0];
        rq.shift = layer->quant.shift[0];
        pw_out_quant oq;
        oq.zp = layer->conv.output_zp;
        oq.act_min = layer->conv.act_min;
        oq.act_max = layer->conv.act_max;
        return pw_mean_s8(&rq, &oq, &layer->in, &layer->out, in.data, out.data);
    }
    case PW_LAYER_SOFTMAX: {
        if (in.rows != layer->in.h || in.cols != layer->in.w || in.row_stride != layer->in.w * layer->in.c) {
            return PW_ERROR_ARGUMENT;
        }
        pw_softmax_params s;
        s.input_multiplier = layer->quant.multiplier[0];
        s.input_left_shift = layer->quant.multiplier[1];
        s.diff_min = layer->quant.multiplier[2];
        const int32_t values = layer->in.h * layer->in.w * layer->in.c;
        return layer->quant.multiplier[3] ? pw_softmax_s8(&s, 1, values, in.data, out.data)
                                          : pw_softmax_s8(&s, layer->in.h * layer->in.w, layer->in.c, in.data, out.data);
    }
    case PW_LAYER_LUT:
        /* Elementwise: the output region reads the same pixels of the input, in place or not. */
        if (!layer->weights || add) {
            return PW_ERROR_ARGUMENT;
        }
        return pw_lut_s8(layer->weights, layer->out.c, &in, &out);
    case PW_LAYER_LUT_CHANNELS:
        if (!layer->weights || add) {
            return PW_ERROR_ARGUMENT;
        }
        return pw_lut_channels_s8(layer->weights, layer->out.c, &in, &out);
    case PW_LAYER_FC:
        return pw_fc_s8(&layer->conv, &layer->quant, layer->in.h * layer->in.w * layer->in.c, in.data, layer->weights, layer->bias,
                        layer->out.c, out.data);
#if PW_FC_WIDE
    case PW_LAYER_FC_WIDE:
        return pw_fc_wide_s8(&layer->conv, &layer->quant, layer->in.h * layer->in.w * layer->in.c, in.data,
                             (const uint32_t *)(const void *)layer->weights, layer->bias, layer->out.c, out.data);
#endif
    default:
        break;
    }
    return PW_ERROR_ARGUMENT;
}
