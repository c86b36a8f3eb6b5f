/*
 * The body of pw_conv_s8 for one requantization rule, included once per rule by pw_conv_s8.c with
 * PW_KERNEL (the instance's name) and PW_FINISH (pw_finish or pw_finish_float) defined.
 */
PW_INSTANCE pw_status PW_KERNEL(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                     const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                     const pw_add_params *add, const pw_view *residual, const pw_view *out, int16_t *scratch)
{
    if (params->k < 1 || params->stride < 1 || (add != 0) != (residual != 0)) {
        return PW_ERROR_ARGUMENT;
    }
    const int32_t taps = params->k * params->k * in_dims->c;
    const pw_output o = pw_output_of(params, add);
    const int reverse = pw_reverse_order(out, residual);
    const int32_t pixels = out->rows * out->cols;
    int32_t status = PW_OK;
    for (int32_t t = 0; t < pixels; t++) {
        const int32_t i = reverse ? pixels - 1 - t : t;
        const int32_t oy = out->y0 + i / out->cols;
        const int32_t ox = out->x0 + i % out->cols;
        fill_column(params, in_dims, in, oy, ox, scratch, &status);
        if (status != PW_OK) {
            return (pw_status)status;
        }
        int8_t *dst = pw_at(out, oy, ox, out_c);
        const int8_t *res = residual ? pw_at(residual, oy, ox, out_c) : 0;
        for (int32_t u = 0; u < out_c; u++) {
            const int32_t co = reverse ? out_c - 1 - u : u;
            const int32_t acc = bias[co] + dot(scratch, weights + co * taps, taps);
            dst[co] = PW_FINISH(acc, quant->multiplier[co], quant->shift[co], o, res ? res + co : 0);
        }
    }
    return PW_OK;
}

#undef PW_KERNEL
#undef PW_FINISH
