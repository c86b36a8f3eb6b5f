/*
 * The body of pw_fc_wide_s8 for one requantization rule, included once per rule by
 * pw_fc_wide_s8.c with PW_KERNEL (the instance's name), PW_PREPARE (a pw_channel from bias,
 * multiplier and shift) and PW_SCALE (an accumulator through a prepared channel) defined.
 */

/* One output byte: the requantized accumulator, the zero point, the clamp. */
PW_ALWAYS_INLINE int8_t PW_CAT(PW_KERNEL, _byte)(int32_t acc, const pw_channel_quant *quant, int32_t o, pw_output out)
{
    const pw_channel ch = PW_PREPARE(0, quant->multiplier[o], quant->shift[o]);
    return (int8_t)pw_clamp(PW_SCALE(acc, &ch) + out.zp, out.min, out.max);
}

#if PW_USE_DSP
/* Group k of 4 inputs against `rows` rows' two words each. */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _group)(int32_t rows, int32_t k, const int8_t *x, const uint32_t *w0, const uint32_t *w1,
                                             const uint32_t *w2, uint32_t offset, int32_t *a0, int32_t *a1, int32_t *a2)
{
    const uint32_t x4 = pw_read4(x + 4 * k);
    const uint32_t xe = pw_sxtab16(offset, x4), xo = pw_sxtab16_ror8(offset, x4);
    uint32_t lo, hi;
    pw_read_pair(w0, 2 * k, lo, hi);
    *a0 = pw_smlad(xo, hi, pw_smlad(xe, lo, *a0));
    if (rows > 1) {
        pw_read_pair(w1, 2 * k, lo, hi);
        *a1 = pw_smlad(xo, hi, pw_smlad(xe, lo, *a1));
    }
    if (rows > 2) {
        pw_read_pair(w2, 2 * k, lo, hi);
        *a2 = pw_smlad(xo, hi, pw_smlad(xe, lo, *a2));
    }
}
#endif

/*
 * `rows` rows (1…3) from row o. A group of 4 inputs is loaded once and offset by −zp into its even
 * and odd pairs (SXTAB16); each row's group is two words already in that order, so its 4 MACs cost
 * one LDRD and two SMLAD.
 */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _rows)(int32_t rows, int32_t o, int32_t zp, int32_t in_n, const int8_t *in, const uint32_t *weights,
                                            const int32_t *bias, int32_t acc[3])
{
    const int32_t stride = pw_fc_wide_row_words(in_n);
    const uint32_t *w0 = weights + o * stride;
    const uint32_t *w1 = w0 + (rows > 1 ? stride : 0), *w2 = w0 + (rows > 2 ? 2 * stride : 0);
    int32_t a0 = bias[o], a1 = rows > 1 ? bias[o + 1] : 0, a2 = rows > 2 ? bias[o + 2] : 0;
    const int32_t groups = in_n >> 2;
    int32_t g = 0;
#if PW_USE_DSP
    const uint32_t offset = pw_dup16(-zp);
    /* Four groups a pass: the loop's own instructions would be a fifth of the work. */
    for (; g + 2 <= groups; g += 2) {
        const int8_t *x = in + 4 * g;
        const uint32_t *v0 = w0 + 2 * g, *v1 = w1 + 2 * g, *v2 = w2 + 2 * g;
        PW_CAT(PW_KERNEL, _group)(rows, 0, x, v0, v1, v2, offset, &a0, &a1, &a2);
        PW_CAT(PW_KERNEL, _group)(rows, 1, x, v0, v1, v2, offset, &a0, &a1, &a2);
    }
    for (; g < groups; g++) {
        PW_CAT(PW_KERNEL, _group)(rows, 0, in + 4 * g, w0 + 2 * g, w1 + 2 * g, w2 + 2 * g, offset, &a0, &a1, &a2);
    }
#else
    for (; g < groups; g++) {
        const int32_t x0 = in[4 * g] - zp, x1 = in[4 * g + 1] - zp, x2 = in[4 * g + 2] - zp, x3 = in[4 * g + 3] - zp;
        a0 += x0 * pw_low16(w0[2 * g]) + x2 * pw_high16(w0[2 * g]) + x1 * pw_low16(w0[2 * g + 1]) + x3 * pw_high16(w0[2 * g + 1]);
        if (rows > 1) {
            a1 += x0 * pw_low16(w1[2 * g]) + x2 * pw_high16(w1[2 * g]) + x1 * pw_low16(w1[2 * g + 1]) + x3 * pw_high16(w1[2 * g + 1]);
        }
        if (rows > 2) {
            a2 += x0 * pw_low16(w2[2 * g]) + x2 * pw_high16(w2[2 * g]) + x1 * pw_low16(w2[2 * g + 1]) + x3 * pw_high16(w2[2 * g + 1]);
        }
    }
#endif
    /* The 1…3 inputs past the last group: their weights in order, two a word. */
    for (int32_t i = 4 * groups; i < in_n; i++) {
        const int32_t x = in[i] - zp;
        const int32_t word = i >> 1;
        a0 += x * ((i & 1) ? pw_high16(w0[word]) : pw_low16(w0[word]));
        if (rows > 1) {
            a1 += x * ((i & 1) ? pw_high16(w1[word]) : pw_low16(w1[word]));
        }
        if (rows > 2) {
            a2 += x * ((i & 1) ? pw_high16(w2[word]) : pw_low16(w2[word]));
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
}

PW_INSTANCE pw_status PW_KERNEL(const pw_conv_params *params, const pw_channel_quant *quant, int32_t in_n, const int8_t *in,
                                const uint32_t *weights, const int32_t *bias, int32_t out_n, int8_t *out)
{
    const int32_t zp = params->input_zp;
    const pw_output output = pw_output_of(params, 0, 0);
    int32_t o = 0;
    int32_t acc[3];
    for (; o + 3 <= out_n; o += 3) {
        PW_CAT(PW_KERNEL, _rows)(3, o, zp, in_n, in, weights, bias, acc);
        out[o] = PW_CAT(PW_KERNEL, _byte)(acc[0], quant, o, output);
        out[o + 1] = PW_CAT(PW_KERNEL, _byte)(acc[1], quant, o + 1, output);
        out[o + 2] = PW_CAT(PW_KERNEL, _byte)(acc[2], quant, o + 2, output);
    }
    if (o + 2 == out_n) {
        PW_CAT(PW_KERNEL, _rows)(2, o, zp, in_n, in, weights, bias, acc);
        out[o] = PW_CAT(PW_KERNEL, _byte)(acc[0], quant, o, output);
        out[o + 1] = PW_CAT(PW_KERNEL, _byte)(acc[1], quant, o + 1, output);
    } else if (o + 1 == out_n) {
        PW_CAT(PW_KERNEL, _rows)(1, o, zp, in_n, in, weights, bias, acc);
        out[o] = PW_CAT(PW_KERNEL, _byte)(acc[0], quant, o, output);
    }
    return PW_OK;
}

#undef PW_KERNEL
#undef PW_PREPARE
#undef PW_SCALE
