import { ArenaPlan } from '../../server/src/core/codegen/arenaPlan';

/**
 * The plan's own peak: the most arena bytes in use at any step (the union of the buffers live
 * across it, its input, output and shortcut), measured from the offsets, not from the analysis.
 */
export function planPeakBytes(plan: ArenaPlan, model: { layers: readonly { input: { c: number }; output: { c: number } }[] }): number {
  let peak = 0;
  plan.steps.forEach((step, k) => {
    const spans: [number, number][] = plan.buffers.filter((b) => b.firstStep < k && b.lastStep >= k).map((b) => [b.offset, b.offset + b.size]);
    const layer = model.layers[step.layer];
    for (const [p, c] of [[step.in, layer.input.c], [step.out, layer.output.c], [step.residual, layer.output.c]] as const) {
      if (p && p.space === 'arena' && p.rows > 0 && p.cols > 0) spans.push([p.offset, p.offset + (p.rows - 1) * p.rowStride + p.cols * c]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    let used = 0;
    let reach = -Infinity;
    for (const [a, b] of spans) {
      if (b <= reach) continue;
      used += b - Math.max(a, reach);
      reach = b;
    }
    peak = Math.max(peak, used);
  });
  return peak;
}

