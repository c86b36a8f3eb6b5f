import { checkRuntimeSupport } from '../codegen/support';
import { Diagnostic, diagnostic, MessageId, Range, rangeOf } from '../language/diagnostics';
import { Model } from '../model/ir';
import { formatBudget, formatBytes, formatKiB } from '../units';
import { describeCandidate } from './codeActions';
import { DocumentAnalysis } from './document';
import { describeFitChange } from './fitChanges';

/**
 * Syntax and model diagnostics, then the budget's, then what the firmware runtime cannot run: what
 * the editor underlines. The last come from the same check Generate Firmware makes, so that its
 * refusals are in Problems before the command is run (an ONNX layer's are on the `from` line and
 * name the node).
 */
export function doValidation(doc: DocumentAnalysis): Diagnostic[] {
  const { analysis } = doc;
  if (!analysis.model || !analysis.report || analysis.hasErrors) return analysis.diagnostics;
  return [...analysis.diagnostics, ...budgetDiagnostics(doc, analysis.model), ...checkRuntimeSupport(analysis.model)];
}

/** The range of a line's statement: from its first character to the end of code (comment excluded). */
export function statementRange(doc: DocumentAnalysis, line: number): Range {
  const text = doc.lines[line] ?? '';
  const code = text.replace(/#.*$/, '').trimEnd();
  const start = code.length - code.trimStart().length;
  return rangeOf(line, start, Math.max(start, code.length));
}

export function blockTitle(model: Model, index: number): string {
  return `block ${index} (${model.blocks[index].label})`;
}

/** Two diagnostics that point at each other: on the schedule line and on the block line. */
function pair(id: MessageId, at: [Range, string], other: [Range, string]): Diagnostic[] {
  const first = { ...diagnostic(id, at[0], at[1]), related: [{ range: other[0], message: other[1] }] };
  const second = { ...diagnostic(id, other[0], other[1]), related: [{ range: at[0], message: at[1] }] };
  return [first, second];
}

/**
 * What to do about a budget error, computed: the schedule that fits, or when none does, the changes
 * to the model that make one fit (each a quick fix), or why nothing the analysis tried helps.
 */
function nextStep(doc: DocumentAnalysis): string {
  const search = doc.search;
  if (!search) return 'see Optimize Schedule';
  if (search.best) return `${describeCandidate(search.best)} fits (quick fix)`;
  const changes = doc.fitChanges;
  const none = `no schedule fits ${formatBudget(search.budgetBytes)}`;
  if (changes.length === 0) return `${none} (${search.reason}), and no smaller input, narrower width or larger built-in target makes one fit`;
  return `${none}; what would: ${changes.map(describeFitChange).join('; or ')} (quick fixes)`;
}

/** Several stages: each stage over the budget on its own line, and the layers outside them. */
function stagesOverBudget(doc: DocumentAnalysis, model: Model, budgetBytes: number): Diagnostic[] {
  const s = doc.analysis.report!.schedule!;
  const budget = formatBudget(budgetBytes);
  const result: Diagnostic[] = [];
  s.stages!.forEach((x, i) => {
    if (x.stagePeakBytes <= budgetBytes) return;
    const parts = `${formatKiB(x.perPatchPeakBytes)} per patch + ${formatKiB(x.heldInputBytes)} held input + ${formatKiB(x.stageOutputBytes)} stage output + ${formatKiB(x.rowCacheBytes + x.colCacheBytes)} caches`;
    const block = `${blockTitle(model, x.perPatchPeakBlock)}: stage ${i + 1} needs ${parts} = ${formatKiB(x.stagePeakBytes)} > ${budget}`;
    const line = `stage ${i + 1} (blocks ${x.fromBlock}-${x.untilBlock}) needs ${formatKiB(x.stagePeakBytes)} > ${budget}, at ${blockTitle(model, x.perPatchPeakBlock)}`;
    result.push(...pair('stageOverBudget', [model.stages![i].range, line], [statementRange(doc, model.blocks[x.perPatchPeakBlock].line), block]));
  });
  if (s.laterPeakBlock >= 0 && s.laterPeakBytes > budgetBytes) {
    const block = `${blockTitle(model, s.laterPeakBlock)}: needs ${formatKiB(s.laterPeakBytes)} layer by layer, outside every stage > ${budget}`;
    const line = `${blockTitle(model, s.laterPeakBlock)}, outside every stage, needs ${formatKiB(s.laterPeakBytes)} layer by layer > ${budget}; a stage over it may help`;
    result.push(...pair('laterOverBudget', [model.stages![0].range, line], [statementRange(doc, model.blocks[s.laterPeakBlock].line), block]));
  }
  return result;
}

function budgetDiagnostics(doc: DocumentAnalysis, model: Model): Diagnostic[] {
  const report = doc.analysis.report!;
  const budgetBytes = report.target.sramBytes;
  const budget = formatBudget(budgetBytes);
  const result: Diagnostic[] = [];
  const s = report.schedule;
  if (s?.stages && model.stages) {
    result.push(...stagesOverBudget(doc, model, budgetBytes));
  } else if (s && model.schedule) {
    const schedule = `patch=${s.patch[0]}x${s.patch[1]} until=block${s.untilBlock}`;
    const scheduleRange = model.schedule.range;
    if (s.stagePeakBytes > budgetBytes) {
      const held = report.input.placement === 'sram' ? ` + ${formatKiB(s.stagePeakBytes - s.perPatchPeakBytes - s.stageOutputBytes)} input` : '';
      const block = `${blockTitle(model, s.perPatchPeakBlock)}: patch stage needs ${formatKiB(s.perPatchPeakBytes)} per patch + ${formatKiB(s.stageOutputBytes)} stage output${held} = ${formatKiB(s.stagePeakBytes)} > ${budget}`;
      const line = `${schedule}: the patch stage needs ${formatKiB(s.stagePeakBytes)} > ${budget}, at ${blockTitle(model, s.perPatchPeakBlock)}; ${nextStep(doc)}`;
      result.push(...pair('stageOverBudget', [scheduleRange, line], [statementRange(doc, model.blocks[s.perPatchPeakBlock].line), block]));
    }
    if (s.laterPeakBlock >= 0 && s.laterPeakBytes > budgetBytes) {
      const block = `${blockTitle(model, s.laterPeakBlock)}: needs ${formatKiB(s.laterPeakBytes)} layer by layer after the patch stage > ${budget}`;
      const line = `${schedule}: ${blockTitle(model, s.laterPeakBlock)} after the stage needs ${formatKiB(s.laterPeakBytes)} layer by layer > ${budget}; ${nextStep(doc)}`;
      result.push(...pair('laterOverBudget', [scheduleRange, line], [statementRange(doc, model.blocks[s.laterPeakBlock].line), block]));
    }
  } else if (report.perLayer.peakBytes > budgetBytes) {
    const block = report.perLayer.peakBlock;
    const message = `${blockTitle(model, block)} needs ${formatKiB(report.perLayer.peakBytes)} layer by layer > ${budget}; ${nextStep(doc)}`;
    result.push(diagnostic('noScheduleOverBudget', statementRange(doc, model.blocks[block].line), message));
  }
  if (!report.fitsFlash) {
    const ast = doc.analysis.ast;
    const range = ast.target?.range ?? ast.budget?.range ?? statementRange(doc, 0);
    result.push(diagnostic('flashOverBudget', range, formatBytes(report.weightsBytes), formatBudget(report.target.flashBytes), report.target.name));
  }
  return result;
}
