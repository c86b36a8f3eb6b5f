/*
 * The body of pw_conv_1x1_s8 for one requantization rule, included once per rule by pw_conv_1x1_s8.c with
 * PW_KERNEL (the instance's name), PW_PREPARE (a pw_channel from bias, multiplier and shift) and
 * PW_SCALE (an accumulator through a prepared channel; its last argument says the channel is fast) defined.
 */

/* Accumulators of two pixels (x0, x1) × two output channels (weights wa, wa + c), from the channels' biases. */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _pass)(const int8_t *x0, const int8_t *x1, const int8_t *wa, int32_t c, const pw_channel *ca,
                                            const pw_channel *cb, int32_t acc[4])
{
    int32_t a0 = ca->bias, b0 = cb->bias, a1 = a0, b1 = b0;
    const int8_t *wb = wa + c;
    int32_t i = 0;
#if PW_USE_DSP
    /* Two words a pass where they fit: the loop's own instructions (and a spilled pointer) count half. */
    for (; i + 8 <= c; i += 8) {
        mac4(x0 + i, x1 + i, wa + i, wb + i, &a0, &b0, &a1, &b1);
        mac4(x0 + i + 4, x1 + i + 4, wa + i + 4, wb + i + 4, &a0, &b0, &a1, &b1);
    }
    for (; i + 4 <= c; i += 4) {
        mac4(x0 + i, x1 + i, wa + i, wb + i, &a0, &b0, &a1, &b1);
    }
#endif
    for (; i < c; i++) {
        a0 += x0[i] * wa[i];
        b0 += x0[i] * wb[i];
        a1 += x1[i] * wa[i];
        b1 += x1[i] * wb[i];
    }
    acc[0] = a0;
    acc[1] = b0;
    acc[2] = a1;
    acc[3] = b1;
}

/* One output byte: requantized, then the zero point and clamp, or the fused add (pw_1x1_mode). */
PW_ALWAYS_INLINE int32_t PW_CAT(PW_KERNEL, _byte)(int32_t acc, const pw_channel *ch, int fast, int mode, pw_output o, const int8_t *residual)
{
    const int32_t scaled = PW_SCALE(acc, ch, fast);
    if (mode == PW_1X1_FULL_RANGE) {
        return pw_ssat8(scaled + o.zp);
    }
    if (mode == PW_1X1_CLAMP) {
        return pw_clamp(scaled + o.zp, o.min, o.max);
    }
    /* The fused add in line (as a call to pw_output_byte it costs 5–10% more on these layers). */
    const int32_t own = pw_clamp(scaled + o.add->conv_zp, -128, 127);
    return pw_clamp(pw_add_prepared_element(o.add, own, *residual, o.zp), o.min, o.max);
}

/*
 * The pixels of the output rectangle in pairs (the run's order, across row ends), for the output
 * channels [first, first + n) prepared in `ch`. A fused add may write over its residual, but only
 * over bytes of the same channel (every address here is congruent to its channel modulo out_c),
 * so it is enough that each channel's pixels are finished in the run's direction.
 */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _pixels)(const pw_conv_1x1_geometry *g, const int8_t *weights, const pw_channel *ch, int32_t first,
                                              int32_t n, int mode, pw_output o)
{
    const int32_t c = g->c, out_c = g->out_c, cols = g->cols;
    const int32_t pixels = g->rows * cols;
    int32_t r = 0, q = 0;
    for (int32_t t = 0; t < pixels; t += 2) {
        int8_t *dst[2];
        const int8_t *src[2];
        const int8_t *res[2];
        const int two = t + 1 < pixels;
        for (int32_t j = 0; j < 2; j++) {
            const int32_t rr = g->reverse ? g->rows - 1 - r : r;
            const int32_t qq = g->reverse ? cols - 1 - q : q;
            src[j] = g->in + rr * g->in_row + qq * g->in_pixel;
            dst[j] = g->out + rr * g->out_row + qq * out_c + first;
            /* Without an add the residual pointer is never read; it only must not be NULL plus an offset. */
            res[j] = mode == PW_1X1_ADD ? g->res + rr * g->res_row + qq * out_c + first : dst[j];
            if (j == 0 && !two) {
                src[1] = src[0];
                dst[1] = dst[0];
                res[1] = res[0];
                break;
            }
            if (++q == cols) {
                q = 0;
                r++;
            }
        }
        const int8_t *w = weights + first * c;
        int32_t u = 0;
        for (; u + 2 <= n; u += 2, w += 2 * c) {
            const pw_channel *ca = ch + u, *cb = ca + 1;
            int32_t acc[4];
            PW_CAT(PW_KERNEL, _pass)(src[0], src[1], w, c, ca, cb, acc);
            /* All four bytes before any store: in place, a store may land on a residual byte still to be read. */
            int32_t y[4];
            if (ca->fast & cb->fast) {
                y[0] = PW_CAT(PW_KERNEL, _byte)(acc[0], ca, 1, mode, o, res[0] + u);
                y[1] = PW_CAT(PW_KERNEL, _byte)(acc[1], cb, 1, mode, o, res[0] + u + 1);
                y[2] = PW_CAT(PW_KERNEL, _byte)(acc[2], ca, 1, mode, o, res[1] + u);
                y[3] = PW_CAT(PW_KERNEL, _byte)(acc[3], cb, 1, mode, o, res[1] + u + 1);
            } else {
                y[0] = PW_CAT(PW_KERNEL, _byte)(acc[0], ca, 0, mode, o, res[0] + u);
                y[1] = PW_CAT(PW_KERNEL, _byte)(acc[1], cb, 0, mode, o, res[0] + u + 1);
                y[2] = PW_CAT(PW_KERNEL, _byte)(acc[2], ca, 0, mode, o, res[1] + u);
                y[3] = PW_CAT(PW_KERNEL, _byte)(acc[3], cb, 0, mode, o, res[1] + u + 1);
            }
            /* p0 before p1 (a lone pixel has dst[1] = dst[0] and the same bytes twice). */
            dst[0][u] = (int8_t)y[0];
            dst[0][u + 1] = (int8_t)y[1];
            dst[1][u] = (int8_t)y[2];
            dst[1][u + 1] = (int8_t)y[3];
        }
        if (u < n) {
            /* The odd last channel. */
            const pw_channel *ca = ch + u;
            int32_t y[2];
            for (int32_t j = 0; j < 2; j++) {
                int32_t sum = ca->bias;
                for (int32_t i = 0; i < c; i++) {
                    sum += src[j][i] * w[i];
                }
                y[j] = PW_CAT(PW_KERNEL, _byte)(sum, ca, 0, mode, o, res[j] + u);
            }
            dst[0][u] = (int8_t)y[0];
            dst[1][u] = (int8_t)y[1];
        }
    }
}

PW_INSTANCE pw_status PW_KERNEL(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                         const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                         const pw_add_params *add, const pw_view *residual, const pw_view *out)
{
    if (params->k != 1 || params->pad != 0 || params->stride < 1 || (add != 0) != (residual != 0)) {
        return PW_ERROR_ARGUMENT;
    }
    const int32_t c = in_dims->c;
    const int32_t stride = params->stride;
    const int32_t zp = params->input_zp;
    const int32_t oy0 = out->y0, ox0 = out->x0, rows = out->rows, cols = out->cols;
    if (oy0 * stride < in->y0 || (oy0 + rows - 1) * stride >= in->y0 + in->rows || ox0 * stride < in->x0 || (ox0 + cols - 1) * stride >= in->x0 + in->cols) {
        return PW_ERROR_REGION;
    }
    /* Everything the loops read, in locals: an int8 store may alias any memory, so fields read
     * through pointers would be loaded again after every output byte. */
    pw_conv_1x1_geometry g;
    g.c = c;
    g.out_c = out_c;
    g.rows = rows;
    g.cols = cols;
    g.in = in->data + (oy0 * stride - in->y0) * in->row_stride + (ox0 * stride - in->x0) * c;
    g.in_row = stride * in->row_stride;
    g.in_pixel = stride * c;
    g.out = out->data;
    g.out_row = out->row_stride;
    g.res = residual ? residual->data + (oy0 - residual->y0) * residual->row_stride + (ox0 - residual->x0) * out_c : 0;
    g.res_row = residual ? residual->row_stride : 0;
    g.reverse = pw_reverse_order(out, residual);
    pw_add_prepared prepared;
    const pw_output o = pw_output_of(params, add, &prepared);
    const int32_t *multiplier = quant->multiplier;
    const int32_t *shift = quant->shift;
    /* Output channels a chunk at a time: their requantization is prepared once for all pixels. */
    for (int32_t first = 0; first < out_c; first += PW_1X1_CHUNK) {
        const int32_t n = out_c - first < PW_1X1_CHUNK ? out_c - first : PW_1X1_CHUNK;
        pw_channel ch[PW_1X1_CHUNK];
        for (int32_t u = 0; u < n; u++) {
            const int32_t co = first + u;
            ch[u] = PW_PREPARE(bias[co] - zp * pw_sum_s8(weights + co * c, c), multiplier[co], shift[co]);
        }
        if (add) {
            PW_CAT(PW_KERNEL, _pixels)(&g, weights, ch, first, n, PW_1X1_ADD, o);
        } else if (o.min == -128 && o.max == 127) {
            PW_CAT(PW_KERNEL, _pixels)(&g, weights, ch, first, n, PW_1X1_FULL_RANGE, o);
        } else {
            PW_CAT(PW_KERNEL, _pixels)(&g, weights, ch, first, n, PW_1X1_CLAMP, o);
        }
    }
    return PW_OK;
}

#undef PW_KERNEL
#undef PW_PREPARE
#undef PW_SCALE
