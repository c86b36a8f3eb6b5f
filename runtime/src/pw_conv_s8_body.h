/*
 * The body of pw_conv_s8 for one requantization rule, included once per rule by pw_conv_s8.c with
 * PW_KERNEL (the instance's name), PW_PREPARE (a pw_channel from bias, multiplier and shift) and
 * PW_SCALE (an accumulator through a prepared channel; its last argument says the channel is fast) defined.
 */

/* One output byte: requantized, then the zero point and clamp, or the fused add (pw_conv_mode, a constant). */
PW_ALWAYS_INLINE int32_t PW_CAT(PW_KERNEL, _byte)(int32_t acc, const pw_channel *ch, int fast, pw_output o, int mode, const int8_t *residual)
{
    const int32_t scaled = PW_SCALE(acc, ch, fast);
    if (mode == PW_CONV_ADD) {
        return pw_output_byte(scaled, o, residual);
    }
    return mode == PW_CONV_FULL_RANGE ? pw_ssat8(scaled + o.zp) : pw_clamp(scaled + o.zp, o.min, o.max);
}

/*
 * The output channels [first, first + n) (prepared in ch) of two output pixels from their
 * columns; d1 = d0 (and r1 = r0) for a lone pixel. The four bytes of a channel pair are computed
 * before any is stored: in place, a store may land on a residual byte still to be read.
 */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _channels)(const int16_t *c0, const int16_t *c1, const int8_t *weights, int32_t taps, const pw_channel *ch,
                                                int32_t first, int32_t n, pw_output o, int mode, int8_t *d0, int8_t *d1, const int8_t *r0,
                                                const int8_t *r1)
{
    for (int32_t u = 0; u < n; u += 2) {
        const int32_t co = first + u;
        const int pair = u + 1 < n;
        const pw_channel *ca = ch + u, *cb = pair ? ca + 1 : ca;
        int32_t acc[4] = {ca->bias, cb->bias, ca->bias, cb->bias};
        dot4(c0, c1, weights + co * taps, weights + (pair ? co + 1 : co) * taps, taps, acc);
        const int fast = ca->fast & cb->fast;
        int32_t y[4];
        if (fast) {
            y[0] = PW_CAT(PW_KERNEL, _byte)(acc[0], ca, 1, o, mode, r0 + co);
            y[1] = PW_CAT(PW_KERNEL, _byte)(acc[1], cb, 1, o, mode, r0 + co + pair);
            y[2] = PW_CAT(PW_KERNEL, _byte)(acc[2], ca, 1, o, mode, r1 + co);
            y[3] = PW_CAT(PW_KERNEL, _byte)(acc[3], cb, 1, o, mode, r1 + co + pair);
        } else {
            y[0] = PW_CAT(PW_KERNEL, _byte)(acc[0], ca, 0, o, mode, r0 + co);
            y[1] = PW_CAT(PW_KERNEL, _byte)(acc[1], cb, 0, o, mode, r0 + co + pair);
            y[2] = PW_CAT(PW_KERNEL, _byte)(acc[2], ca, 0, o, mode, r1 + co);
            y[3] = PW_CAT(PW_KERNEL, _byte)(acc[3], cb, 0, o, mode, r1 + co + pair);
        }
        /* p0 before p1 (each channel's pixels in the run's order); a lone channel is stored once. */
        d0[co] = (int8_t)y[0];
        if (pair) {
            d0[co + 1] = (int8_t)y[1];
        }
        d1[co] = (int8_t)y[2];
        if (pair) {
            d1[co + 1] = (int8_t)y[3];
        }
    }
}

PW_INSTANCE pw_status PW_KERNEL(const pw_conv_params *params, const pw_channel_quant *quant, const pw_dims *in_dims,
                     const pw_view *in, const int8_t *weights, const int32_t *bias, int32_t out_c,
                     const pw_add_params *add, const pw_view *residual, const pw_view *out, int16_t *scratch)
{
    if (params->k < 1 || params->stride < 1 || (add != 0) != (residual != 0)) {
        return PW_ERROR_ARGUMENT;
    }
    const int32_t taps = params->k * params->k * in_dims->c;
    pw_add_prepared prepared;
    const pw_output o = pw_output_of(params, add, &prepared);
    const int full = o.min == -128 && o.max == 127;
    const int reverse = pw_reverse_order(out, residual);
    const int32_t pixels = out->rows * out->cols;
    int16_t *col0 = scratch, *col1 = scratch + taps;
    /* Output channels a chunk at a time, their requantization prepared once for all pixels. */
    for (int32_t first = 0; first < out_c; first += PW_CONV_CHUNK) {
        const int32_t n = out_c - first < PW_CONV_CHUNK ? out_c - first : PW_CONV_CHUNK;
        pw_channel ch[PW_CONV_CHUNK];
        for (int32_t u = 0; u < n; u++) {
            ch[u] = PW_PREPARE(bias[first + u], quant->multiplier[first + u], quant->shift[first + u]);
        }
        for (int32_t t = 0; t < pixels; t += 2) {
            const int two = t + 1 < pixels;
            const int32_t i0 = reverse ? pixels - 1 - t : t;
            const int32_t i1 = two ? (reverse ? i0 - 1 : i0 + 1) : i0;
            const int32_t oy0 = out->y0 + i0 / out->cols, ox0 = out->x0 + i0 % out->cols;
            const int32_t oy1 = out->y0 + i1 / out->cols, ox1 = out->x0 + i1 % out->cols;
            if (fill_column(params, in_dims, in, oy0, ox0, col0) != PW_OK || (two && fill_column(params, in_dims, in, oy1, ox1, col1) != PW_OK)) {
                return PW_ERROR_REGION;
            }
            int8_t *d0 = pw_at(out, oy0, ox0, out_c), *d1 = pw_at(out, oy1, ox1, out_c);
            /* Without an add the residual pointers are never read; they only must not be NULL plus an offset. */
            const int8_t *r0 = residual ? pw_at(residual, oy0, ox0, out_c) : d0;
            const int8_t *r1 = residual ? pw_at(residual, oy1, ox1, out_c) : d1;
            const int16_t *c1 = two ? col1 : col0;
            if (add) {
                PW_CAT(PW_KERNEL, _channels)(col0, c1, weights, taps, ch, first, n, o, PW_CONV_ADD, d0, d1, r0, r1);
            } else if (full) {
                PW_CAT(PW_KERNEL, _channels)(col0, c1, weights, taps, ch, first, n, o, PW_CONV_FULL_RANGE, d0, d1, r0, r1);
            } else {
                PW_CAT(PW_KERNEL, _channels)(col0, c1, weights, taps, ch, first, n, o, PW_CONV_CLAMP, d0, d1, r0, r1);
            }
        }
    }
    return PW_OK;
}

#undef PW_KERNEL
#undef PW_PREPARE
#undef PW_SCALE
