import { SearchResult, searchSchedules } from '../analysis/search';
import { analyzeText, Analysis, AnalyzeOptions, FileSystem } from '../engine';
import { BudgetOverride } from '../model/build';
import { parseSize } from '../units';
import { FitChange, findFitChanges } from './fitChanges';
import { Settings } from './types';

/**
 * One version of one document, analysed once and shared by every service. The schedule search is
 * computed on first use (quick fixes, the optimize command) and kept with the version.
 */
export class DocumentAnalysis {
  private searched: SearchResult | null | undefined;
  private changes: FitChange[] | undefined;
  readonly lines: string[];

  /** `options`: how the text was analysed, to analyse changed versions of it the same way. */
  constructor(readonly text: string, readonly analysis: Analysis, readonly options: AnalyzeOptions = {}) {
    this.lines = text.split(/\r\n|\r|\n/);
  }

  /** Keeps a search made elsewhere (the server's cancellable one) for this version's other users. */
  adoptSearch(result: SearchResult): void {
    this.searched = result;
  }

  /** The search if it was made already (undefined: not yet). */
  get searchIfDone(): SearchResult | null | undefined {
    return this.searched;
  }

  /**
   * When no schedule fits, the changes to the model that make one fit (input, width, target);
   * empty otherwise. Computed on first use: each is a few analyses and searches.
   */
  get fitChanges(): FitChange[] {
    if (this.changes === undefined) {
      const search = this.search;
      this.changes = search && !search.best ? findFitChanges(this.text, this.analysis.ast, this.options) : [];
    }
    return this.changes;
  }

  /** Null when there is no model to search. */
  get search(): SearchResult | null {
    if (this.searched === undefined) {
      const model = this.analysis.model;
      this.searched = model && !this.analysis.hasErrors ? searchSchedules(model) : null;
    }
    return this.searched;
  }
}

/** Settings → the budget override of the engine; unreadable sizes are ignored (and listed). */
export function budgetOverride(settings: Settings, problems: string[] = []): BudgetOverride {
  const override: BudgetOverride = {};
  if (settings.target) override.target = settings.target;
  for (const [key, field] of [['sramBudget', 'sramBytes'], ['flashBudget', 'flashBytes']] as const) {
    const text = settings[key]?.trim();
    if (!text) continue;
    const bytes = parseSize(text);
    if (bytes === undefined) problems.push(`patchwise.${key} '${text}' is not a size (e.g. 256KiB, 1MiB, 262144); using the file's budget`);
    else override[field] = bytes;
  }
  return override;
}

/** `source`: the document's file system and path, so that `from "file.onnx"` is read. */
export function analyzeDocument(text: string, settings: Settings = {}, source?: { fs: FileSystem; path: string }): DocumentAnalysis {
  const options: AnalyzeOptions = { override: budgetOverride(settings), ...(source ? { fs: source.fs, basePath: source.path } : {}) };
  return new DocumentAnalysis(text, analyzeText(text, options), options);
}
