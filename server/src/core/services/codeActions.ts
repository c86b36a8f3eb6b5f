import { Candidate } from '../analysis/search';
import { scheduleEdit } from '../engine';
import { Diagnostic } from '../language/diagnostics';
import { formatBudget, formatKiB, formatPercent } from '../units';
import { DocumentAnalysis } from './document';
import { describeFitChange } from './fitChanges';
import { CodeAction } from './types';

/** Diagnostics a schedule can fix. */
const fixable = new Set(['PW3001', 'PW3002', 'PW3004']);

/** The candidate as the quick fix names it: "patch=2x4 until=block4 (peak 258.0 KiB, +5.9% MACs)". */
export function describeCandidate(c: Candidate): string {
  const cost = c.patch ? `${formatPercent(c.overheadTotal)} MACs` : 'no extra MACs';
  const what = c.patch ? `patch=${c.patch[0]}x${c.patch[1]} until=block${c.untilBlock}` : 'layer by layer';
  return `${what} (peak ${formatKiB(c.peakBytes)}, ${cost})`;
}

/**
 * Quick fixes for budget diagnostics: the search's best one to three schedules that fit, fewest
 * MACs first (preferred); "Add a schedule" when the file has none.
 */
export function doCodeActions(doc: DocumentAnalysis, diagnostics: Diagnostic[]): CodeAction[] {
  const relevant = diagnostics.filter((d) => fixable.has(d.code));
  if (relevant.length === 0) return [];
  const search = doc.search;
  if (!search) return [];
  if (search.choices.length === 0) {
    // VS Code hides disabled actions from the Ctrl+. menu: what the user sees are the model changes
    // that fit (input, width, target), each with its schedule.
    const changes = doc.fitChanges;
    if (changes.length > 0) {
      return changes.map((c, i): CodeAction => ({ title: `Make it fit ${formatBudget(search.budgetBytes)}: ${describeFitChange(c)}`, kind: 'quickfix', diagnostics: relevant, edits: c.edits, isPreferred: i === 0 }));
    }
    const reason = `No schedule fits ${formatBudget(search.budgetBytes)}: ${search.reason}`;
    return [{ title: 'Find a schedule that fits', kind: 'quickfix', diagnostics: relevant, edits: [], disabled: reason }];
  }
  const hasSchedule = doc.analysis.ast.schedule !== undefined;
  return search.choices.map((c, i): CodeAction => {
    const verb = !c.patch ? 'Remove the schedule: run' : hasSchedule ? 'Use' : 'Add a schedule:';
    return {
      title: `${verb} ${describeCandidate(c)}`,
      kind: 'quickfix',
      diagnostics: relevant,
      edits: [scheduleEdit(doc.analysis.ast, doc.text, c)],
      isPreferred: i === 0,
    };
  });
}
