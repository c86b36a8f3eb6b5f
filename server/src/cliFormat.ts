import { AnalysisReport } from './core/analysis/analyze';
import { Candidate, SearchResult } from './core/analysis/search';
import { scheduleText } from './core/engine';
import { maxOf } from './core/arrays';
import { Diagnostic } from './core/language/diagnostics';
import { formatBytes, formatKiB, formatMacs, formatPercent } from './core/units';

/** `file:line:col: error PW1234 message`, one-based like compilers print. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code} ${d.message}`;
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => maxOf(rows.map((r) => r[i].length), h.length));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const dims = (d: readonly number[]) => d.join('×');

/** The readable per-block report of `patchwise analyze`. */
export function formatReport(r: AnalysisReport): string {
  const out: string[] = [];
  out.push(`${r.model}: input ${r.input.h}×${r.input.w}×${r.input.c} (${r.input.placement === 'stream' ? 'streamed, not in SRAM' : 'held in SRAM'}), target ${r.target.name} (${formatKiB(r.target.sramBytes)} SRAM, ${formatBytes(r.target.flashBytes)} flash)`);
  const s = r.schedule;
  if (s?.stages) {
    out.push(`schedule: ${s.stages.length} patch stage${s.stages.length > 1 ? 's' : ''}, the other blocks layer by layer`);
    s.stages.forEach((x, i) => out.push(`  stage ${i + 1}  blocks ${x.fromBlock}-${x.untilBlock} patch=${x.patch[0]}x${x.patch[1]}${x.cache !== 'none' ? ` cache=${x.cache}` : ''}`));
    s.streams?.forEach((x) => out.push(`  stream   blocks ${x.fromBlock}-${x.untilBlock} in ${x.bands} bands of ${x.band} row${x.band > 1 ? 's' : ''}`));
  } else if (s) {
    out.push(`schedule patch=${s.patch[0]}x${s.patch[1]} until=block${s.untilBlock}: blocks 0-${s.untilBlock} run patch by patch; the largest patch reads ${s.inputPatch[0]}×${s.inputPatch[1]} input pixels`);
  }
  out.push('');
  const stageOf = (block: number) => s?.stages?.findIndex((x) => block >= x.fromBlock && block <= x.untilBlock) ?? -1;
  const streamed = (block: number) => s?.streams?.some((x) => block >= x.fromBlock && block <= x.untilBlock) ?? false;
  // The last layer of each block, in one pass (layers come in block order): filtering all layers
  // per block made a 100,000-line report take 54 s.
  const lastOf = new Map<number, AnalysisReport['layers'][number]>();
  for (const l of r.layers) lastOf.set(l.block, l);
  const rows = r.blocks.map((b) => {
    const last = lastOf.get(b.index)!;
    return [
      String(b.index),
      String(b.line),
      b.label + (b.shortcut ? ' +' : ''),
      dims(b.out),
      formatMacs(b.macs),
      formatKiB(b.weightsBytes),
      formatKiB(b.peakBytesLayerByLayer),
      s ? formatKiB(b.peakBytes) : '',
      s && b.inPatchStage ? (s.stages ? `stage ${stageOf(b.index) + 1}` : 'patch') : streamed(b.index) ? 'stream' : '',
      `${last.rf.size}/${last.rf.jump}`,
    ];
  });
  const header = ['block', 'line', 'op', 'output', 'MACs', 'weights', 'layer by layer', s ? 'scheduled' : '', s ? 'stage' : '', 'RF/jump'];
  out.push(table(header, rows, new Set([0, 1, 4, 5, 6, 7, 9])));
  out.push('');
  out.push(...summary(r));
  return out.join('\n');
}

function summary(r: AnalysisReport): string[] {
  const s = r.schedule;
  const lines: string[] = [];
  const macs = s
    ? `${formatMacs(r.macs.total)} layer by layer, ${formatMacs(r.macs.scheduled)} with the schedule (${formatPercent(s.overheadTotal)}; patch stage ${formatMacs(r.macs.patchStageLayerByLayer)} → ${formatMacs(r.macs.patchStage)}, ${formatPercent(s.overheadStage)})`
    : `${formatMacs(r.macs.total)}`;
  lines.push(`MACs     ${macs}`);
  const verdict = r.fitsSram ? `fits, ${formatKiB(r.sramMarginBytes)} free` : `does not fit, over by ${formatKiB(-r.sramMarginBytes)}`;
  lines.push(`SRAM     peak ${formatKiB(r.peakBytes)} at block ${r.peakBlock} of ${formatKiB(r.target.sramBytes)}: ${verdict}`);
  if (s?.stages) {
    for (const [i, x] of s.stages.entries()) {
      const caches = x.rowCacheBytes + x.colCacheBytes;
      const held = x.heldInputBytes > 0 ? `held input ${formatKiB(x.heldInputBytes)} + ` : '';
      lines.push(`         stage ${i + 1}: ${formatKiB(x.perPatchPeakBytes)} per patch (block ${x.perPatchPeakBlock}) + ${held}output ${formatKiB(x.stageOutputBytes)} + caches ${formatKiB(caches)} = ${formatKiB(x.stagePeakBytes)}, ${formatPercent(x.overheadStage)} MACs`);
    }
    for (const x of s.streams ?? []) {
      lines.push(`         stream blocks ${x.fromBlock}-${x.untilBlock}: ${formatKiB(x.peakBytes)} at band ${x.peakBand + 1} of ${x.bands} (block ${x.peakBlock}), row caches ${formatKiB(x.rowCacheBytes)}, every row computed once`);
    }
    lines.push(`         outside the stages: ${s.laterPeakBlock < 0 ? 'nothing' : `${formatKiB(s.laterPeakBytes)} (block ${s.laterPeakBlock})`}`);
    lines.push(`         without the schedule: ${formatKiB(r.perLayer.peakBytes)} at block ${r.perLayer.peakBlock} (${r.perLayer.peakLayer})`);
  } else if (s) {
    const after = s.laterPeakBlock < 0 ? 'the stage is the whole network' : `after it ${formatKiB(s.laterPeakBytes)} (block ${s.laterPeakBlock})`;
    lines.push(`         patch stage ${formatKiB(s.perPatchPeakBytes)} per patch (block ${s.perPatchPeakBlock}) + ${formatKiB(s.stagePeakBytes - s.perPatchPeakBytes)} stage buffers = ${formatKiB(s.stagePeakBytes)}; ${after}`);
    lines.push(`         without the schedule: ${formatKiB(r.perLayer.peakBytes)} at block ${r.perLayer.peakBlock} (${r.perLayer.peakLayer})`);
  }
  const flash = r.fitsFlash ? `fits, ${formatBytes(r.flashMarginBytes)} free` : `does not fit, over by ${formatBytes(-r.flashMarginBytes)}`;
  lines.push(`Flash    weights ${formatBytes(r.weightsBytes)} of ${formatBytes(r.target.flashBytes)}: ${flash}`);
  lines.push(`Scratch  ${formatKiB(r.scratchBytes)} (im2col or depthwise channel buffer), beside the peak`);
  return lines;
}

function candidateRow(c: Candidate, budget: number): string[] {
  return [formatKiB(c.peakBytes), formatMacs(c.macs), formatPercent(c.overheadTotal), c.peakBytes <= budget ? 'fits' : '', c.patch ? oneLine(scheduleText(c)).replace(/schedule /g, '') : 'layer by layer'];
}

/** Several schedule lines (stages) on one table row or message line. */
export function oneLine(text: string): string {
  return text.replace(/\n/g, ' ; ');
}

/** The readable result of `patchwise optimize`. */
export function formatSearch(model: string, r: SearchResult, current: AnalysisReport | undefined): string {
  const out: string[] = [];
  const tried = r.bounded
    ? `${r.candidates.length} of ${r.bounded.total} schedules (the search stopped at its bound after the split points up to block ${r.bounded.lastBlock}, × patch grids up to 8×8)`
    : `${r.candidates.length} schedules (every split point × patch grids up to 8×8)`;
  out.push(`${model}: ${tried} against ${formatKiB(r.budgetBytes)} of SRAM`);
  out.push('');
  out.push('Pareto front, peak vs MACs:');
  out.push(table(['peak', 'MACs', 'overhead', '', 'schedule'], r.pareto.map((c) => candidateRow(c, r.budgetBytes)), new Set([0, 1, 2])));
  out.push('');
  if (current?.schedule) {
    const s = current.schedule;
    out.push(`current  patch=${s.patch[0]}x${s.patch[1]} until=block${s.untilBlock}: peak ${formatKiB(current.peakBytes)}, ${formatMacs(current.macs.scheduled)} MACs (${formatPercent(s.overheadTotal)})`);
  }
  if (r.best) {
    const what = r.best.patch ? oneLine(scheduleText(r.best)) : 'no schedule: the model fits layer by layer';
    out.push(`best     ${what}: peak ${formatKiB(r.best.peakBytes)}, ${formatMacs(r.best.macs)} MACs (${formatPercent(r.best.overheadTotal)}), the fewest MACs within ${formatKiB(r.budgetBytes)}`);
  } else {
    out.push(`nothing fits: ${r.reason}`);
  }
  if (current && !current.fitsFlash) {
    out.push(`warning  the weights need ${formatBytes(current.weightsBytes)} of flash; the target has ${formatBytes(current.target.flashBytes)} (no schedule changes that)`);
  }
  return out.join('\n');
}
