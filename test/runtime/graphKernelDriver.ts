import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compile, sanitizerFlags, sanitizersWork } from './kernelDriver';

// A C program that runs the graph kernels (runtime/include/pw_graph.h) on records read from stdin,
// one record a line of integers, and prints each call's status and output bytes in hex. Built once
// with AddressSanitizer and UBSan where this gcc has them: every buffer is allocated to its exact
// size, so a kernel reading or writing one byte past it is reported.

export const enum GraphTag {
  Add = 1,
  Mul = 2,
  Concat = 3,
  Lut = 4,
  Pad = 5,
  Resize = 6,
  Mean = 7,
  Softmax = 8,
  ConvWindow = 9,
  DwconvWindow = 10,
  ConvTranspose = 11,
  /** pw_mul_float_s8: onnxruntime's QDQ Mul (the elementwise record with float32 scale bits). */
  MulFloat = 12,
  /** pw_lut_channels_s8: a table a channel (PRelu). */
  LutChannels = 13,
}

const driverSource = String.raw`/* Test driver written by test/runtime/graphKernelDriver.ts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pw_graph.h"

static int32_t next_int(void)
{
    long long v;
    if (scanf("%lld", &v) != 1) {
        fprintf(stderr, "driver: truncated record\n");
        exit(2);
    }
    return (int32_t)v;
}

static int8_t *read_bytes(int32_t n)
{
    int8_t *p = malloc(n > 0 ? (size_t)n : 1u);
    if (!p) {
        exit(3);
    }
    for (int32_t i = 0; i < n; i++) {
        p[i] = (int8_t)next_int();
    }
    return p;
}

static int8_t *alloc_bytes(int32_t n)
{
    int8_t *p = malloc(n > 0 ? (size_t)n : 1u);
    if (!p) {
        exit(3);
    }
    return p;
}

/* A whole tensor of rows × cols pixels of c channels as a view. */
static pw_view whole(int8_t *data, int32_t rows, int32_t cols, int32_t c)
{
    pw_view v;
    v.data = data;
    v.y0 = 0;
    v.x0 = 0;
    v.rows = rows;
    v.cols = cols;
    v.row_stride = cols * c;
    return v;
}

static void print(pw_status status, const int8_t *out, int32_t n)
{
    printf("%d ", (int)status);
    for (int32_t i = 0; i < n; i++) {
        printf("%02x", (unsigned)(uint8_t)out[i]);
    }
    printf("\n");
    fflush(stdout);
}

static void elementwise(int tag)
{
    const int32_t rows = next_int(), cols = next_int(), c = next_int();
    pw_add_params add;
    pw_mul_params mul;
    pw_mul_float_params mulf;
    if (tag == 12) {
        mulf.a_zp = next_int();
        mulf.b_zp = next_int();
        mulf.a_scale_bits = next_int();
        mulf.b_scale_bits = next_int();
        mulf.out_scale_bits = next_int();
    } else if (tag == 1) {
        add.conv_zp = next_int();
        add.residual_zp = next_int();
        add.left_shift = next_int();
        add.conv_multiplier = next_int();
        add.conv_shift = next_int();
        add.residual_multiplier = next_int();
        add.residual_shift = next_int();
        add.output_multiplier = next_int();
        add.output_shift = next_int();
    } else {
        mul.a_zp = next_int();
        mul.b_zp = next_int();
        mul.multiplier = next_int();
        mul.shift = next_int();
    }
    pw_out_quant oq;
    oq.zp = next_int();
    oq.act_min = next_int();
    oq.act_max = next_int();
    const int32_t broadcast = next_int(), in_place = next_int();
    const int32_t n = rows * cols * c;
    int8_t *a = read_bytes(n);
    int8_t *b = read_bytes(broadcast ? c : n);
    int8_t *o = in_place ? a : alloc_bytes(n);
    const pw_view va = whole(a, rows, cols, c), vb = whole(b, rows, cols, c), vo = whole(o, rows, cols, c);
    const pw_status s = tag == 1 ? pw_add_s8(&add, &oq, c, &va, &vb, broadcast, &vo)
                        : tag == 12 ? pw_mul_float_s8(&mulf, &oq, c, &va, &vb, broadcast, &vo)
                                    : pw_mul_s8(&mul, &oq, c, &va, &vb, broadcast, &vo);
    print(s, o, n);
    if (!in_place) {
        free(o);
    }
    free(a);
    free(b);
}

static void concat(void)
{
    const int32_t rows = next_int(), cols = next_int(), out_c = next_int(), sources = next_int();
    int8_t *o = alloc_bytes(rows * cols * out_c);
    const pw_view vo = whole(o, rows, cols, out_c);
    pw_status s = PW_OK;
    int32_t offset = 0;
    for (int32_t i = 0; i < sources; i++) {
        const int32_t in_c = next_int(), has_rq = next_int();
        pw_requant_params rq;
        if (has_rq) {
            rq.input_zp = next_int();
            rq.output_zp = next_int();
            rq.multiplier = next_int();
            rq.shift = next_int();
        }
        int8_t *in = read_bytes(rows * cols * in_c);
        const pw_view vi = whole(in, rows, cols, in_c);
        const pw_status si = pw_concat_s8(has_rq ? &rq : 0, in_c, &vi, out_c, offset, &vo);
        s = s == PW_OK ? si : s;
        offset += in_c;
        free(in);
    }
    print(s, o, rows * cols * out_c);
    free(o);
}

/* Tag 4: one table; tag 13: a table a channel. */
static void lut(int per_channel)
{
    const int32_t rows = next_int(), cols = next_int(), c = next_int();
    int8_t *table = read_bytes(per_channel ? 256 * c : 256);
    int8_t *x = read_bytes(rows * cols * c);
    const pw_view v = whole(x, rows, cols, c);
    const pw_status s = per_channel ? pw_lut_channels_s8(table, c, &v, &v) : pw_lut_s8(table, c, &v, &v);
    print(s, x, rows * cols * c);
    free(table);
    free(x);
}

static void pad(void)
{
    pw_dims d;
    d.h = next_int();
    d.w = next_int();
    d.c = next_int();
    pw_pad_params p;
    p.top = next_int();
    p.left = next_int();
    p.value = next_int();
    const int32_t oh = next_int(), ow = next_int();
    int8_t *x = read_bytes(d.h * d.w * d.c);
    int8_t *o = alloc_bytes(oh * ow * d.c);
    const pw_view vi = whole(x, d.h, d.w, d.c), vo = whole(o, oh, ow, d.c);
    print(pw_pad_s8(&p, &d, &vi, &vo), o, oh * ow * d.c);
    free(x);
    free(o);
}

static void resize(void)
{
    pw_dims i, o;
    i.h = next_int();
    i.w = next_int();
    i.c = next_int();
    o.h = next_int();
    o.w = next_int();
    o.c = i.c;
    pw_resize_params r;
    r.bilinear = next_int();
    r.align_corners = next_int();
    r.half_pixel_centers = next_int();
    int8_t *x = read_bytes(i.h * i.w * i.c);
    int8_t *y = alloc_bytes(o.h * o.w * o.c);
    print(pw_resize_s8(&r, &i, &o, x, y), y, o.h * o.w * o.c);
    free(x);
    free(y);
}

static void mean(void)
{
    pw_dims d;
    d.h = next_int();
    d.w = next_int();
    d.c = next_int();
    pw_dims o = d;
    o.h = next_int();
    o.w = next_int();
    pw_requant_params rq;
    rq.input_zp = next_int();
    rq.output_zp = 0;
    rq.multiplier = next_int();
    rq.shift = next_int();
    pw_out_quant oq;
    oq.zp = next_int();
    oq.act_min = next_int();
    oq.act_max = next_int();
    int8_t *x = read_bytes(d.h * d.w * d.c);
    int8_t *y = alloc_bytes(o.h * o.w * o.c);
    print(pw_mean_s8(&rq, &oq, &d, &o, x, y), y, o.h * o.w * o.c);
    free(x);
    free(y);
}

static void softmax(void)
{
    const int32_t pixels = next_int(), c = next_int();
    pw_softmax_params p;
    p.input_multiplier = next_int();
    p.input_left_shift = next_int();
    p.diff_min = next_int();
    int8_t *x = read_bytes(pixels * c);
    int8_t *y = alloc_bytes(pixels * c);
    print(pw_softmax_s8(&p, pixels, c, x, y), y, pixels * c);
    free(x);
    free(y);
}

static int32_t *read_ints(int32_t n)
{
    int32_t *a = malloc(n > 0 ? (size_t)n * 4u : 4u);
    if (!a) {
        exit(3);
    }
    for (int32_t i = 0; i < n; i++) {
        a[i] = next_int();
    }
    return a;
}

/* Tags 9–11: the any-window convolutions on whole tensors. */
static void windowed(int tag)
{
    pw_dims d, od;
    d.h = next_int();
    d.w = next_int();
    d.c = next_int();
    od.c = next_int();
    const int32_t groups = next_int();
    pw_window_params w;
    w.k_h = next_int();
    w.k_w = next_int();
    w.stride_h = next_int();
    w.stride_w = next_int();
    w.pad_top = next_int();
    w.pad_left = next_int();
    w.input_zp = next_int();
    w.output_zp = next_int();
    w.act_min = next_int();
    w.act_max = next_int();
    const int32_t rule = next_int();
    od.h = next_int();
    od.w = next_int();
    int8_t *weights = read_bytes(next_int());
    int32_t *bias = read_ints(od.c);
    int32_t *multiplier = read_ints(od.c);
    int32_t *shift = read_ints(od.c);
    int8_t *x = read_bytes(d.h * d.w * d.c);
    int8_t *y = alloc_bytes(od.h * od.w * od.c);
    const pw_channel_quant q = {multiplier, shift, rule};
    const pw_view vi = whole(x, d.h, d.w, d.c), vo = whole(y, od.h, od.w, od.c);
    pw_status s;
    if (tag == 9) {
        s = pw_conv_window_s8(&w, &q, groups, &d, &vi, weights, bias, od.c, &vo);
    } else if (tag == 10) {
        s = pw_dwconv_window_s8(&w, &q, &d, &vi, weights, bias, od.c, &vo);
    } else {
        s = pw_conv_transpose_s8(&w, &q, &d, x, weights, bias, &od, y);
    }
    print(s, y, od.h * od.w * od.c);
    free(weights);
    free(bias);
    free(multiplier);
    free(shift);
    free(x);
    free(y);
}

int main(void)
{
    long long tag;
    while (scanf("%lld", &tag) == 1) {
        if (tag == 1 || tag == 2 || tag == 12) {
            elementwise((int)tag);
        } else if (tag == 3) {
            concat();
        } else if (tag == 4 || tag == 13) {
            lut(tag == 13);
        } else if (tag == 5) {
            pad();
        } else if (tag == 6) {
            resize();
        } else if (tag == 7) {
            mean();
        } else if (tag == 8) {
            softmax();
        } else if (tag >= 9 && tag <= 11) {
            windowed((int)tag);
        } else {
            fprintf(stderr, "driver: unknown tag %lld\n", tag);
            return 2;
        }
    }
    return 0;
}
`;

/** The driver built in a temporary directory; dispose() removes it. */
export class GraphKernelDriver {
  private constructor(readonly dir: string, readonly binary: string, readonly sanitized: boolean) {}

  static build(): GraphKernelDriver {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-graph-kernels-'));
    try {
      const source = path.join(dir, 'driver.c');
      fs.writeFileSync(source, driverSource);
      const sanitized = sanitizersWork(dir);
      const binary = path.join(dir, 'driver');
      compile(dir, source, binary, sanitized ? sanitizerFlags : []);
      return new GraphKernelDriver(dir, binary, sanitized);
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** One [status, output bytes] per record; a crash (a sanitizer report) throws with the record it stopped at. */
  run(records: string[]): [number, Int8Array][] {
    const inputFile = path.join(this.dir, 'input.txt');
    fs.writeFileSync(inputFile, records.join('\n') + '\n');
    const fd = fs.openSync(inputFile, 'r');
    let result;
    try {
      result = spawnSync(this.binary, [], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'print_stacktrace=1' } });
    } finally {
      fs.closeSync(fd);
    }
    if (result.error) throw result.error;
    const lines = result.stdout.split('\n').slice(0, -1);
    if (result.status !== 0) throw new Error(`driver exited with ${result.status ?? result.signal} after ${lines.length} records:\n${result.stderr}`);
    return lines.map((line) => {
      const [status, hex] = line.split(' ');
      const bytes = Buffer.from(hex ?? '', 'hex');
      return [Number(status), new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length)];
    });
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
