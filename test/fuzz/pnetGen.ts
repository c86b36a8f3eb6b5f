import fc from 'fast-check';

// Grammar-aware .pnet generation and mutation. The grammar follows DESIGN.md §2: a header (model,
// input, target or budget), op lines and user blocks, a schedule. Values are mostly sensible and
// sometimes at the edges (0, 1, huge), because the failures live at the edges; mutations then break
// the text the way typing does (cut, duplicated or swapped lines, stray tokens and characters).

const edgeNumber = fc.constantFrom(0, 1, 2, 3, 7, 8, 64, 255, 1000, 16384, 20000, 65536, 2147483647, 4294967296, 1e21);
// Mostly the sizes real models use (so that coincidences such as out = in, which give shortcuts,
// are frequent), sometimes any small value, sometimes an edge.
const dim = fc.oneof({ arbitrary: fc.constantFrom(1, 2, 7, 8, 14, 16, 28, 32, 56, 64), weight: 6 }, { arbitrary: fc.integer({ min: 1, max: 64 }), weight: 2 }, { arbitrary: edgeNumber, weight: 1 });
const channels = fc.oneof({ arbitrary: fc.constantFrom(1, 3, 4, 8, 16, 24, 32), weight: 6 }, { arbitrary: fc.integer({ min: 1, max: 48 }), weight: 2 }, { arbitrary: edgeNumber, weight: 1 });
const kernel = fc.constantFrom(1, 3, 5, 7);
const stride = fc.constantFrom(1, 1, 2);
const act = fc.constantFrom('relu', 'relu6', 'none');
/** null or a value, half and half (fc.option's default gives null one time in five). */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { freq: 2 });
/** Mostly null: for what changes the whole file (a `from` line replaces every op line). */
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, { arbitrary: arb, weight: 1 });
const name = fc.constantFrom('a', 'b1', 'stem', 'head', 'x_y');

/**
 * An op line as a function of the channel count it receives, giving the line and the count it
 * passes on: half the time `out=` keeps the channels, so that shortcuts and stacked blocks, where
 * the interesting memory rules live, are common.
 */
type Op = (c: number) => [string, number];
const outOr = fc.option(channels, { freq: 2 });
const opLine: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ out: outOr, k: kernel, s: stride, act: maybe(act), groups: rarely(fc.constantFrom(1, 2, 4)), rep: maybe(fc.integer({ min: 1, max: 3 })) }).map(
    (o): Op => (c) => [`conv out=${o.out ?? c} k=${o.k} s=${o.s}${o.act ? ` act=${o.act}` : ''}${o.groups ? ` groups=${o.groups}` : ''}${o.rep ? ` repeat=${o.rep}` : ''}`, o.out ?? c],
  ),
  fc.record({ k: kernel, s: stride }).map((o): Op => (c) => [`dwconv k=${o.k} s=${o.s}`, c]),
  fc.record({ out: outOr, e: fc.integer({ min: 1, max: 6 }), k: kernel, s: stride, rep: maybe(fc.integer({ min: 1, max: 4 })), name: maybe(name) }).map(
    (o): Op => (c) => [`mbconv out=${o.out ?? c} e=${o.e} k=${o.k} s=${o.s}${o.rep ? ` repeat=${o.rep}` : ''}${o.name ? ` name=${o.name}` : ''}`, o.out ?? c],
  ),
  fc.record({ mode: fc.constantFrom('avg', 'max'), k: fc.constantFrom(2, 3), s: stride }).map((o): Op => (c) => [`pool ${o.mode} k=${o.k} s=${o.s}`, c]),
  fc.constant<Op>((c) => ['pool global', c]),
  outOr.map((out): Op => (c) => [`fc out=${out ?? c}`, out ?? c]),
);

/** Op lines in sequence, each told the channels of the one before. */
function lines(ops: Op[], c: number, indent = ''): [string[], number] {
  const out: string[] = [];
  for (const op of ops) {
    const [line, next] = op(c);
    out.push(indent + line);
    c = next;
  }
  return [out, c];
}

const block: fc.Arbitrary<Op[]> = fc.record({ name, ops: fc.array(opLine, { minLength: 0, maxLength: 3 }), residual: fc.boolean(), rep: rarely(fc.integer({ min: 1, max: 3 })) }).map((b) => {
  // A block is one item of the body: its lines come out of the first op, the others add none.
  const whole: Op = (c) => {
    const [body, next] = lines(b.ops, c, '  ');
    return [[`block ${b.name}${b.rep ? ` repeat=${b.rep}` : ''} {`, ...body, `}${b.residual ? ' residual' : ''}`].join('\n'), next];
  };
  return [whole];
});

const header: fc.Arbitrary<string[]> = fc.record({
  model: maybe(name),
  from: rarely(fc.constantFrom('tiny.onnx', 'missing.onnx')),
  input: fc.option(fc.tuple(dim, dim, channels, fc.constantFrom('', ' sram', ' stream')), { freq: 12 }),
  target: maybe(fc.oneof(fc.constantFrom('target stm32f746', 'target stm32h743', 'target esp32'), fc.tuple(fc.constantFrom('64KiB', '320KiB', '1MiB', '0', 'lots'), fc.constantFrom('1MiB', '64MiB')).map(([s, f]) => `budget sram=${s} flash=${f}`))),
}).map((h) => [
  ...(h.model ? [`model ${h.model}${h.from ? ` from "${h.from}"` : ''}`] : []),
  ...(h.input ? [`input ${h.input[0]}x${h.input[1]}x${h.input[2]}${h.input[3]}`] : []),
  ...(h.target ? [h.target] : []),
]);

const schedule = fc.record({ p: fc.integer({ min: 0, max: 9 }), q: fc.integer({ min: 1, max: 9 }), until: fc.oneof(fc.integer({ min: 0, max: 12 }).map((b) => `block${b}`), name) }).map((s) => `schedule patch=${s.p}x${s.q} until=${s.until}`);

const item = fc.oneof({ arbitrary: opLine.map((l) => [l]), weight: 2 }, { arbitrary: block, weight: 1 });

/** A .pnet file from the grammar: mostly valid, sometimes at the edges of its values. */
export const pnetText: fc.Arbitrary<string> = fc
  .record({
    header,
    inputChannels: channels,
    // Short bodies often: one or two items are where a single block meets the input and the output.
    body: fc.oneof(fc.array(item, { minLength: 1, maxLength: 2 }), fc.array(item, { maxLength: 8 })),
    schedule: fc.option(schedule, { freq: 3 }),
  })
  .map((m) => {
    const input = m.header.find((l) => l.startsWith('input '));
    const c = Number(/x(\d+)(?: |$)/.exec(input ?? '')?.[1] ?? m.inputChannels);
    return [...m.header, ...lines(m.body.flat(), c)[0], ...(m.schedule ? [m.schedule] : [])].join('\n') + '\n';
  });

/** Tokens and characters a careless edit leaves behind. */
const stray = fc.constantFrom('=', '{', '}', '"', '#', 'x', ' ', '\t', 'repeat=1000', 'k=15', 's=16', 'pad=15', 'out=0', 'until=', 'residual', 'block b {', '\u2028', '\u0000', '\u001b[31m', '\r', '\ufeff', 'é', '\ud83d', '99999999999999999999', '-1', '1e400', '0x10');

type Mutation = (text: string) => string;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat({ max: 12 })).map(([at, n]): Mutation => (t) => t.slice(0, at % (t.length + 1)) + t.slice((at % (t.length + 1)) + n)),
  fc.tuple(fc.nat(), stray).map(([at, s]): Mutation => (t) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 })).map(([i, times]): Mutation => (t) => {
    const lines = t.split('\n');
    const at = i % lines.length;
    lines.splice(at, 0, ...Array(times).fill(lines[at]));
    return lines.join('\n');
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]): Mutation => (t) => {
    const lines = t.split('\n');
    const [a, b] = [i % lines.length, j % lines.length];
    [lines[a], lines[b]] = [lines[b], lines[a]];
    return lines.join('\n');
  }),
  fc.tuple(fc.nat(), edgeNumber).map(([i, n]): Mutation => (t) => {
    const numbers = [...t.matchAll(/\d+/g)];
    if (numbers.length === 0) return t;
    const m = numbers[i % numbers.length];
    return t.slice(0, m.index) + String(n) + t.slice(m.index! + m[0].length);
  }),
);

/** A generated file, then up to four mutations of it. */
export const mutatedPnet: fc.Arbitrary<string> = fc.tuple(pnetText, fc.array(mutation, { maxLength: 4 })).map(([text, ms]) => ms.reduce((t, m) => m(t), text));

