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
