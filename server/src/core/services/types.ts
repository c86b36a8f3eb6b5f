import { Diagnostic, Position, Range } from '../language/diagnostics';
import { TextEdit } from '../engine';

// What the language services return: plain data in LSP's shapes (zero-based positions), with no
// dependency on the protocol library, so the same core serves the server, the CLI and the tests.

/** Settings from the editor; they override the file's `target` and `budget` lines. */
export interface Settings {
  /** A built-in target name; empty: the file's. */
  target?: string;
  /** `256KiB`, `262144`; empty: the target's. */
  sramBudget?: string;
  flashBudget?: string;
  /** `patchwise.codeLens.blocks`: a lens on every block line (default: only the model's summary and blocks over budget). */
  codeLens?: { blocks?: boolean };
  /** `patchwise.inlayHints.shapes`: the output shape at the end of each block line (default off). */
  inlayHints?: { shapes?: boolean };
}

export interface Hover {
  /** Markdown. */
  contents: string;
  range: Range;
}

export type CompletionKind = 'op' | 'keyword' | 'key' | 'value' | 'target' | 'block';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  detail?: string;
  documentation?: string;
  /** Text to insert instead of the label. */
  insertText?: string;
  sortText?: string;
}

export interface CodeAction {
  title: string;
  kind: 'quickfix';
  diagnostics: Diagnostic[];
  edits: TextEdit[];
  isPreferred?: boolean;
  /** Why the action cannot apply (shown greyed out with this reason). */
  disabled?: string;
}

export interface CodeLens {
  range: Range;
  title: string;
  /** The block index, for the client command the lens runs. */
  block: number;
}

export type SymbolKind = 'model' | 'statement' | 'block' | 'layer';

export interface DocumentSymbol {
  name: string;
  detail: string;
  kind: SymbolKind;
  range: Range;
  selectionRange: Range;
  children: DocumentSymbol[];
}

export interface InlayHint {
  position: Position;
  label: string;
  tooltip?: string;
}
