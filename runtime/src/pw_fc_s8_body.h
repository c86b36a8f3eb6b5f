/*
 * The body of pw_fc_s8 for one requantization rule, included once per rule by pw_fc_s8.c with
 * PW_KERNEL (the instance's name), PW_PREPARE (a pw_channel from bias, multiplier and shift) and
 * PW_SCALE (an accumulator through a prepared channel) defined.
 */

/* One output byte: the requantized accumulator, the zero point, the clamp. */
PW_ALWAYS_INLINE int8_t PW_CAT(PW_KERNEL, _byte)(int32_t acc, const pw_channel_quant *quant, int32_t o, pw_output out)
{
    const pw_channel ch = PW_PREPARE(0, quant->multiplier[o], quant->shift[o]);
    return (int8_t)pw_clamp(PW_SCALE(acc, &ch) + out.zp, out.min, out.max);
}

#if PW_USE_DSP
/* Four inputs (unpacked and offset once) against four weights of each of `rows` rows (1…3). */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _word)(int32_t rows, const int8_t *x, const int8_t *w0, const int8_t *w1, const int8_t *w2,
                                            uint32_t offset, int32_t *a0, int32_t *a1, int32_t *a2)
{
    const uint32_t x4 = pw_read4(x);
    const uint32_t xe = pw_sxtab16(offset, x4), xo = pw_sxtab16_ror8(offset, x4);
    uint32_t w = pw_read4(w0);
    *a0 = pw_smlad(xo, pw_sxtb16_ror8(w), pw_smlad(xe, pw_sxtb16(w), *a0));
    if (rows > 1) {
        w = pw_read4(w1);
        *a1 = pw_smlad(xo, pw_sxtb16_ror8(w), pw_smlad(xe, pw_sxtb16(w), *a1));
    }
    if (rows > 2) {
        w = pw_read4(w2);
        *a2 = pw_smlad(xo, pw_sxtb16_ror8(w), pw_smlad(xe, pw_sxtb16(w), *a2));
    }
}
#endif

/*
 * Rows of the weight matrix `rows` at a time (3 on the DSP path, as a fourth spills; then 2 or 1), from row o: the
 * inputs are unpacked and offset by −zp (SXTAB16) once per word for all the rows, so a row's 4 MACs
 * cost a load, two SXTB16 and two SMLAD.
 */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _rows)(int32_t rows, int32_t o, int32_t zp, int32_t in_n, const int8_t *in, const int8_t *weights,
                                            const int32_t *bias, int32_t acc[3])
{
    const int8_t *w0 = weights + o * in_n;
    const int8_t *w1 = w0 + (rows > 1 ? in_n : 0), *w2 = w0 + (rows > 2 ? 2 * in_n : 0);
    int32_t a0 = bias[o], a1 = rows > 1 ? bias[o + 1] : 0, a2 = rows > 2 ? bias[o + 2] : 0;
    int32_t i = 0;
#if PW_USE_DSP
    const uint32_t offset = pw_dup16(-zp);
    /* Two words a pass: the loop's own three instructions would be a seventh of the work. */
    for (; i + 8 <= in_n; i += 8) {
        PW_CAT(PW_KERNEL, _word)(rows, in + i, w0 + i, w1 + i, w2 + i, offset, &a0, &a1, &a2);
        PW_CAT(PW_KERNEL, _word)(rows, in + i + 4, w0 + i + 4, w1 + i + 4, w2 + i + 4, offset, &a0, &a1, &a2);
    }
    for (; i + 4 <= in_n; i += 4) {
        PW_CAT(PW_KERNEL, _word)(rows, in + i, w0 + i, w1 + i, w2 + i, offset, &a0, &a1, &a2);
    }
#endif
    for (; i < in_n; i++) {
        const int32_t x = in[i] - zp;
        a0 += x * w0[i];
        if (rows > 1) {
            a1 += x * w1[i];
        }
        if (rows > 2) {
            a2 += x * w2[i];
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
}

PW_INSTANCE pw_status PW_KERNEL(const pw_conv_params *params, const pw_channel_quant *quant, int32_t in_n, const int8_t *in,
                   const int8_t *weights, const int32_t *bias, int32_t out_n, int8_t *out)
{
    const int32_t zp = params->input_zp;
    const pw_output output = pw_output_of(params, 0, 0);
    int32_t o = 0;
    int32_t acc[3];
#if PW_USE_DSP
    for (; o + 3 <= out_n; o += 3) {
        PW_CAT(PW_KERNEL, _rows)(3, o, zp, in_n, in, weights, bias, acc);
        for (int32_t j = 0; j < 3; j++) {
            out[o + j] = PW_CAT(PW_KERNEL, _byte)(acc[j], quant, o + j, output);
        }
    }
    if (o + 2 <= out_n) {
        PW_CAT(PW_KERNEL, _rows)(2, o, zp, in_n, in, weights, bias, acc);
        out[o] = PW_CAT(PW_KERNEL, _byte)(acc[0], quant, o, output);
        out[o + 1] = PW_CAT(PW_KERNEL, _byte)(acc[1], quant, o + 1, output);
        o += 2;
    }
#endif
    for (; o < out_n; o++) {
        PW_CAT(PW_KERNEL, _rows)(1, o, zp, in_n, in, weights, bias, acc);
        out[o] = PW_CAT(PW_KERNEL, _byte)(acc[0], quant, o, output);
    }
    return PW_OK;
}

#undef PW_KERNEL
#undef PW_PREPARE
#undef PW_SCALE
