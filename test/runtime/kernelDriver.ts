import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../helpers';

// A small C program that calls the runtime's kernels and fixed-point helpers on records read from
// stdin (one record per line, integers) and prints one line per record. It is built twice, on the
// portable path and on the emulated DSP path, so that both are compared with the TypeScript
// reference on exactly the same inputs. Data-driven rather than one generated program per case:
// hundreds of cases then cost two gcc runs, not hundreds.

export type KernelPath = 'portable' | 'dsp';
export const kernelPaths: KernelPath[] = ['portable', 'dsp'];

/** Record tags the driver understands. */
export const enum Tag {
  Srdhm = 1,
  Rdbpot = 2,
  Requantize = 3,
  AddElement = 4,
  Kernel = 5,
  RequantizeFloat = 6,
  RequantizeChannel = 7,
}

const driverSource = String.raw`/* Test driver written by test/runtime/kernelDriver.ts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pw_nn.h"
#include "pw_math.h"

static int32_t next_int(void)
{
    long long v;
    if (scanf("%lld", &v) != 1) {
        fprintf(stderr, "driver: truncated record\n");
        exit(2);
    }
    return (int32_t)v;
}

/* Exactly n bytes (at least 1), so that AddressSanitizer sees any overrun of a kernel's buffers. */
static void *alloc(int32_t n)
{
    void *p = malloc(n > 0 ? (size_t)n : 1u);
    if (!p) {
        exit(3);
    }
    return p;
}

static int32_t *read_ints(int32_t n)
{
    int32_t *a = alloc(n * 4);
    for (int32_t i = 0; i < n; i++) {
        a[i] = next_int();
    }
    return a;
}

static void read_view(pw_view *v, int8_t *arena)
{
    v->data = arena + next_int();
    v->y0 = next_int();
    v->x0 = next_int();
    v->rows = next_int();
    v->cols = next_int();
    v->row_stride = next_int();
}

static void read_add(pw_add_params *a)
{
    a->conv_zp = next_int();
    a->residual_zp = next_int();
    a->left_shift = next_int();
    a->conv_multiplier = next_int();
    a->conv_shift = next_int();
    a->residual_multiplier = next_int();
    a->residual_shift = next_int();
    a->output_multiplier = next_int();
    a->output_shift = next_int();
}

static void run_kernel(void)
{
    const int32_t kernel = next_int();
    pw_dims d;
    d.h = next_int();
    d.w = next_int();
    d.c = next_int();
    const int32_t out_c = next_int();
    pw_conv_params p;
    p.k = next_int();
    p.stride = next_int();
    p.pad = next_int();
    p.input_zp = next_int();
    p.output_zp = next_int();
    p.act_min = next_int();
    p.act_max = next_int();
    const int32_t k_w = next_int();
    const int32_t arena_size = next_int();
    int8_t *arena = alloc(arena_size);
    for (int32_t i = 0; i < arena_size; i++) {
        arena[i] = (int8_t)next_int();
    }
    pw_view in;
    pw_view out;
    pw_view residual;
    pw_add_params add;
    read_view(&in, arena);
    read_view(&out, arena);
    const int has_add = next_int() != 0;
    if (has_add) {
        read_view(&residual, arena);
        read_add(&add);
    }
    const int32_t n_weights = next_int();
    int8_t *weights = alloc(n_weights);
    for (int32_t i = 0; i < n_weights; i++) {
        weights[i] = (int8_t)next_int();
    }
    const int32_t n_channels = next_int();
    int32_t *bias = read_ints(n_channels);
    int32_t *multiplier = read_ints(n_channels);
    int32_t *shift = read_ints(n_channels);
    const pw_channel_quant quant = {multiplier, shift, next_int()};
    const pw_add_params *a = has_add ? &add : 0;
    const pw_view *r = has_add ? &residual : 0;
    pw_pool_params pool;
    pool.k_h = p.k;
    pool.k_w = k_w;
    pool.stride = p.stride;
    pool.pad = p.pad;
    pool.act_min = p.act_min;
    pool.act_max = p.act_max;
    /* An average under ONNX's rule: its scale's bits in the one multiplier slot (as pw_run.c passes them). */
    pool.onnx_rule = quant.rule == PW_RULE_FLOAT;
    pool.zp = p.input_zp;
    pool.scale_bits = pool.onnx_rule ? multiplier[0] : 0;
    pool.stride_w = 0;
    pool.pad_w = 0;
    pw_status status = PW_ERROR_ARGUMENT;
    if (kernel == 1) {
        int16_t *scratch = alloc(pw_conv_s8_get_buffer_size(p.k, d.c));
        status = pw_conv_s8(&p, &quant, &d, &in, weights, bias, out_c, a, r, &out, scratch);
        free(scratch);
    } else if (kernel == 2) {
        status = pw_conv_1x1_s8(&p, &quant, &d, &in, weights, bias, out_c, a, r, &out);
    } else if (kernel == 3) {
        int8_t *buffer = alloc(pw_dwconv_s8_get_buffer_size(in.rows, in.cols));
        status = pw_dwconv_s8(&p, &quant, &d, &in, weights, bias, a, r, &out, buffer);
        free(buffer);
    } else if (kernel == 4) {
        status = pw_avgpool_s8(&pool, &d, &in, &out);
    } else if (kernel == 5) {
        status = pw_maxpool_s8(&pool, &d, &in, &out);
    } else if (kernel == 6) {
        status = pw_fc_s8(&p, &quant, d.h * d.w * d.c, in.data, weights, bias, out_c, out.data);
    } else if (kernel == 7) {
        /* pw_fc_wide_s8's words, as the record's bytes give them (little-endian): aligned, exactly sized. */
        uint32_t *words = alloc(n_weights);
        memcpy(words, weights, (size_t)n_weights);
        status = pw_fc_wide_s8(&p, &quant, d.h * d.w * d.c, in.data, words, bias, out_c, out.data);
        free(words);
    }
    printf("%d ", (int)status);
    for (int32_t i = 0; i < arena_size; i++) {
        printf("%02x", (unsigned)(uint8_t)arena[i]);
    }
    printf("\n");
    /* Flushed per kernel call: after a crash, the lines printed tell which case it was. */
    fflush(stdout);
    free(arena);
    free(weights);
    free(bias);
    free(multiplier);
    free(shift);
}

int main(void)
{
    long long tag;
    while (scanf("%lld", &tag) == 1) {
        if (tag == 1) {
            const int32_t a = next_int();
            printf("%ld\n", (long)pw_srdhm(a, next_int()));
        } else if (tag == 2) {
            const int32_t x = next_int();
            printf("%ld\n", (long)pw_rdbpot(x, next_int()));
        } else if (tag == 3) {
            const int32_t x = next_int();
            const int32_t m = next_int();
            printf("%ld\n", (long)pw_requantize(x, m, next_int()));
        } else if (tag == 4) {
            pw_add_params add;
            read_add(&add);
            const int32_t a = next_int();
            const int32_t b = next_int();
            printf("%ld\n", (long)pw_add_element(&add, a, b, next_int()));
        } else if (tag == 5) {
            run_kernel();
        } else if (tag == 6) {
            const int32_t acc = next_int();
            const int32_t bits = next_int();
            float scale;
            memcpy(&scale, &bits, sizeof scale);
            printf("%ld\n", (long)pw_requantize_float(acc, scale));
        } else if (tag == 7) {
            const int32_t x = next_int();
            const int32_t m = next_int();
            const pw_channel ch = pw_channel_of(0, m, next_int());
            printf("%ld\n", (long)pw_requantize_channel(x, &ch));
        } else {
            fprintf(stderr, "driver: unknown tag %lld\n", tag);
            return 2;
        }
    }
    return 0;
}
`;

const baseFlags = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror'];
// AddressSanitizer catches a kernel writing past its scratch or reading past the arena, UBSan
// signed overflow and bad shifts: both are bugs even when the bytes happen to come out right.
export const sanitizerFlags = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'];

export class DriverCrash extends Error {
  constructor(message: string, readonly completed: number) {
    super(message);
  }
}

/** The driver built on both paths in a temporary directory; dispose() removes it. */
export class KernelDriver {
  readonly sanitized: boolean;
  private readonly binaries: Record<KernelPath, string>;

  private constructor(readonly dir: string, sanitized: boolean) {
    this.sanitized = sanitized;
    this.binaries = { portable: path.join(dir, 'driver-portable'), dsp: path.join(dir, 'driver-dsp') };
  }

  static build(): KernelDriver {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-kernels-'));
    try {
      const source = path.join(dir, 'driver.c');
      fs.writeFileSync(source, driverSource);
      // Sanitizers when this gcc has their libraries; the plain build otherwise.
      const sanitized = sanitizersWork(dir);
      const driver = new KernelDriver(dir, sanitized);
      const extra = sanitized ? sanitizerFlags : [];
      compile(dir, source, driver.binaries.portable, extra);
      compile(dir, source, driver.binaries.dsp, ['-DPW_USE_DSP=1', ...extra]);
      return driver;
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Runs the records (one per line) on one path; one output line per record. A crash (a sanitizer
   * report, say) throws a DriverCrash saying how many records completed before it.
   */
  run(which: KernelPath, records: string[]): string[] {
    // Input from a file, not a pipe: a driver that dies early must not turn into EPIPE here.
    const inputFile = path.join(this.dir, `input-${which}.txt`);
    fs.writeFileSync(inputFile, records.join('\n') + '\n');
    const fd = fs.openSync(inputFile, 'r');
    let result;
    try {
      result = spawnSync(this.binaries[which], [], {
        stdio: [fd, 'pipe', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        // LeakSanitizer does not work under ptrace in some containers; leaks are not the point here.
        env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'print_stacktrace=1' },
      });
    } finally {
      fs.closeSync(fd);
      fs.rmSync(inputFile, { force: true });
    }
    if (result.error) throw result.error;
    const lines = result.stdout.split('\n');
    // The last piece is complete only when the output ends with a newline.
    const complete = lines.slice(0, -1);
    if (result.status !== 0) throw new DriverCrash(`${which} driver exited with ${result.status ?? result.signal}:\n${result.stderr}`, complete.length);
    if (complete.length !== records.length) throw new Error(`${which} driver printed ${complete.length} lines for ${records.length} records`);
    return complete;
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether a program built with the sanitizers links and starts here (not every gcc ships their runtimes). */
export function sanitizersWork(dir: string): boolean {
  const source = path.join(dir, 'probe.c');
  const binary = path.join(dir, 'probe');
  fs.writeFileSync(source, 'int main(void) { return 0; }\n');
  const cc = spawnSync('gcc', [...sanitizerFlags, source, '-o', binary], { encoding: 'utf8', cwd: dir });
  const ok = cc.status === 0 && spawnSync(binary, [], { env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } }).status === 0;
  fs.rmSync(binary, { force: true });
  return ok;
}

/** gcc on the driver and every runtime source, with the runtime's own warning flags. */
export function compile(dir: string, source: string, output: string, flags: string[]): void {
  const runtime = path.join(repoRoot, 'runtime');
  const sources = fs.readdirSync(path.join(runtime, 'src')).filter((f) => f.endsWith('.c')).map((f) => path.join(runtime, 'src', f));
  const args = [...baseFlags, ...flags, '-I', path.join(runtime, 'include'), '-I', path.join(runtime, 'src'), ...sources, source, '-o', output];
  const cc = spawnSync('gcc', args, { encoding: 'utf8', cwd: dir });
  if (cc.error) throw cc.error;
  if (cc.status !== 0) throw new Error(`gcc ${args.join(' ')}\n${cc.stderr}`);
}
