import { BlockReport, LayerReport } from '../analysis/analyze';
import { Position } from '../language/diagnostics';
import { LayerKind } from '../model/ir';
import { stageBlocker } from '../model/ops';
import { formatBudget, formatBytes, formatKiB, formatMacs, formatPercent } from '../units';
import { DocumentAnalysis } from './document';
import { Hover } from './types';
import { statementRange } from './validation';

const dims = (d: readonly number[]) => d.join('×');
const signed = (n: number) => (n < 0 ? `−${-n}` : String(n));

/** Hover on a block or layer line, on `schedule`, `input` or `target`. */
export function doHover(doc: DocumentAnalysis, position: Position): Hover | null {
  const report = doc.analysis.report;
  const ast = doc.analysis.ast;
  if (!report) return null;
  const line = position.line;
  const range = statementRange(doc, line);
  if (position.character < range.start.character || position.character > range.end.character) return null;
  let contents: string | undefined;
  const stageLine = report.schedule?.stages ? (doc.analysis.model?.stages ?? []).findIndex((x) => x.line === line) : -1;
  if (stageLine >= 0) contents = stageHover(doc, stageLine);
  else if ((ast.schedules ?? []).some((x) => x.line === line)) contents = scheduleHover(doc);
  else if (ast.input?.range.start.line === line) contents = inputHover(doc);
  else if (ast.target?.range.start.line === line || ast.budget?.range.start.line === line) contents = targetHover(doc);
  else if (ast.from?.range.start.line === line && doc.analysis.model) contents = importedHover(doc);
  else contents = blockHover(doc, line);
  return contents ? { contents, range } : null;
}

function blockHover(doc: DocumentAnalysis, line: number): string | undefined {
  const report = doc.analysis.report!;
  const layers = report.layers.filter((l) => l.line === line + 1);
  const blocks = layers.length > 0 ? unique(layers.map((l) => l.block)).map((b) => report.blocks[b]) : report.blocks.filter((b) => b.line === line + 1);
  if (blocks.length === 0) return undefined;
  const [first, ...rest] = blocks;
  const parts = [blockSection(doc, first, layers.length > 0 ? layers.filter((l) => l.block === first.index) : report.layers.filter((l) => l.block === first.index))];
  if (rest.length > 0) {
    parts.push(`Also from this line: ${rest.map((b) => `block ${b.index} → ${dims(b.out)}, ${formatKiB(b.peakBytes)}, RF ${lastLayer(doc, b).rf.size} px`).join('; ')}`);
  }
  return parts.join('\n\n');
}

function unique(values: number[]): number[] {
  return [...new Set(values)];
}

function lastLayer(doc: DocumentAnalysis, block: BlockReport): LayerReport {
  return doc.analysis.report!.layers.filter((l) => l.block === block.index).pop()!;
}

function blockSection(doc: DocumentAnalysis, block: BlockReport, layers: LayerReport[]): string {
  const report = doc.analysis.report!;
  const s = report.schedule;
  const budget = formatBudget(report.target.sramBytes);
  const rf = lastLayer(doc, block).rf;
  const stage = block.inPatchStage && s ? `runs in the patch stage (${s.patch[0]}×${s.patch[1]} patches)` : s ? 'runs layer by layer, after the patch stage' : 'runs layer by layer';
  const peakLayer = layers.reduce((a, b) => (b.memory.totalBytes > a.memory.totalBytes ? b : a));
  const m = peakLayer.memory;
  const lines = [
    `**block ${block.index}** · \`${block.label}\`${block.shortcut ? ' · shortcut' : ''} · ${stage}`,
    '',
    `Output ${dims(block.out)} · ${formatMacs(block.macs)} MACs · weights ${formatKiB(block.weightsBytes)}`,
    '',
    `Memory layer by layer ${formatKiB(block.peakBytesLayerByLayer)} at \`${peakLayer.name}\` (in ${formatKiB(m.inputBytes)} + out ${m.outputBytes === 0 && m.inputBytes > 0 ? 'in place' : formatKiB(m.outputBytes)} + kept ${formatKiB(m.keptBytes)}) of ${budget}`,
  ];
  if (block.inPatchStage && s) {
    lines.push('', `With the schedule ${formatKiB(block.peakBytes)}: the largest patch + ${formatKiB(s.stagePeakBytes - s.perPatchPeakBytes)} stage buffers`);
  }
  lines.push('', `**Receptive field** ${rf.size}×${rf.cols?.size ?? rf.size} px · jump ${rf.jump} · start ${signed(rf.start)} (in input pixels)`, '', layerTable(doc, layers));
  return lines.join('\n');
}

/** `in 12.3 / out 4.5 / kept 0.0 KiB`, or `out in place` for a layer that writes over its input. */
function memoryCell(m: LayerReport['memory']): string {
  const out = m.outputBytes === 0 && m.inputBytes > 0 ? 'in place' : formatKiB(m.outputBytes);
  return `${formatKiB(m.inputBytes)} / ${out} / ${formatKiB(m.keptBytes)}`;
}

/**
 * The block's layers, in tables of at most five columns (an eight-column table is clipped by the
 * hover's width): memory and receptive field, then for a patch stage each layer's patch.
 */
function layerTable(doc: DocumentAnalysis, layers: LayerReport[]): string {
  const s = doc.analysis.report!.schedule;
  const table = (header: string[], rows: string[][]) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const main = table(['layer', 'output', 'MACs', 'in / out / kept', 'RF'], layers.map((l) => [`\`${l.name}\``, dims(l.out), formatMacs(l.macs), memoryCell(l.memory), `${l.rf.size} / ${l.rf.jump} / ${signed(l.rf.start)}`]));
  const staged = s ? layers.filter((l) => l.patch) : [];
  if (!s || staged.length === 0) return [main, '', 'RF: size / jump / start in input pixels. Memory in KiB.'].join('\n');
  const patches = table(['layer', 'patch input', 'halo', 'recompute'], staged.map((l) => {
    const shareRows = Math.ceil(l.in[0] / s.patch[0]);
    const shareCols = Math.ceil(l.in[1] / s.patch[1]);
    return [`\`${l.name}\``, dims(l.patch!.maxInput), `+${l.patch!.maxInput[0] - shareRows}/+${l.patch!.maxInput[1] - shareCols}`, `×${l.patch!.recompute.toFixed(2)}`];
  }));
  return [main, '', 'RF: size / jump / start in input pixels. Memory in KiB.', '', patches, '', 'Halo: extra rows/columns a patch reads beyond its share.'].join('\n');
}

function scheduleHover(doc: DocumentAnalysis): string | undefined {
  const report = doc.analysis.report!;
  const s = report.schedule;
  if (!s) return 'A schedule needs `patch=PxQ` and `until=blockN`: blocks 0..N then run patch by patch.';
  const budget = formatBudget(report.target.sramBytes);
  const later = s.laterPeakBlock >= 0 ? `after the stage ${formatKiB(s.laterPeakBytes)} (block ${s.laterPeakBlock}, layer by layer)` : 'the stage is the whole network';
  return [
    `**schedule** patch=${s.patch[0]}x${s.patch[1]} until=block${s.untilBlock}: blocks 0–${s.untilBlock} run patch by patch`,
    '',
    `Input patch ${dims(s.inputPatch)} px (the largest patch) · stage output ${formatKiB(s.stageOutputBytes)}`,
    '',
    `Patch stage ${formatKiB(s.stagePeakBytes)} (${formatKiB(s.perPatchPeakBytes)} per patch at block ${s.perPatchPeakBlock} + ${formatKiB(s.stagePeakBytes - s.perPatchPeakBytes)} stage buffers); ${later}`,
    '',
    `Peak ${formatKiB(report.peakBytes)} of ${budget} (${report.fitsSram ? 'fits' : 'over'}); layer by layer it would be ${formatKiB(report.perLayer.peakBytes)}`,
    '',
    `MACs ${formatPercent(s.overheadStage)} in the stage, ${formatPercent(s.overheadTotal)} overall (${formatMacs(report.macs.scheduled)} vs ${formatMacs(report.macs.total)})`,
  ].join('\n');
}

/** One stage of several (or with caches): its blocks, grid, buffers and caches. */
function stageHover(doc: DocumentAnalysis, index: number): string {
  const report = doc.analysis.report!;
  const s = report.schedule!;
  const x = s.stages![index];
  const cache = x.cache === 'none' ? 'borders recomputed' : x.cache === 'rows' ? 'rows shared with the patch below cached, columns recomputed' : 'rows and columns shared with neighbours cached: every pixel computed once';
  return [
    `**stage ${index + 1} of ${s.stages!.length}** blocks ${x.fromBlock}–${x.untilBlock}, patch=${x.patch[0]}x${x.patch[1]}: ${cache}`,
    '',
    `Stage ${formatKiB(x.stagePeakBytes)} = ${formatKiB(x.perPatchPeakBytes)} per patch (block ${x.perPatchPeakBlock}) + ${formatKiB(x.heldInputBytes)} held input + ${formatKiB(x.stageOutputBytes)} stage output + ${formatKiB(x.rowCacheBytes)} row caches + ${formatKiB(x.colCacheBytes)} column caches`,
    '',
    `MACs ${formatMacs(x.macs)} (${formatPercent(x.overheadStage)} over layer by layer)`,
    '',
    `Peak ${formatKiB(report.peakBytes)} of ${formatBudget(report.target.sramBytes)} (${report.fitsSram ? 'fits' : 'over'}); outside the stages ${s.laterPeakBlock >= 0 ? `${formatKiB(s.laterPeakBytes)} (block ${s.laterPeakBlock})` : 'nothing'}; ${formatPercent(s.overheadTotal)} MACs overall`,
  ].join('\n');
}

function inputHover(doc: DocumentAnalysis): string {
  const r = doc.analysis.report!;
  const held = r.input.placement === 'sram' ? `held in SRAM: ${formatKiB(r.input.h * r.input.w * r.input.c)} counted` : 'streamed (read piece by piece, not held in SRAM); write `sram` to count it';
  return `**input** ${r.input.h}×${r.input.w}×${r.input.c} int8, ${held}`;
}

function targetHover(doc: DocumentAnalysis): string {
  const r = doc.analysis.report!;
  const from = r.target.source === 'override' ? ' (from the settings, overriding this file)' : '';
  return [
    `**${r.target.name}**${from}: ${formatBudget(r.target.sramBytes)} SRAM, ${formatBudget(r.target.flashBytes)} flash`,
    '',
    `Peak ${formatKiB(r.peakBytes)} (${r.fitsSram ? 'fits' : 'over'}) · weights ${formatBytes(r.weightsBytes)} (${r.fitsFlash ? 'fits' : 'over'})`,
  ].join('\n');
}

const graphNames: Partial<Record<LayerKind, string>> = { add: 'add', mul: 'SE scale', concat: 'concat', resize: 'resize', convT: 'transposed conv' };

/**
 * The `model NAME from "file.onnx"` line: what the import made of the graph, its peak, and where a
 * patch stage may end (all its layers sit on this one line, so a block hover would show block 0 only).
 */
function importedHover(doc: DocumentAnalysis): string {
  const model = doc.analysis.model!;
  const r = doc.analysis.report!;
  const count = (kinds: LayerKind[]) => model.layers.filter((l) => kinds.includes(l.kind)).length;
  const graph = (Object.keys(graphNames) as LayerKind[]).map((k) => [graphNames[k], count([k])] as const).filter(([, n]) => n > 0);
  const peak = r.layers.find((l) => l.name === r.perLayer.peakLayer);
  const ends = model.blocks.filter((b) => !stageBlocker(model, b.index)).map((b) => b.index);
  return [
    `**from "${doc.analysis.ast.from!.text}"**: ${model.layers.length} layers in ${model.blocks.length} blocks — ${count(['conv'])} conv, ${count(['dwconv'])} depthwise, ${count(['pool', 'gpool'])} pool, ${count(['fc'])} fc`,
    '',
    graph.length > 0
      ? `A graph: ${graph.map(([name, n]) => `${n} ${name}${n > 1 ? 's' : ''}`).join(', ')} (analysed by liveness: parallel branches summed)`
      : 'A chain of blocks, as a .pnet would write it',
    '',
    `Peak layer by layer ${formatKiB(r.perLayer.peakBytes)} at \`${r.perLayer.peakLayer}\`${peak ? ` (block ${peak.block})` : ''} · ${formatMacs(r.macs.total)} MACs · weights ${formatBytes(r.weightsBytes)}`,
    '',
    ends.length === 0 ? 'No patch stage is possible: the first block already holds a global or graph op' : `A patch stage may end at ${runs(ends)}`,
  ].join('\n');
}

/** `blocks 0–3, 7` from sorted block indices. */
function runs(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; i++) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(j > i ? `${indices[i]}–${indices[j]}` : String(indices[i]));
    i = j;
  }
  return `block${indices.length > 1 ? 's' : ''} ${parts.join(', ')}`;
}
