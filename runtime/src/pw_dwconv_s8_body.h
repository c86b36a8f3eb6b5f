/*
 * The body of pw_dwconv_s8 for one requantization rule, included once per rule by pw_dwconv_s8.c with
 * PW_KERNEL (the instance's name), PW_PREPARE (a pw_channel from bias, multiplier and shift) and
 * PW_SCALE (an accumulator through a prepared channel; its last argument says the channel is fast) defined.
 */

/* The output byte of the fast rows: the zero point, then an SSAT (clamp = the int8 range) or the clamp. */
PW_ALWAYS_INLINE int8_t PW_CAT(PW_KERNEL, _byte)(int32_t acc, const pw_channel *pc, pw_output o, int full)
{
    const int32_t v = PW_SCALE(acc, pc, 1) + o.zp;
    return (int8_t)(full ? pw_ssat8(v) : pw_clamp(v, o.min, o.max));
}

/*
 * A 3×3 channel's taps in the forms its rows use. Kernel rows outside the tensor (the top and
 * bottom output rows) get a copy with zero taps and their zero-point share (zp·Σ of the row's
 * taps) in `bias`; any stored row may then stand in for them.
 */
typedef struct {
    int32_t t[9];
    int32_t bias;
#if PW_USE_DSP
    uint32_t w02[3]; /* per kernel row, (w0, w2) as an int16 pair for one SMLAD */
    uint32_t w1_01;  /* the middle taps of rows 0 and 1 as halfwords for SMLAxy */
    uint32_t w1_2;
#endif
} PW_CAT(PW_KERNEL, _taps3);

PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _prepare3)(PW_CAT(PW_KERNEL, _taps3) *p, const int32_t *w, int32_t bias, int32_t ky_lo, int32_t ky_hi,
                                                int32_t zp)
{
    for (int32_t ky = 0; ky < 3; ky++) {
        const int inside = ky >= ky_lo && ky < ky_hi;
        const int32_t *wk = w + 3 * ky;
        p->t[3 * ky] = inside ? wk[0] : 0;
        p->t[3 * ky + 1] = inside ? wk[1] : 0;
        p->t[3 * ky + 2] = inside ? wk[2] : 0;
        bias += inside ? 0 : zp * (wk[0] + wk[1] + wk[2]);
    }
    p->bias = bias;
#if PW_USE_DSP
    const int32_t *t = p->t;
    p->w02[0] = pw_pack16(t[0], t[2]);
    p->w02[1] = pw_pack16(t[3], t[5]);
    p->w02[2] = pw_pack16(t[6], t[8]);
    p->w1_01 = pw_pack16(t[1], t[4]);
    p->w1_2 = pw_pack16(t[7], 0);
#endif
}

/*
 * n outputs of one channel along a row of 3×3 windows inside the tensor along x (s = 1 or 2, a
 * constant in each inlined copy): r[ky] is the plane byte under the first window's tap (ky, 0),
 * `dst` the first output byte, `c` the distance between output bytes.
 */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _row3)(const int8_t *const r[3], int32_t s, int32_t n, const PW_CAT(PW_KERNEL, _taps3) *p,
                                            const pw_channel *pc, pw_output o, int full, int8_t *dst, int32_t c)
{
    const int8_t *r0 = r[0], *r1 = r[1], *r2 = r[2];
    const int32_t *w = p->t;
    const int32_t bias = p->bias;
    int32_t q = 0;
#if PW_USE_DSP
    const uint32_t w02_0 = p->w02[0], w02_1 = p->w02[1], w02_2 = p->w02[2], w1_01 = p->w1_01, w1_2 = p->w1_2;
    for (; q + 2 <= n; q += 2, r0 += 2 * s, r1 += 2 * s, r2 += 2 * s, dst += 2 * c) {
        int32_t a0 = bias, a1 = bias;
        if (s == 1) {
            /* Bytes x0..x3 of a row: (x0, x2)·(w0, w2) + x1·w1 for the first output, (x1, x3)·(w0, w2) + x2·w1 for the second. */
            uint32_t b = pw_read4(r0), lo = pw_sxtb16(b), hi = pw_sxtb16_ror8(b);
            a0 = pw_smlabb(hi, w1_01, pw_smlad(lo, w02_0, a0));
            a1 = pw_smlatb(lo, w1_01, pw_smlad(hi, w02_0, a1));
            b = pw_read4(r1), lo = pw_sxtb16(b), hi = pw_sxtb16_ror8(b);
            a0 = pw_smlabt(hi, w1_01, pw_smlad(lo, w02_1, a0));
            a1 = pw_smlatt(lo, w1_01, pw_smlad(hi, w02_1, a1));
            b = pw_read4(r2), lo = pw_sxtb16(b), hi = pw_sxtb16_ror8(b);
            a0 = pw_smlabb(hi, w1_2, pw_smlad(lo, w02_2, a0));
            a1 = pw_smlatb(lo, w1_2, pw_smlad(hi, w02_2, a1));
        } else {
            /* Bytes x0..x4: (x0, x2) and x1 for the first output; (x2, x4) from the word at x1, and x3, for the
             * second (no byte past x4 is read: the plane may end there). */
            uint32_t b = pw_read4(r0), hi = pw_sxtb16_ror8(b);
            a0 = pw_smlabb(hi, w1_01, pw_smlad(pw_sxtb16(b), w02_0, a0));
            a1 = pw_smlatb(hi, w1_01, pw_smlad(pw_sxtb16_ror8(pw_read4(r0 + 1)), w02_0, a1));
            b = pw_read4(r1), hi = pw_sxtb16_ror8(b);
            a0 = pw_smlabt(hi, w1_01, pw_smlad(pw_sxtb16(b), w02_1, a0));
            a1 = pw_smlatt(hi, w1_01, pw_smlad(pw_sxtb16_ror8(pw_read4(r1 + 1)), w02_1, a1));
            b = pw_read4(r2), hi = pw_sxtb16_ror8(b);
            a0 = pw_smlabb(hi, w1_2, pw_smlad(pw_sxtb16(b), w02_2, a0));
            a1 = pw_smlatb(hi, w1_2, pw_smlad(pw_sxtb16_ror8(pw_read4(r2 + 1)), w02_2, a1));
        }
        dst[0] = PW_CAT(PW_KERNEL, _byte)(a0, pc, o, full);
        dst[c] = PW_CAT(PW_KERNEL, _byte)(a1, pc, o, full);
    }
#endif
    for (; q < n; q++, r0 += s, r1 += s, r2 += s, dst += c) {
        const int32_t acc = bias + r0[0] * w[0] + r0[1] * w[1] + r0[2] * w[2] + r1[0] * w[3] + r1[1] * w[4] + r1[2] * w[5] + r2[0] * w[6] +
                            r2[1] * w[7] + r2[2] * w[8];
        dst[0] = PW_CAT(PW_KERNEL, _byte)(acc, pc, o, full);
    }
}

/* Where a channel's output rows lie: its input rows and columns, in tensor and plane (stored region) coordinates. */
typedef struct {
    const int8_t *plane;
    int32_t plane_cols;
    int32_t plane_y0;
    int32_t plane_x0;
    int32_t h;
    int32_t w;
    int32_t pad;
    int32_t ox0;
    int32_t cols;
    int32_t xa; /* [xa, xb): outputs whose windows lie inside the tensor along x */
    int32_t xb;
} PW_CAT(PW_KERNEL, _row_geometry);

/* An output of a 3×3 row with any columns outside (maps under two columns, padding over one): rare, so out of line. */
static __attribute__((noinline)) int32_t PW_CAT(PW_KERNEL, _edge_any)(const int8_t *plane, const int32_t row[3], int32_t w, int32_t ix0,
                                                                       const int32_t *t, int32_t bias, int32_t zp)
{
    const int32_t kx_lo = ix0 < 0 ? -ix0 : 0;
    const int32_t kx_hi = w - ix0 < 3 ? w - ix0 : 3;
    /* A column outside reads as the zero point: (zp − zp)·w = 0, as the bias already holds −zp·Σw. */
    const int in0 = kx_lo == 0, in1 = kx_lo <= 1 && kx_hi > 1, in2 = kx_hi == 3;
    int32_t acc = bias;
    for (int32_t ky = 0; ky < 3; ky++) {
        const int32_t at = row[ky] + ix0;
        const int32_t x0 = in0 ? plane[at] : zp, x1 = in1 ? plane[at + 1] : zp, x2 = in2 ? plane[at + 2] : zp;
        acc += x0 * t[ky * 3] + x1 * t[ky * 3 + 1] + x2 * t[ky * 3 + 2];
    }
    return acc;
}

/*
 * An output of a 3×3 row whose window leaves the tensor along x; row[ky] is the plane offset of
 * kernel row ky at tensor column 0. With one column outside (the usual padding of 1), six taps, the
 * outside column's zero-point share added to the bias; otherwise only the columns inside are read.
 */
PW_ALWAYS_INLINE int32_t PW_CAT(PW_KERNEL, _edge)(const PW_CAT(PW_KERNEL, _row_geometry) *g, const int32_t row[3], int32_t ix0,
                                               const PW_CAT(PW_KERNEL, _taps3) *p, int32_t zp)
{
    const int8_t *plane = g->plane;
    const int32_t *t = p->t;
    if (ix0 == -1 && g->w >= 2) {
        /* Columns 0 and 1 with taps kx = 1, 2. */
        const int8_t *r0 = plane + row[0], *r1 = plane + row[1], *r2 = plane + row[2];
        return p->bias + zp * (t[0] + t[3] + t[6]) + r0[0] * t[1] + r0[1] * t[2] + r1[0] * t[4] + r1[1] * t[5] + r2[0] * t[7] + r2[1] * t[8];
    }
    if (ix0 == g->w - 2 && ix0 >= 0) {
        /* Columns w − 2 and w − 1 with taps kx = 0, 1. */
        const int8_t *r0 = plane + row[0] + ix0, *r1 = plane + row[1] + ix0, *r2 = plane + row[2] + ix0;
        return p->bias + zp * (t[2] + t[5] + t[8]) + r0[0] * t[0] + r0[1] * t[1] + r1[0] * t[3] + r1[1] * t[4] + r2[0] * t[6] + r2[1] * t[7];
    }
    return PW_CAT(PW_KERNEL, _edge_any)(plane, row, g->w, ix0, t, p->bias, zp);
}

/*
 * One output row of a 3×3 layer (s = 1 or 2, a constant in each inlined copy; no fused add) from
 * input row iy0 with the channel's taps `full_taps`: the edge outputs left of [xa, xb), the inside
 * ones through _row3, the edge outputs right of it.
 */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _run3)(const PW_CAT(PW_KERNEL, _row_geometry) *g, int32_t iy0, int32_t s,
                                            const PW_CAT(PW_KERNEL, _taps3) *full_taps, const int32_t *w, int32_t zp,
                                            const pw_channel *pc, pw_output o, int full, int8_t *out_row, int32_t c)
{
    const int32_t ky_lo = iy0 < 0 ? -iy0 : 0;
    const int32_t ky_hi = g->h - iy0 < 3 ? g->h - iy0 : 3;
    const PW_CAT(PW_KERNEL, _taps3) *p = full_taps;
    PW_CAT(PW_KERNEL, _taps3) border;
    /* Plane offsets of the kernel rows at tensor column 0 (rows outside: any inside row, its taps are 0). */
    const int32_t base = (iy0 - g->plane_y0) * g->plane_cols - g->plane_x0;
    int32_t row[3] = {base, base + g->plane_cols, base + 2 * g->plane_cols};
    if (ky_lo > 0 || ky_hi < 3) {
        PW_CAT(PW_KERNEL, _prepare3)(&border, w, pc->bias, ky_lo, ky_hi, zp);
        p = &border;
        for (int32_t ky = 0; ky < 3; ky++) {
            row[ky] = ky >= ky_lo && ky < ky_hi ? row[ky] : base + ky_lo * g->plane_cols;
        }
    }
    const int32_t end = g->ox0 + g->cols;
    int8_t *dst = out_row;
    int32_t ox = g->ox0;
    for (; ox < g->xa; ox++, dst += c) {
        *dst = PW_CAT(PW_KERNEL, _byte)(PW_CAT(PW_KERNEL, _edge)(g, row, ox * s - g->pad, p, zp), pc, o, full);
    }
    if (ox < g->xb) {
        const int32_t ix0 = ox * s - g->pad;
        const int8_t *r[3] = {g->plane + row[0] + ix0, g->plane + row[1] + ix0, g->plane + row[2] + ix0};
        const int32_t n = g->xb - ox;
        if (s == 1) {
            if (full) {
                PW_CAT(PW_KERNEL, _row3)(r, 1, n, p, pc, o, 1, dst, c);
            } else {
                PW_CAT(PW_KERNEL, _row3)(r, 1, n, p, pc, o, 0, dst, c);
            }
        } else if (full) {
            PW_CAT(PW_KERNEL, _row3)(r, 2, n, p, pc, o, 1, dst, c);
        } else {
            PW_CAT(PW_KERNEL, _row3)(r, 2, n, p, pc, o, 0, dst, c);
        }
        ox = g->xb;
        dst += n * c;
    }
    for (; ox < end; ox++, dst += c) {
        *dst = PW_CAT(PW_KERNEL, _byte)(PW_CAT(PW_KERNEL, _edge)(g, row, ox * s - g->pad, p, zp), pc, o, full);
    }
}

/* The rows of one channel for one stride and output stage (constants in each inlined copy). */
PW_ALWAYS_INLINE void PW_CAT(PW_KERNEL, _rows3)(const PW_CAT(PW_KERNEL, _row_geometry) *g, int32_t s, int full, const PW_CAT(PW_KERNEL, _taps3) *p,
                                             const int32_t *w, int32_t zp, const pw_channel *pc, pw_output o, int8_t *out, int32_t out_stride,
                                             int32_t oy0, int32_t rows, int32_t c)
{
    for (int32_t oy = oy0; oy < oy0 + rows; oy++, out += out_stride) {
        PW_CAT(PW_KERNEL, _run3)(g, oy * s - g->pad, s, p, w, zp, pc, o, full, out, c);
    }
}

/*
 * Every output row of one channel of a 3×3 layer with s ≤ 2 and padding ≤ 1 (no fused add): in a
 * function of its own so that the rows' loops get the registers (inlined into the kernel, they
 * kept most of their state on the stack: on 5×5 maps the rows cost three times their work).
 */
static __attribute__((noinline)) void PW_CAT(PW_KERNEL, _plane3)(const PW_CAT(PW_KERNEL, _row_geometry) *g, int32_t s, const int32_t *w,
                                                                  int32_t zp, const pw_channel *pc, pw_output o, int8_t *out,
                                                                  int32_t out_stride, int32_t oy0, int32_t rows, int32_t c)
{
    PW_CAT(PW_KERNEL, _taps3) taps;
    PW_CAT(PW_KERNEL, _prepare3)(&taps, w, pc->bias, 0, 3, zp);
    const int full = o.min == -128 && o.max == 127;
    if (s == 1) {
        if (full) {
            PW_CAT(PW_KERNEL, _rows3)(g, 1, 1, &taps, w, zp, pc, o, out, out_stride, oy0, rows, c);
        } else {
            PW_CAT(PW_KERNEL, _rows3)(g, 1, 0, &taps, w, zp, pc, o, out, out_stride, oy0, rows, c);
        }
    } else if (full) {
        PW_CAT(PW_KERNEL, _rows3)(g, 2, 1, &taps, w, zp, pc, o, out, out_stride, oy0, rows, c);
    } else {
        PW_CAT(PW_KERNEL, _rows3)(g, 2, 0, &taps, w, zp, pc, o, out, out_stride, oy0, rows, c);
    }
}

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
    pw_add_prepared prepared;
    const pw_output o = pw_output_of(params, add, &prepared);
    const int32_t in_y0 = in->y0, in_x0 = in->x0, in_rows = in->rows, in_cols = in->cols, in_stride = in->row_stride;
    const int8_t *in_data = in->data;
    const int32_t oy0 = out->y0, ox0 = out->x0, rows = out->rows, cols = out->cols, out_stride = out->row_stride;
    int8_t *out_data = out->data;
    const int8_t *res_data = residual ? residual->data : 0;
    const int32_t res_y0 = residual ? residual->y0 : 0, res_x0 = residual ? residual->x0 : 0, res_stride = residual ? residual->row_stride : 0;
    /* The 3×3 rows' geometry: outputs whose windows lie inside the tensor along x are [xa, xb). */
    PW_CAT(PW_KERNEL, _row_geometry) g;
    g.plane = buffer;
    g.plane_cols = in_cols;
    g.plane_y0 = in_y0;
    g.plane_x0 = in_x0;
    g.h = h;
    g.w = w_full;
    g.pad = pad;
    g.ox0 = ox0;
    g.cols = cols;
    const int32_t span = w_full - k + pad;
    const int32_t x_lo = (pad + s - 1) / s, x_hi = span < 0 ? 0 : span / s + 1;
    g.xa = x_lo < ox0 ? ox0 : (x_lo > ox0 + cols ? ox0 + cols : x_lo);
    g.xb = x_hi < g.xa ? g.xa : (x_hi > ox0 + cols ? ox0 + cols : x_hi);
    for (int32_t ch = 0; ch < c; ch++) {
        /* Rows stored back to back (a whole map) are one run: on small maps the per-row setup cost as much as the bytes. */
        const int32_t runs = in_stride == in_cols * c ? 1 : in_rows;
        const int32_t run_bytes = runs == 1 ? in_rows * in_cols : in_cols;
        for (int32_t r = 0; r < runs; r++) {
            const int8_t *src = in_data + r * in_stride + ch;
            int8_t *dst = buffer + r * in_cols;
            int32_t q = 0;
            /* Four bytes a pass: the loop's own instructions are most of a byte copy's cost. */
            for (; q + 4 <= run_bytes; q += 4) {
                dst[q] = src[q * c];
                dst[q + 1] = src[(q + 1) * c];
                dst[q + 2] = src[(q + 2) * c];
                dst[q + 3] = src[(q + 3) * c];
            }
            for (; q < run_bytes; q++) {
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
        const pw_channel pc = PW_PREPARE(bias[ch] - zp * wsum, quant->multiplier[ch], quant->shift[ch]);
        /* Without a fused add (the only case that can need reverse order), 3×3 channels go the fast way. */
        if (!add && k == 3 && s <= 2 && pad <= 1 && pc.fast) {
            PW_CAT(PW_KERNEL, _plane3)(&g, s, w, zp, &pc, o, out_data + ch, out_stride, oy0, rows, c);
            continue;
        }
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
                    acc = pc.bias;
                    for (int32_t ky = 0; ky < k; ky++, row += in_cols) {
                        for (int32_t kx = 0; kx < k; kx++) {
                            acc += row[kx] * w[ky * k + kx];
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
                out_row[(ox - ox0) * c] = pw_output_byte(PW_SCALE(acc, &pc, 0), o, res);
            }
        }
    }
    return PW_OK;
}

#undef PW_KERNEL
#undef PW_PREPARE
#undef PW_SCALE
