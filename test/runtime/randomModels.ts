import fc from 'fast-check';
import { Model } from '../../server/src/core/model/ir';
import { Random } from '../../server/src/core/quant/random';

/**
 * Random .pnet models the runtime can run: a conv stem, then chains of conv / dwconv / mbconv /
 * pooling / residual user blocks with k ∈ {1,3,5,7}, s ∈ {1,2}, odd and even non-square sizes,
 * sometimes pool global + fc, sometimes the input held in SRAM; and a random patch schedule.
 */
export function randomModel(seed: number): { text: string; schedule: string | null } {
  const rng = new Random(seed);
  const pick = <T>(items: T[]): T => items[rng.int(0, items.length - 1)];
  let h = rng.int(9, 44);
  let w = rng.int(9, 44);
  let c = rng.int(1, 6);
  const lines = [`model random-${seed}`, `input ${h}x${w}x${c}${rng.next() < 0.2 ? ' sram' : ''}`, 'budget sram=4MiB flash=16MiB'];
  const shrink = (k: number, s: number, p: number) => {
    h = Math.floor((h + 2 * p - k) / s) + 1;
    w = Math.floor((w + 2 * p - k) / s) + 1;
  };
  const stemK = pick([1, 3, 5, 7]);
  const stemS = pick([1, 2]);
  c = rng.int(2, 16);
  lines.push(`conv out=${c} k=${stemK} s=${stemS} act=${pick(['relu', 'relu6', 'none'])}`);
  shrink(stemK, stemS, stemK >> 1);
  const blocks = rng.int(2, 7);
  for (let b = 0; b < blocks && h > 2 && w > 2; b++) {
    const k = pick([1, 3, 5, 7]);
    const s = h > 6 && w > 6 ? pick([1, 1, 2]) : 1;
    const kind = pick(['conv', 'dwconv', 'mbconv', 'mbconv', 'mbconv', 'pool', 'residual']);
    if (kind === 'conv') {
      c = rng.int(1, 24);
      lines.push(`conv out=${c} k=${k} s=${s}`);
      shrink(k, s, k >> 1);
    } else if (kind === 'dwconv') {
      lines.push(`dwconv k=${k} s=${s}`);
      shrink(k, s, k >> 1);
    } else if (kind === 'pool') {
      const pk = pick([2, 3]);
      lines.push(`pool ${pick(['avg', 'max'])} k=${pk} s=${pick([1, 2])}`);
      const ps = Number(lines[lines.length - 1].split('s=')[1]);
      shrink(pk, ps, 0);
    } else if (kind === 'residual') {
      const mid = rng.int(2, 20);
      lines.push('block res {', `  conv out=${mid} k=1`, `  dwconv k=${k}`, `  conv out=${c} k=${pick([1, 3])}`, `} residual`);
    } else {
      const keep = rng.next() < 0.5;
      const out = keep ? c : rng.int(1, 24);
      const repeat = rng.int(1, 2);
      lines.push(`mbconv out=${out} e=${rng.int(1, 6)} k=${k} s=${s}${repeat > 1 ? ` repeat=${repeat}` : ''}`);
      shrink(k, s, k >> 1);
      c = out;
    }
  }
  if (rng.next() < 0.5) lines.push('pool global', `fc out=${rng.int(2, 40)}`);
  const text = lines.join('\n') + '\n';
  return { text, schedule: null };
}

export type RunKind = 'none' | 'rows' | 'rows+cols' | 'stream';

/** What randomSchedule draws from: where runs start and end, and each run's grid and kind. */
export const scheduleChoices = fc.record({
  cuts: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
  grids: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom<RunKind>('none', 'rows', 'rows+cols', 'stream')), { minLength: 3, maxLength: 3 }),
});

/**
 * Up to three patch stages or streamed runs over a model's blocks, paired from sorted distinct cut
 * points (blocks between them run layer by layer), all before the first global pooling or fc
 * (PW2018); with the kind each run really has (a cache needs two patch rows, and two columns for
 * rows+cols) and whether it starts after block 0.
 */
export function randomSchedule(model: Model, choices: { cuts: number[]; grids: [number, number, RunKind][] }): { schedule: string; runs: { kind: RunKind; later: boolean }[] } {
  const global = model.blocks.findIndex((b) => model.layers.slice(b.firstLayer, b.endLayer).some((l) => l.kind === 'gpool' || l.kind === 'fc'));
  const marks = [...new Set(choices.cuts.map((x) => x % (global < 0 ? model.blocks.length : global)))].sort((a, b) => a - b);
  const lines: string[] = [];
  const runs: { kind: RunKind; later: boolean }[] = [];
  for (let i = 0, n = 0; i < marks.length && n < 3; i += 2, n++) {
    const [from, until] = [marks[i], marks[i + 1] ?? marks[i]];
    const out = model.blocks[until].output;
    const [p, q, wanted] = choices.grids[n];
    const [P, Q] = [1 + (p % Math.min(8, out.h)), 1 + (q % Math.min(8, out.w))];
    const kind: RunKind = wanted === 'stream' ? 'stream' : P === 1 || (wanted === 'rows+cols' && Q === 1) ? 'none' : wanted;
    lines.push(kind === 'stream' ? `stream from=block${from} until=block${until} band=${1 + (p % Math.min(4, out.h))}` : `patch=${P}x${Q} from=block${from} until=block${until} cache=${kind}`);
    runs.push({ kind, later: from > 0 });
  }
  return { schedule: lines.join('\nschedule '), runs };
}
