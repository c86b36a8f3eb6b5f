/*
 * The body of pw_dwconv_s8 for one requantization rule, included once per rule by pw_dwconv_s8.c with
 * PW_KERNEL (the instance's name) and PW_FINISH (pw_finish or pw_finish_float) defined.
 */
PW_INSTANCE pw_status PW_KERNEL(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                       const pw_view *in, const int8_t *weights, const int32_t *bias,
                       const pw_add_params *add, const pw_view *residual, const pw_view *out, int8_t *buffer)
{
    const int32_t k = params->k;
    const int32_t s = params->stride;
    const int32_t c = in_dims->c;
    if (k < 1 || k > 7 || s < 1 || (add != 0) != (residual != 0)) {
        return PW_ERROR_ARGUMENT;
    }
    /* Every input pixel a window reaches inside the tensor must be stored. */
    const int32_t first_y = out->y0 * s - params->pad;
    const int32_t last_y = (out->y0 + out->rows - 1) * s - params->pad + k - 1;
    const int32_t first_x = out->x0 * s - params->pad;
    const int32_t last_x = (out->x0 + out->cols - 1) * s - params->pad + k - 1;
    if ((first_y > 0 ? first_y : 0) < in->y0 || (last_y < in_dims->h - 1 ? last_y : in_dims->h - 1) >= in->y0 + in->rows ||
        (first_x > 0 ? first_x : 0) < in->x0 || (last_x < in_dims->w - 1 ? last_x : in_dims->w - 1) >= in->x0 + in->cols) {
        return PW_ERROR_REGION;
    }
    /* Everything the loops read, in locals: an int8 store may alias any memory. */
    const int reverse = pw_reverse_order(out, residual);
    const int32_t pad = params->pad;
    const int32_t zp = params->input_zp;
    const int32_t h = in_dims->h, w_full = in_dims->w;
    const pw_output o = pw_output_of(params, add);
    const int32_t in_y0 = in->y0, in_x0 = in->x0, in_rows = in->rows, in_cols = in->cols, in_stride = in->row_stride;
    const int8_t *in_data = in->data;
    const int32_t oy0 = out->y0, ox0 = out->x0, rows = out->rows, cols = out->cols, out_stride = out->row_stride;
    int8_t *out_data = out->data;
    const int8_t *res_data = residual ? residual->data : 0;
    const int32_t res_y0 = residual ? residual->y0 : 0, res_x0 = residual ? residual->x0 : 0, res_stride = residual ? residual->row_stride : 0;
    for (int32_t ch = 0; ch < c; ch++) {
        for (int32_t r = 0; r < in_rows; r++) {
            const int8_t *src = in_data + r * in_stride + ch;
            int8_t *dst = buffer + r * in_cols;
            for (int32_t q = 0; q < in_cols; q++) {
                dst[q] = src[q * c];
            }
        }
        /* This channel's taps, contiguous, and their sum: Σ(x − zp)·w = Σx·w − zp·Σw inside. */
        int32_t w[49];
        int32_t wsum = 0;
        for (int32_t t = 0; t < k * k; t++) {
            w[t] = weights[t * c + ch];
            wsum += w[t];
        }
        const int32_t base = bias[ch] - zp * wsum;
        const int32_t m = quant->multiplier[ch];
        const int32_t sh = quant->shift[ch];
        /* Channel ch's bytes are only ever written over channel ch's: order matters per channel. */
        for (int32_t rr = 0; rr < rows; rr++) {
            const int32_t oy = reverse ? oy0 + rows - 1 - rr : oy0 + rr;
            const int32_t iy0 = oy * s - pad;
            const int rows_inside = iy0 >= 0 && iy0 + k <= h;
            int8_t *out_row = out_data + (oy - oy0) * out_stride + ch;
            const int8_t *res_row = res_data ? res_data + (oy - res_y0) * res_stride + ch : 0;
            for (int32_t qq = 0; qq < cols; qq++) {
                const int32_t ox = reverse ? ox0 + cols - 1 - qq : ox0 + qq;
                const int32_t ix0 = ox * s - pad;
                int32_t acc;
                if (rows_inside && ix0 >= 0 && ix0 + k <= w_full) {
                    /* Interior: every tap is inside the tensor, so no padding and no checks. */
                    const int8_t *row = buffer + (iy0 - in_y0) * in_cols + (ix0 - in_x0);
                    acc = base;
                    if (k == 3) {
                        const int8_t *r1 = row + in_cols;
                        const int8_t *r2 = r1 + in_cols;
                        acc += row[0] * w[0] + row[1] * w[1] + row[2] * w[2] + r1[0] * w[3] + r1[1] * w[4] + r1[2] * w[5] + r2[0] * w[6] + r2[1] * w[7] + r2[2] * w[8];
                    } else {
                        for (int32_t ky = 0; ky < k; ky++, row += in_cols) {
                            for (int32_t kx = 0; kx < k; kx++) {
                                acc += row[kx] * w[ky * k + kx];
                            }
                        }
                    }
                } else {
                    acc = bias[ch];
                    for (int32_t ky = 0; ky < k; ky++) {
                        const int32_t iy = iy0 + ky;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        const int8_t *row = buffer + (iy - in_y0) * in_cols;
                        for (int32_t kx = 0; kx < k; kx++) {
                            const int32_t ix = ix0 + kx;
                            if (ix >= 0 && ix < w_full) {
                                acc += (row[ix - in_x0] - zp) * w[ky * k + kx];
                            }
                        }
                    }
                }
                const int8_t *res = res_row ? res_row + (ox - res_x0) * c : 0;
                out_row[(ox - ox0) * c] = PW_FINISH(acc, m, sh, o, res);
            }
        }
    }
    return PW_OK;
}

#undef PW_KERNEL
#undef PW_FINISH
