import { strict as assert } from 'assert';
import { Shape } from '../../server/src/core/model/ir';
import { Random } from '../../server/src/core/quant/random';
import { addElementCases, rdbpotCases, requantizeCases, requantizeChannelCases, requantizeFloatCases, ScalarCase, srdhmCases } from './fixedPointCases';
import { buildCase, KernelCase, KernelSpec, outputSize, PW_OK, Rect } from './kernelCases';
import { DriverCrash, KernelDriver, kernelPaths } from './kernelDriver';

// Every C kernel and fixed-point helper of the runtime against the TypeScript reference, byte for
// byte, on the portable path and on the DSP path (emulated on the host): whole tensors, output
// rectangles computed from stored input regions (patch-based inference), in place, with the fused
// shortcut add, and regions missing a row they need (which must fail, not read garbage).

/** Runs scalar cases on both paths; fails listing the first mismatches. */
function checkScalars(driver: KernelDriver, name: string, cases: ScalarCase[]): void {
  console.log(`      ${name}: ${cases.length} cases × ${kernelPaths.join(', ')}`);
  const records = cases.map((c) => c.record);
  const failures: string[] = [];
  for (const which of kernelPaths) {
    driver.run(which, records).forEach((line, i) => {
      if (Number(line) !== cases[i].expected) failures.push(`${which}: ${cases[i].call} = ${line}, reference ${cases[i].expected}`);
    });
  }
  assert.equal(failures.length, 0, `${failures.length} mismatches:\n${failures.slice(0, 20).join('\n')}`);
}

/** Runs kernel cases on both paths; status and every arena byte must be the reference's. */
function checkKernels(driver: KernelDriver, name: string, specs: KernelSpec[]): void {
  const cases = specs.map(buildCase);
  const errors = cases.filter((c) => c.expectedStatus !== PW_OK).length;
  const regions = cases.filter((c) => c.spec.region && c.expectedStatus === PW_OK).length;
  const inPlace = cases.filter((c) => c.spec.inPlace || c.spec.add === 'inPlace').length;
  console.log(
    `      ${name}: ${cases.length} cases (${cases.length - regions - errors} whole, ${regions} regions, ${errors} missing input, ` +
      `${inPlace} in place, ${cases.filter((c) => c.spec.add).length} fused add) × ${kernelPaths.join(', ')}`,
  );
  const failures: string[] = [];
  for (const which of kernelPaths) {
    let lines: string[];
    try {
      lines = driver.run(which, cases.map((c) => c.record));
    } catch (error) {
      if (!(error instanceof DriverCrash)) throw error;
      throw new Error(`crashed in ${cases[error.completed].label}\n${error.message}`);
    }
    lines.forEach((line, i) => {
      const problem = compare(cases[i], line);
      if (problem) failures.push(`${which}: ${cases[i].label}\n    ${problem}`);
    });
  }
  assert.equal(failures.length, 0, `${failures.length} failing cases:\n${failures.slice(0, 12).join('\n')}`);
}

function compare(c: KernelCase, line: string): string | undefined {
  const [statusText, hex] = line.split(' ');
  const status = Number(statusText);
  if (status !== c.expectedStatus) return `status ${status}, expected ${c.expectedStatus}`;
  if (!c.expectedArena) return undefined;
  const buffer = Buffer.from(hex ?? '', 'hex');
  const got = new Int8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  if (got.length !== c.expectedArena.length) return `arena of ${got.length} bytes, expected ${c.expectedArena.length}`;
  const diffs: string[] = [];
  let count = 0;
  for (let i = 0; i < got.length; i++) {
    if (got[i] === c.expectedArena[i]) continue;
    if (count++ < 4) diffs.push(`${c.explain(i)}: C ${got[i]}, reference ${c.expectedArena[i]}`);
  }
  return count ? `${count} bytes differ; ${diffs.join('; ')}` : undefined;
}

/** A size ≥ min with the given parity (odd and even sizes both occur), up to a few above. */
function size(rng: Random, min: number, parity: number): number {
  const n = Math.max(1, min) + rng.int(0, 6);
  return n % 2 === parity ? n : n + 1;
}

/** Output rectangles that touch the top-left corner, sit inside, and touch the bottom-right corner. */
function rectangles(rng: Random, out: Shape): { topLeft: Rect; interior: Rect; bottomRight: Rect } {
  const rows = () => rng.int(1, Math.max(1, out.h - 1));
  const cols = () => rng.int(1, Math.max(1, out.w - 1));
  const topLeft = { y0: 0, x0: 0, rows: rows(), cols: cols() };
  const br = { rows: rows(), cols: cols() };
  const bottomRight = { y0: out.h - br.rows, x0: out.w - br.cols, ...br };
  // Off every edge when the map allows it (≥ 3 outputs a side), else anywhere.
  const inside = (n: number): [number, number] => {
    if (n < 3) {
      const start = rng.int(0, n - 1);
      return [start, rng.int(1, n - start)];
    }
    const start = rng.int(1, n - 2);
    return [start, rng.int(1, n - 1 - start)];
  };
  const [y0, r] = inside(out.h);
  const [x0, c] = inside(out.w);
  return { topLeft, interior: { y0, x0, rows: r, cols: c }, bottomRight };
}

/** Whole-tensor run, three rectangles, and the same rectangles with a needed row/col left out. */
function regionGrid(base: Omit<KernelSpec, 'seed'>, rng: Random, seed: () => number, extra: Partial<KernelSpec>[] = [{}, {}, {}]): KernelSpec[] {
  const k = base.k;
  const kW = base.kW ?? k;
  const out = { h: outputSize(base.input.h, k, base.s, base.p), w: outputSize(base.input.w, kW, base.s, base.p), c: 1 };
  const { topLeft, interior, bottomRight } = rectangles(rng, out);
  return [
    { ...base, seed: seed() },
    { ...base, ...extra[0], region: topLeft, seed: seed() },
    { ...base, ...extra[1], region: interior, seed: seed() },
    { ...base, ...extra[2], region: bottomRight, seed: seed() },
    { ...base, region: topLeft, missing: 'top', seed: seed() },
    { ...base, region: bottomRight, missing: 'bottom', seed: seed() },
    { ...base, region: interior, missing: rng.next() < 0.5 ? 'left' : 'right', seed: seed() },
  ];
}

const seeds = (start: number) => {
  let n = start;
  return () => n++;
};

describe('C runtime kernels vs the TypeScript reference', function () {
  let driver: KernelDriver;

  before(function () {
    // Two sanitized builds of every runtime source: minutes when the machine's cores are shared.
    this.timeout(600000);
    driver = KernelDriver.build();
    if (!driver.sanitized) console.log('      (gcc without sanitizer runtimes: built without -fsanitize)');
  });

  after(() => driver?.dispose());

  describe('fixed point', () => {
    it('pw_srdhm equals saturatingRoundingDoublingHighMul', () => checkScalars(driver, 'pw_srdhm', srdhmCases(new Random(11))));
    it('pw_rdbpot equals roundingDivideByPOT', () => checkScalars(driver, 'pw_rdbpot', rdbpotCases(new Random(12))));
    it('pw_requantize equals multiplyByQuantizedMultiplier (shifts −31…+8, ties, wrapping)', () =>
      checkScalars(driver, 'pw_requantize', requantizeCases(new Random(13))));
    it('pw_requantize_channel (the kernels\' prepared form) equals multiplyByQuantizedMultiplier', () =>
      checkScalars(driver, 'pw_requantize_channel', requantizeChannelCases(new Random(16))));
    it('pw_add_element equals addElement', () => checkScalars(driver, 'pw_add_element', addElementCases(new Random(14))));
  });

  describe("ONNX's float rule (weights from an ONNX model)", () => {
    it('pw_requantize_float equals requantizeOnnx (ties, float(acc) rounding past 2^24)', () =>
      checkScalars(driver, 'pw_requantize_float', requantizeFloatCases(new Random(15))));

    it('every weighted kernel under the float rule: conv, 1x1, depthwise, fc; regions, in place, fused add', () => {
      const rng = new Random(107);
      const seed = seeds(7000);
      const specs: KernelSpec[] = [];
      for (let n = 0; n < 12; n++) {
        const k = [1, 3, 5][n % 3];
        const s = 1 + (n % 2);
        const p = k >> 1;
        const input = { h: size(rng, k, n % 2), w: size(rng, k, (n >> 1) % 2), c: rng.int(1, 16) };
        const rule = 'onnx' as const;
        specs.push(...regionGrid({ kernel: 'conv', input, outC: rng.int(1, 16), k, s, p, rule }, rng, seed, [{}, { add: n % 2 ? 'inPlace' : 'separate' }, {}]));
        specs.push(...regionGrid({ kernel: 'conv1x1', input, outC: rng.int(1, 16), k: 1, s, p: 0, rule }, rng, seed, [{ add: 'separate' }, {}, { add: 'inPlace' }]));
        specs.push(...regionGrid({ kernel: 'dwconv', input, k, s, p, rule }, rng, seed, [{ inPlace: 'first' }, { add: 'separate' }, { inPlace: 'last' }]));
        specs.push({ kernel: 'fc', input, outC: rng.int(1, 20), k: 1, s: 1, p: 0, rule, seed: seed() });
      }
      checkKernels(driver, 'float rule', specs);
    });
  });

  describe('kernels', () => {
    it('pw_conv_s8: k 1/3/5/7, s 1/2, every padding, regions, fused add', () => {
      const rng = new Random(101);
      const seed = seeds(1000);
      const specs: KernelSpec[] = [];
      let n = 0;
      for (const k of [1, 3, 5, 7]) {
        for (const s of [1, 2]) {
          for (let p = 0; p <= k >> 1; p++, n++) {
            const input = { h: size(rng, k - 2 * p, n % 2), w: size(rng, k - 2 * p, (n >> 1) % 2), c: rng.int(1, 16) };
            const base = { kernel: 'conv' as const, input, outC: rng.int(1, 16), k, s, p };
            // One rectangle in three with the shortcut add, alternately stored apart and in place.
            specs.push(...regionGrid(base, rng, seed, [{}, { add: n % 2 ? 'inPlace' : 'separate' }, {}]));
            specs.push({ ...base, add: n % 2 ? 'separate' : 'inPlace', seed: seed() });
          }
        }
      }
      checkKernels(driver, 'pw_conv_s8', specs);
    });

    it('pw_conv_1x1_s8: s 1/2, without and with the fused add (apart and in place), regions', () => {
      const rng = new Random(102);
      const seed = seeds(2000);
      const specs: KernelSpec[] = [];
      let n = 0;
      for (const s of [1, 2]) {
        for (const add of [undefined, 'separate', 'inPlace'] as const) {
          for (let i = 0; i < 3; i++, n++) {
            const input = { h: size(rng, 1, n % 2), w: size(rng, 1, (n >> 1) % 2), c: rng.int(1, 16) };
            const base = { kernel: 'conv1x1' as const, input, outC: rng.int(1, 16), k: 1, s, p: 0, ...(add ? { add } : {}) };
            specs.push(...regionGrid(base, rng, seed));
          }
        }
      }
      checkKernels(driver, 'pw_conv_1x1_s8', specs);
    });

    it('pw_conv_1x1_s8: wide layers (channel counts across the 16-channel chunks, odd and even, unroll tails), both rules', () => {
      const rng = new Random(108);
      const seed = seeds(8000);
      const specs: KernelSpec[] = [];
      const counts = [[3, 17], [4, 33], [5, 16], [8, 31], [13, 40], [24, 8], [33, 47], [64, 18], [7, 1], [96, 2]];
      counts.forEach(([c, outC], n) => {
        const input = { h: size(rng, 1, n % 2), w: size(rng, 1, (n >> 1) % 2), c };
        const rule = n % 3 === 2 ? { rule: 'onnx' as const } : {};
        const base = { kernel: 'conv1x1' as const, input, outC, k: 1, s: 1 + (n % 2), p: 0, ...rule };
        specs.push(...regionGrid(base, rng, seed, [{ add: 'separate' }, {}, { add: 'inPlace' }]));
      });
      checkKernels(driver, 'pw_conv_1x1_s8 wide', specs);
    });

    it('pw_dwconv_s8: k 1/3/5/7, s 1/2, every padding, apart and in place (first and last byte), regions', () => {
      const rng = new Random(103);
      const seed = seeds(3000);
      const specs: KernelSpec[] = [];
      let n = 0;
      for (const k of [1, 3, 5, 7]) {
        for (const s of [1, 2]) {
          for (let p = 0; p <= k >> 1; p++, n++) {
            const input = { h: size(rng, k - 2 * p, n % 2), w: size(rng, k - 2 * p, (n >> 1) % 2), c: rng.int(1, 16) };
            const base = { kernel: 'dwconv' as const, input, k, s, p };
            specs.push(...regionGrid(base, rng, seed, [{ inPlace: 'first' }, n % 3 ? {} : { add: 'separate' }, { inPlace: 'last' }]));
            specs.push({ ...base, inPlace: 'first', seed: seed() }, { ...base, inPlace: 'last', seed: seed() });
          }
        }
      }
      checkKernels(driver, 'pw_dwconv_s8', specs);
    });

    for (const kernel of ['avgpool', 'maxpool'] as const) {
      it(`pw_${kernel}_s8: windows 2/3, s 1/2, pad 0/1, global pooling, regions`, () => {
        const rng = new Random(kernel === 'avgpool' ? 104 : 105);
        const seed = seeds(kernel === 'avgpool' ? 4000 : 5000);
        const specs: KernelSpec[] = [];
        let n = 0;
        for (const k of [2, 3]) {
          for (const s of [1, 2]) {
            for (const p of [0, 1]) {
              for (let i = 0; i < 2; i++, n++) {
                const input = { h: size(rng, k - 2 * p, n % 2), w: size(rng, k - 2 * p, (n >> 1) % 2), c: rng.int(1, 16) };
                specs.push(...regionGrid({ kernel, input, k, s, p }, rng, seed));
              }
            }
          }
        }
        // Global pooling: the window is the whole (possibly non-square) map.
        for (const [h, w, c] of [[1, 1, 3], [5, 5, 8], [7, 4, 16], [4, 9, 5], [6, 6, 1], [10, 3, 12]]) {
          const base = { kernel, input: { h, w, c }, k: h, kW: w, s: 1, p: 0 };
          specs.push({ ...base, seed: seed() }, { ...base, missing: 'bottom', seed: seed() });
        }
        checkKernels(driver, `pw_${kernel}_s8`, specs);
      });
    }

    it('pw_dwconv_s8 3×3 on small maps (1…7 a side): edge columns, border rows, s 1/2, pad 0/1, regions, in place', () => {
      // The per-channel plane path: the one-column edges on each side, maps too narrow for them,
      // odd and even counts of inside outputs, contiguous and strided planes.
      const rng = new Random(109);
      const seed = seeds(9000);
      const specs: KernelSpec[] = [];
      let n = 0;
      for (const s of [1, 2]) {
        for (const p of [0, 1]) {
          for (let h = Math.max(1, 3 - 2 * p); h <= 7; h++, n++) {
            const w = Math.max(3 - 2 * p, 1 + ((h * 3 + n) % 7));
            const input = { h, w, c: rng.int(1, 12) };
            const base = { kernel: 'dwconv' as const, input, k: 3, s, p };
            specs.push(...regionGrid(base, rng, seed, [{ inPlace: 'first' }, {}, { inPlace: 'last' }]));
            specs.push({ ...base, inPlace: n % 2 ? 'first' : 'last', seed: seed() });
          }
        }
      }
      checkKernels(driver, 'pw_dwconv_s8 small maps', specs);
    });

    it('pw_avgpool_s8 global: maps past 256 pixels (the int16 lanes flush), channels not a multiple of 4, strided rows', () => {
      const rng = new Random(110);
      const seed = seeds(9500);
      const specs: KernelSpec[] = [];
      for (const [h, w, c] of [[17, 17, 7], [16, 16, 4], [1, 300, 9], [20, 13, 13], [2, 2, 448], [3, 3, 256], [5, 5, 6]]) {
        const base = { kernel: 'avgpool' as const, input: { h, w, c }, k: h, kW: w, s: 1, p: 0 };
        // Even pixel counts put some averages on a rounding tie; the stored row stride varies by seed.
        for (let i = 0; i < 3; i++) specs.push({ ...base, seed: seed() });
        specs.push({ ...base, missing: rng.next() < 0.5 ? 'top' : 'right', seed: seed() });
      }
      checkKernels(driver, 'pw_avgpool_s8 global', specs);
    });

    it("pw_avgpool_s8 under ONNX's rule (onnxruntime's Σ(x − zp)·s/(s·n), half to even): global and windowed, ties", () => {
      const rng = new Random(111);
      const seed = seeds(9700);
      const specs: KernelSpec[] = [];
      for (const [h, w, c] of [[2, 2, 8], [4, 4, 16], [6, 6, 3], [17, 17, 7], [3, 8, 12], [1, 300, 5]]) {
        const base = { kernel: 'avgpool' as const, input: { h, w, c }, k: h, kW: w, s: 1, p: 0, rule: 'onnx' as const };
        for (let i = 0; i < 3; i++) specs.push({ ...base, seed: seed() });
      }
      for (const [k, s, p] of [[2, 2, 0], [3, 1, 1], [3, 2, 1]]) {
        const input = { h: rng.int(k, 9), w: rng.int(k, 9), c: rng.int(1, 10) };
        specs.push(...regionGrid({ kernel: 'avgpool', input, k, s, p, rule: 'onnx' }, rng, seed));
      }
      checkKernels(driver, "pw_avgpool_s8 ONNX's rule", specs);
    });

    it('pw_fc_s8: three rows a pass and the rows left over, input tails, both rules', () => {
      const seed = seeds(9800);
      const specs: KernelSpec[] = [];
      for (const [inN, outN] of [[448, 31], [7, 3], [8, 4], [9, 5], [16, 6], [13, 7], [64, 8], [33, 1], [1, 2]]) {
        for (const rule of [{}, { rule: 'onnx' as const }]) {
          specs.push({ kernel: 'fc', input: { h: 1, w: 1, c: inN }, outC: outN, k: 1, s: 1, p: 0, ...rule, seed: seed() });
        }
      }
      checkKernels(driver, 'pw_fc_s8 rows', specs);
    });

    it('pw_fc_wide_s8: int16 weights in their words, three rows a pass and the rows left over, input tails, both rules', () => {
      const rng = new Random(107);
      const seed = seeds(9900);
      const specs: KernelSpec[] = [];
      for (const [inN, outN] of [[256, 2], [448, 31], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [7, 3], [8, 4], [9, 5], [13, 7], [64, 12], [33, 1], [1, 2], [6, 8]]) {
        for (const rule of [{}, { rule: 'onnx' as const }]) {
          specs.push({ kernel: 'fc', wide: true, input: { h: 1, w: 1, c: inN }, outC: outN, k: 1, s: 1, p: 0, ...rule, seed: seed() });
        }
      }
      for (let i = 0; i < 20; i++) specs.push({ kernel: 'fc', wide: true, input: { h: rng.int(1, 3), w: rng.int(1, 3), c: rng.int(1, 40) }, outC: rng.int(1, 20), k: 1, s: 1, p: 0, seed: seed() });
      checkKernels(driver, 'pw_fc_wide_s8', specs);
    });

    it('pw_fc_s8: flattened inputs of 1…400 bytes, 1…20 outputs', () => {
      const rng = new Random(106);
      const seed = seeds(6000);
      const shapes = [[1, 1, 1], [1, 1, 2], [1, 1, 3], [1, 1, 4], [1, 1, 5], [1, 1, 7], [1, 1, 8], [1, 1, 16], [1, 1, 17], [1, 1, 64], [2, 3, 5], [3, 3, 7], [4, 4, 16], [5, 5, 16], [1, 1, 400]];
      const specs: KernelSpec[] = [];
      for (const [h, w, c] of shapes) {
        for (let i = 0; i < 2; i++) specs.push({ kernel: 'fc', input: { h, w, c }, outC: rng.int(1, 20), k: 1, s: 1, p: 0, seed: seed() });
      }
      checkKernels(driver, 'pw_fc_s8', specs);
    });
  });
});
