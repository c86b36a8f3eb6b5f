/*
 * The body of pw_conv_1x1_s8 for one requantization rule, included once per rule by pw_conv_1x1_s8.c with
 * PW_KERNEL (the instance's name) and PW_FINISH (pw_finish or pw_finish_float) defined.
 */
PW_INSTANCE pw_status PW_KERNEL(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                         const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                         const pw_add_params *add, const pw_view *residual, const pw_view *out)
{
    if (params->k != 1 || params->pad != 0 || params->stride < 1 || (add != 0) != (residual != 0)) {
        return PW_ERROR_ARGUMENT;
    }
    /* Everything the loops read, in locals: an int8 store may alias any memory, so fields read
     * through pointers would be loaded again after every output byte. */
    const int32_t c = in_dims->c;
    const int32_t stride = params->stride;
    const int32_t zp = params->input_zp;
    const pw_output o = pw_output_of(params, add);
    const int32_t *multiplier = quant->multiplier;
    const int32_t *shift = quant->shift;
    const int32_t in_y0 = in->y0, in_x0 = in->x0, in_rows = in->rows, in_cols = in->cols, in_stride = in->row_stride;
    const int8_t *in_data = in->data;
    const int32_t oy0 = out->y0, ox0 = out->x0, rows = out->rows, cols = out->cols, out_stride = out->row_stride;
    int8_t *out_data = out->data;
    const int8_t *res_data = residual ? residual->data : 0;
    const int32_t res_y0 = residual ? residual->y0 : 0, res_x0 = residual ? residual->x0 : 0, res_stride = residual ? residual->row_stride : 0;
    const int reverse = pw_reverse_order(out, residual);
    if (oy0 * stride < in_y0 || (oy0 + rows - 1) * stride >= in_y0 + in_rows || ox0 * stride < in_x0 || (ox0 + cols - 1) * stride >= in_x0 + in_cols) {
        return PW_ERROR_REGION;
    }
    for (int32_t r = 0; r < rows; r++) {
        const int32_t oy = reverse ? oy0 + rows - 1 - r : oy0 + r;
        const int8_t *src_row = in_data + (oy * stride - in_y0) * in_stride;
        int8_t *dst_row = out_data + (oy - oy0) * out_stride;
        const int8_t *res_row = res_data ? res_data + (oy - res_y0) * res_stride : 0;
        /* Pixels in pairs along the row (the last one alone when the count is odd). */
        for (int32_t q = 0; q < cols; q += 2) {
            const int32_t ox_first = reverse ? ox0 + cols - 1 - q : ox0 + q;
            const int two = q + 1 < cols;
            const int32_t ox_second = two ? (reverse ? ox_first - 1 : ox_first + 1) : ox_first;
            const int8_t *src0 = src_row + (ox_first * stride - in_x0) * c;
            const int8_t *src1 = src_row + (ox_second * stride - in_x0) * c;
            int8_t *dst0 = dst_row + (ox_first - ox0) * out_c;
            int8_t *dst1 = dst_row + (ox_second - ox0) * out_c;
            const int8_t *res0 = res_row ? res_row + (ox_first - res_x0) * out_c : 0;
            const int8_t *res1 = res_row ? res_row + (ox_second - res_x0) * out_c : 0;
            /*
             * Channels in pairs. A fused add may write over its residual, but only over bytes of the
             * same channel (every address here is congruent to its channel modulo out_c), so it is
             * enough that each channel's pixels are finished in the run's direction: p0, then p1.
             */
            for (int32_t u = 0; u < out_c; u += 2) {
                const int32_t first = reverse ? out_c - 1 - u : u;
                const int32_t second = reverse ? first - 1 : first + 1;
                const int pair = u + 1 < out_c;
                int32_t acc[4];
                dot4(src0, src1, weights + first * c, weights + (pair ? second : first) * c, c, zp, acc);
                dst0[first] = PW_FINISH(bias[first] + acc[0], multiplier[first], shift[first], o, res0 ? res0 + first : 0);
                if (pair) {
                    dst0[second] = PW_FINISH(bias[second] + acc[1], multiplier[second], shift[second], o, res0 ? res0 + second : 0);
                }
                if (two) {
                    dst1[first] = PW_FINISH(bias[first] + acc[2], multiplier[first], shift[first], o, res1 ? res1 + first : 0);
                    if (pair) {
                        dst1[second] = PW_FINISH(bias[second] + acc[3], multiplier[second], shift[second], o, res1 ? res1 + second : 0);
                    }
                }
            }
        }
    }
    return PW_OK;
}

#undef PW_KERNEL
#undef PW_FINISH
