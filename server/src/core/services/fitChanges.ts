import { Candidate, searchSchedules } from '../analysis/search';
import { analyzeText, AnalyzeOptions, applyEdits, scheduleEdit, TextEdit } from '../engine';
import { ModelAst, OpAst } from '../language/ast';
import { Range } from '../language/diagnostics';
import { builtInTargets } from '../targets';
import { formatKiB } from '../units';

/**
 * When no schedule fits the SRAM budget, what would: a smaller input resolution, a narrower width,
 * or a larger target. Each is found by analysing the changed model and searching its schedules,
 * never guessed, and comes with the edits that make it (the change and the schedule it needs).
 */
export interface FitChange {
  kind: 'input' | 'width' | 'target';
  /** The change: `input 160x160x3`, `width ×0.5` (every out= but the last, rounded to 8), `target stm32h743 (512.0 KiB SRAM)`. */
  what: string;
  /** The fewest-MAC schedule that fits with the change (layer by layer: `patch` null). */
  schedule: Candidate;
  /** Bytes the changed model is checked against. */
  budgetBytes: number;
  /** The change plus the schedule edit, on the document's text. */
  edits: TextEdit[];
}

/** Width multipliers tried, widest first (MobileNet's usual ones). */
const widths = [0.75, 0.5, 0.35, 0.25];
/** Channels are rounded to multiples of this (as MobileNets' make_divisible does). */
const channelStep = 8;
/** Input sides are tried in steps of this many pixels. */
const sideStep = 16;

/** The changes that fit, in the order input, width, target (each the least change of its kind). */
export function findFitChanges(text: string, ast: ModelAst, options: AnalyzeOptions): FitChange[] {
  const changes = [inputChange(text, ast, options), widthChange(text, ast, options), targetChange(text, ast, options)];
  return changes.filter((c): c is FitChange => c !== undefined);
}

/** The schedule that fits the changed text, and its budget; undefined when none does. */
function fitOf(changed: string, options: AnalyzeOptions, check?: (a: ReturnType<typeof analyzeText>) => boolean): { best: Candidate; budgetBytes: number } | undefined {
  const analysis = analyzeText(changed, options);
  if (!analysis.model || analysis.hasErrors || (check && !check(analysis))) return undefined;
  const search = searchSchedules(analysis.model);
  return search.best ? { best: search.best, budgetBytes: search.budgetBytes } : undefined;
}

function withSchedule(text: string, ast: ModelAst, change: TextEdit[], fit: { best: Candidate; budgetBytes: number }, kind: FitChange['kind'], what: string): FitChange {
  return { kind, what, schedule: fit.best, budgetBytes: fit.budgetBytes, edits: [...change, scheduleEdit(ast, text, fit.best)] };
}

/**
 * The largest input (same aspect, sides in 16-pixel steps) with a schedule that fits, by bisection:
 * memory grows with the input, so the sides that fit form a prefix of the sizes. Models from an ONNX
 * file whose input is fixed there are left out (the input line cannot change them).
 */
function inputChange(text: string, ast: ModelAst, options: AnalyzeOptions): FitChange | undefined {
  const input = ast.input;
  if (!input || input.h <= sideStep) return undefined;
  const sides: [number, number][] = [];
  for (let h = Math.floor((input.h - 1) / sideStep) * sideStep; h >= sideStep; h -= sideStep) {
    sides.push([h, Math.max(channelStep, Math.round((input.w * h) / input.h / channelStep) * channelStep)]);
  }
  const edit = ([h, w]: [number, number]): TextEdit[] => [{ range: input.range, newText: `input ${h}x${w}x${input.c}${input.placement === 'sram' ? ' sram' : ''}` }];
  const fitAt = (i: number) => fitOf(applyEdits(text, edit(sides[i])), options, (a) => a.model!.input.shape.h === sides[i][0] && a.model!.input.shape.w === sides[i][1]);
  let lo = 0;
  let hi = sides.length - 1;
  let found: { index: number; fit: NonNullable<ReturnType<typeof fitOf>> } | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const fit = fitAt(mid);
    if (fit) {
      found = { index: mid, fit };
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  if (!found) return undefined;
  const [h, w] = sides[found.index];
  return withSchedule(text, ast, edit([h, w]), found.fit, 'input', `input ${h}x${w}x${input.c}`);
}

/** Every op with an `out=` except the last one (the classes a classifier predicts stay). */
function widthOps(ast: ModelAst): OpAst[] {
  const ops = ast.items.flatMap((item) => (item.kind === 'op' ? [item] : item.ops)).filter((op) => typeof op.values.get('out') === 'number' && op.valueRanges.has('out'));
  return ops.slice(0, -1);
}

/** The widest of the usual multipliers with a schedule that fits (.pnet models: their out= values). */
function widthChange(text: string, ast: ModelAst, options: AnalyzeOptions): FitChange | undefined {
  if (ast.from) return undefined;
  const ops = widthOps(ast);
  if (ops.length === 0) return undefined;
  for (const m of widths) {
    const edits = ops.map((op): TextEdit => ({ range: op.valueRanges.get('out') as Range, newText: String(Math.max(channelStep, Math.round(((op.values.get('out') as number) * m) / channelStep) * channelStep)) }));
    const fit = fitOf(applyEdits(text, edits), options);
    if (fit) return withSchedule(text, ast, edits, fit, 'width', `width ×${m}`);
  }
  return undefined;
}

/** The smallest built-in target with more SRAM than the budget whose SRAM and flash the model fits. */
function targetChange(text: string, ast: ModelAst, options: AnalyzeOptions): FitChange | undefined {
  if (options.override?.target || options.override?.sramBytes) return undefined; // settings decide the budget, not the file
  const current = analyzeText(text, options);
  if (!current.model || !current.report) return undefined;
  const budget = current.model.target.sramBytes;
  const lowest = Math.min(...searchSchedules(current.model).pareto.map((c) => c.peakBytes));
  const bigger = builtInTargets.filter((t) => t.sramBytes > budget && t.sramBytes >= lowest && t.flashBytes >= current.report!.weightsBytes).sort((a, b) => a.sramBytes - b.sramBytes)[0];
  if (!bigger) return undefined;
  const edits = targetEdits(text, ast, bigger.name);
  const fit = fitOf(applyEdits(text, edits), options);
  return fit ? withSchedule(text, ast, edits, fit, 'target', `target ${bigger.name} (${formatKiB(bigger.sramBytes)} SRAM)`) : undefined;
}

/** `target NAME` in place of the target's name, or of a budget line (which the target replaces). */
function targetEdits(text: string, ast: ModelAst, name: string): TextEdit[] {
  const edits: TextEdit[] = [];
  if (ast.target) edits.push({ range: ast.target.range, newText: name });
  if (ast.budget) edits.push({ range: ast.budget.range, newText: ast.target ? '' : `target ${name}` });
  if (!ast.target && !ast.budget) {
    const line = ast.input ? ast.input.range.end.line + 1 : ast.name ? ast.name.range.end.line + 1 : 0;
    const at = { line: Math.min(line, text.split(/\r\n|\r|\n/).length - 1), character: 0 };
    edits.push({ range: { start: at, end: at }, newText: `target ${name}\n` });
  }
  return edits;
}

/** `input 208x208x3 with patch=3x5 until=block4 (peak 157.5 KiB)` */
export function describeFitChange(change: FitChange): string {
  const s = change.schedule;
  const schedule = s.patch ? `patch=${s.patch[0]}x${s.patch[1]} until=block${s.untilBlock}` : 'layer by layer';
  return `${change.what} with ${schedule} (peak ${formatKiB(s.peakBytes)})`;
}
