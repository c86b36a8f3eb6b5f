/*
 * The body of pw_fc_s8 for one requantization rule, included once per rule by pw_fc_s8.c with
 * PW_KERNEL (the instance's name) and PW_FINISH (pw_finish or pw_finish_float) defined.
 */
PW_INSTANCE pw_status PW_KERNEL(const pw_conv_params *params, const pw_channel_quant *quant, int32_t in_n, const int8_t *in,
                   const int8_t *weights, const int32_t *bias, int32_t out_n, int8_t *out)
{
    const int32_t zp = params->input_zp;
    const pw_output output = pw_output_of(params, 0);
    for (int32_t o = 0; o < out_n; o++) {
        const int8_t *w = weights + o * in_n;
        int32_t acc = bias[o];
        int32_t i = 0;
#if PW_USE_DSP
        const uint32_t offset = pw_dup16(-zp);
        for (; i + 4 <= in_n; i += 4) {
            const uint32_t x4 = pw_read4(in + i);
            const uint32_t w4 = pw_read4(w + i);
            acc = pw_smlad(pw_sadd16(pw_sxtb16(x4), offset), pw_sxtb16(w4), acc);
            acc = pw_smlad(pw_sadd16(pw_sxtb16(pw_ror(x4, 8)), offset), pw_sxtb16(pw_ror(w4, 8)), acc);
        }
#endif
        for (; i < in_n; i++) {
            acc += (in[i] - zp) * w[i];
        }
        out[o] = PW_FINISH(acc, quant->multiplier[o], quant->shift[o], output, 0);
    }
    return PW_OK;
}

#undef PW_KERNEL
#undef PW_FINISH
