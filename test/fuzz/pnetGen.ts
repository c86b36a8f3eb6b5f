import fc from 'fast-check';

// Grammar-aware .pnet generation and mutation. The grammar follows DESIGN.md §2: a header (model,
// input, target or budget), op lines and user blocks, a schedule. Values are mostly sensible and
// sometimes at the edges (0, 1, huge), because the failures live at the edges; mutations then break
// the text the way typing does (cut, duplicated or swapped lines, stray tokens and characters).

const edgeNumber = fc.constantFrom(0, 1, 2, 3, 7, 8, 64, 255, 1000, 16384, 20000, 65536, 2147483647, 4294967296, 1e21);
const dim = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 64 }), weight: 8 }, { arbitrary: edgeNumber, weight: 1 });
const channels = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 48 }), weight: 8 }, { arbitrary: edgeNumber, weight: 1 });
const kernel = fc.constantFrom(1, 3, 5, 7);
const stride = fc.constantFrom(1, 1, 2);
const act = fc.constantFrom('relu', 'relu6', 'none');
const name = fc.constantFrom('a', 'b1', 'stem', 'head', 'x_y');

const opLine: fc.Arbitrary<string> = fc.oneof(
  fc.record({ out: channels, k: kernel, s: stride, act: fc.option(act), groups: fc.option(fc.constantFrom(1, 2, 4)), rep: fc.option(fc.integer({ min: 1, max: 3 })) }).map(
    (o) => `conv out=${o.out} k=${o.k} s=${o.s}${o.act ? ` act=${o.act}` : ''}${o.groups ? ` groups=${o.groups}` : ''}${o.rep ? ` repeat=${o.rep}` : ''}`,
  ),
  fc.record({ k: kernel, s: stride }).map((o) => `dwconv k=${o.k} s=${o.s}`),
  fc.record({ out: channels, e: fc.integer({ min: 1, max: 6 }), k: kernel, s: stride, rep: fc.option(fc.integer({ min: 1, max: 4 })), name: fc.option(name) }).map(
    (o) => `mbconv out=${o.out} e=${o.e} k=${o.k} s=${o.s}${o.rep ? ` repeat=${o.rep}` : ''}${o.name ? ` name=${o.name}` : ''}`,
  ),
  fc.record({ mode: fc.constantFrom('avg', 'max'), k: fc.constantFrom(2, 3), s: stride }).map((o) => `pool ${o.mode} k=${o.k} s=${o.s}`),
  fc.constant('pool global'),
  channels.map((out) => `fc out=${out}`),
);

const block: fc.Arbitrary<string[]> = fc.record({ name, ops: fc.array(opLine, { minLength: 0, maxLength: 3 }), residual: fc.boolean(), rep: fc.option(fc.integer({ min: 1, max: 3 })) }).map(
  (b) => [`block ${b.name}${b.rep ? ` repeat=${b.rep}` : ''} {`, ...b.ops.map((o) => `  ${o}`), `}${b.residual ? ' residual' : ''}`],
);

const header: fc.Arbitrary<string[]> = fc.record({
  model: fc.option(name),
  from: fc.option(fc.constantFrom('tiny.onnx', 'missing.onnx')),
  input: fc.option(fc.tuple(dim, dim, channels, fc.constantFrom('', ' sram', ' stream')), { freq: 12 }),
  target: fc.option(fc.oneof(fc.constantFrom('target stm32f746', 'target stm32h743', 'target esp32'), fc.tuple(fc.constantFrom('64KiB', '320KiB', '1MiB', '0', 'lots'), fc.constantFrom('1MiB', '64MiB')).map(([s, f]) => `budget sram=${s} flash=${f}`))),
}).map((h) => [
  ...(h.model ? [`model ${h.model}${h.from ? ` from "${h.from}"` : ''}`] : []),
  ...(h.input ? [`input ${h.input[0]}x${h.input[1]}x${h.input[2]}${h.input[3]}`] : []),
  ...(h.target ? [h.target] : []),
]);

const schedule = fc.record({ p: fc.integer({ min: 0, max: 9 }), q: fc.integer({ min: 1, max: 9 }), until: fc.oneof(fc.integer({ min: 0, max: 12 }).map((b) => `block${b}`), name) }).map((s) => `schedule patch=${s.p}x${s.q} until=${s.until}`);

/** A .pnet file from the grammar: mostly valid, sometimes at the edges of its values. */
export const pnetText: fc.Arbitrary<string> = fc
  .record({ header, body: fc.array(fc.oneof({ arbitrary: opLine.map((l) => [l]), weight: 4 }, { arbitrary: block, weight: 1 }), { minLength: 0, maxLength: 8 }), schedule: fc.option(schedule, { freq: 3 }) })
  .map((m) => [...m.header, ...m.body.flat(), ...(m.schedule ? [m.schedule] : [])].join('\n') + '\n');

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

