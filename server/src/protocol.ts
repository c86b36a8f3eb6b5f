import type { AnalysisReport } from './core/analysis/analyze';
import type { Candidate, SearchBound } from './core/analysis/search';
import type { TextEdit } from './core/engine';
import type { OnnxModelView } from './core/services/onnxModel';
import type { PanelData, PanelSection } from './core/services/panelTypes';

// Patchwise's own messages between the VS Code client and the language server, beside LSP.
// Sizes are bytes; positions zero-based (LSP's).

/** Client → server: the analysis of an open document (the memory report, the panels). */
export const analysisRequest = 'patchwise/analysis';
export interface AnalysisParams {
  uri: string;
}
export interface AnalysisResult {
  uri: string;
  version: number;
  /** Null when the document has no model (no `input` line, no layers). */
  report: AnalysisReport | null;
  /** The CLI's per-block table, ready to show. */
  text: string;
}

/** Client → server: the schedule search of an open document (`Patchwise: Optimize Schedule`). */
export const optimizeRequest = 'patchwise/optimize';
export interface OptimizeParams {
  uri: string;
}
export interface OptimizeChoice {
  /** `patch=2x4 until=block4 (peak 258.0 KiB, +5.9% MACs)`. */
  title: string;
  candidate: Candidate;
  /** The edit that writes this schedule into the document. */
  edits: TextEdit[];
}
export interface OptimizeResult {
  uri: string;
  version: number;
  budgetBytes: number;
  /** Fitting schedules, fewest MACs first; empty when nothing fits. */
  choices: OptimizeChoice[];
  /** The Pareto front of (peak, MACs) over every schedule. */
  pareto: Candidate[];
  /** Why nothing fits, when nothing does. */
  reason?: string;
  /** When no schedule fits: the model changes that make one fit (input, width, target), each analysed. */
  changes: OptimizeChoice[];
  /** Set when the document has errors or no model. */
  error?: string;
  /** Set when the search stopped at its work or time bound (PW6007): the choices are the best of what it tried. */
  bounded?: SearchBound;
}

/** Client → server: what the chart panels draw (memory, patch overlap, schedule space) for an open document. */
export const panelDataRequest = 'patchwise/panelData';
export interface PanelDataParams {
  uri: string;
  /** The parts the open panels need; 'schedules' runs the schedule search (cached per version). */
  sections: PanelSection[];
}
/** Null when the document is not open in the server. */
export type PanelDataResult = PanelData | null;

/**
 * Client → server: an .onnx file (the custom editor) analysed as the .pnet "Create schedule file"
 * writes next to it, with its graph (blocks, split points, the schedule's stage; or as much as an
 * import with errors got to); read from disk, so it need not be open.
 */
export const onnxModelRequest = 'patchwise/onnxModel';
export interface OnnxModelParams {
  /** A `file:` URI of the .onnx file. */
  uri: string;
  /** Height and width to analyse a dynamic input at (the page's input form); default 224×224. */
  input?: { h: number; w: number };
}
/** Null for a URI that is not a file. */
export type OnnxModelResult = OnnxModelView | null;

/** Server → client, after each validation: what the status bar shows for that document. */
export const statusNotification = 'patchwise/status';
export interface StatusParams {
  uri: string;
  version: number;
  /** Activation peak with the schedule; null without a model. */
  peakBytes: number | null;
  budgetBytes: number | null;
  /** The peak within the SRAM budget. */
  fits: boolean;
  /** Weights bytes and the flash they must fit; null without a model. */
  weightsBytes: number | null;
  flashBytes: number | null;
  hasErrors: boolean;
}

/** Options the client passes at start-up (`initializationOptions`). */
export interface InitializationOptions {
  settings?: { target?: string; sramBudget?: string; flashBudget?: string; codeLens?: { blocks?: boolean }; inlayHints?: { shapes?: boolean } };
  /** Delay between the last edit and validation, ms (default 100). */
  debounceMs?: number;
}
