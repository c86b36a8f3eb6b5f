import { FileSystem } from '../engine';
import { Diagnostic, Position } from '../language/diagnostics';
import { doCodeActions } from './codeActions';
import { doComplete } from './completion';
import { analyzeDocument, DocumentAnalysis } from './document';
import { doHover } from './hover';
import { findCodeLenses, findDocumentSymbols, findInlayHints } from './outline';
import { CodeAction, CodeLens, CompletionItem, DocumentSymbol, Hover, InlayHint, Settings } from './types';
import { doValidation } from './validation';

/**
 * The editor features over one analysed document version. Pure functions of (document, settings):
 * the server parses once per version with {@link LanguageService.analyze} and passes the result in.
 */
export interface LanguageService {
  /** `path`: where the document is, for `from "file.onnx"` (read through the service's file system). */
  analyze(text: string, settings?: Settings, path?: string): DocumentAnalysis;
  doValidation(doc: DocumentAnalysis): Diagnostic[];
  doHover(doc: DocumentAnalysis, position: Position): Hover | null;
  doComplete(doc: DocumentAnalysis, position: Position): CompletionItem[];
  doCodeActions(doc: DocumentAnalysis, diagnostics: Diagnostic[]): CodeAction[];
  /** `settings`: `codeLens.blocks` for a lens on every block line. */
  findCodeLenses(doc: DocumentAnalysis, settings?: Settings): CodeLens[];
  findDocumentSymbols(doc: DocumentAnalysis): DocumentSymbol[];
  /** `settings`: `inlayHints.shapes` for the output shapes. */
  findInlayHints(doc: DocumentAnalysis, settings?: Settings): InlayHint[];
}

export interface LanguageServiceOptions {
  /** How files a model names are read (the core itself reads nothing). */
  fs?: FileSystem;
}

export function getLanguageService(options: LanguageServiceOptions = {}): LanguageService {
  return {
    analyze: (text, settings, path) => analyzeDocument(text, settings, options.fs && path !== undefined ? { fs: options.fs, path } : undefined),
    doValidation,
    doHover,
    doComplete,
    doCodeActions,
    findCodeLenses,
    findDocumentSymbols,
    findInlayHints,
  };
}

export { DocumentAnalysis } from './document';
export * from './types';
