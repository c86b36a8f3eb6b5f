import { Model } from '../model/ir';
import { ArenaPlan, Place } from './arenaTypes';

/** The bytes a place touches, as [first, last + 1); empty for an empty region. */
function span(p: Place, c: number): [number, number] {
  if (p.rows <= 0 || p.cols <= 0) return [p.offset, p.offset];
  return [p.offset, p.offset + (p.rows - 1) * p.rowStride + p.cols * c];
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] < a[1] && b[0] < b[1] && a[0] < b[1] && b[0] < a[1];
const inside = (a: [number, number], b: [number, number]) => b[0] <= a[0] && a[1] <= b[1];

/**
 * Checks the plan: each step's regions stay inside the arena's activation area, and its input,
 * output and shortcut never overlap each other or any other buffer still to be read, except an
 * in-place depthwise output over its own input, a fused add over its shortcut and a patch's part
 * of a stage output. The copies before a step (row caches) write only into the buffer they fill,
 * read only from the buffer they name, and touch no other live buffer.
 */
export function verifyPlan(model: Model, plan: ArenaPlan): void {
  const lo = plan.activationOffset;
  const hi = plan.activationOffset + plan.activationBytes;
  const live = (index: number) => plan.buffers.map((b, i) => ({ b, i })).filter(({ b }) => b.firstStep < index && b.lastStep >= index);
  plan.steps.forEach((step, index) => {
    const layer = model.layers[step.layer];
    const where = `${layer.name}${step.patch ? ` patch ${step.patch}` : ''} (step ${index})`;
    const alive = live(index);
    for (const m of step.moves) {
      const to: [number, number] = [m.to, m.to + (m.rows - 1) * m.toStride + m.bytes];
      const from: [number, number] = [m.from, m.from + (m.rows - 1) * m.fromStride + m.bytes];
      const bufferSpan = (i: number): [number, number] => [plan.buffers[i].offset, plan.buffers[i].offset + plan.buffers[i].size];
      if (!inside(to, bufferSpan(m.into)) || !inside(from, bufferSpan(m.outOf))) throw new Error(`arena plan: ${where} copies [${from}] to [${to}] outside ${plan.buffers[m.outOf].name} or ${plan.buffers[m.into].name}`);
      for (const { b, i } of alive) {
        if (i !== m.into && i !== m.outOf && b.partOf !== m.into && overlaps(to, [b.offset, b.offset + b.size])) throw new Error(`arena plan: ${where} copies into [${to}] over ${b.name}, still needed`);
      }
    }
    const inSpan = span(step.in, layer.input.c);
    const outSpan = span(step.out, layer.output.c);
    for (const [name, p, s] of [['input', step.in, inSpan], ['output', step.out, outSpan]] as const) {
      if (p.space === 'arena' && s[1] > s[0] && (s[0] < lo || s[1] > hi)) throw new Error(`arena plan: ${where} ${name} [${s}] is outside [${lo}, ${hi})`);
    }
    for (const { b, i } of alive) {
      const bSpan: [number, number] = [b.offset, b.offset + b.size];
      const isInput = step.in.space === 'arena' && inside(inSpan, bSpan);
      const isResidual = step.residual && bSpan[0] <= step.residual.offset && step.residual.offset < bSpan[1];
      if (overlaps(outSpan, bSpan) && !(isInput && layer.inPlace) && !isResidual && i !== step.into) {
        throw new Error(`arena plan: ${where} output [${outSpan}] overlaps ${b.name} [${bSpan}], still needed`);
      }
    }
  });
}
