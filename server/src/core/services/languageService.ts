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
  analyze(text: string, settings?: Settings): DocumentAnalysis;
  doValidation(doc: DocumentAnalysis): Diagnostic[];
  doHover(doc: DocumentAnalysis, position: Position): Hover | null;
  doComplete(doc: DocumentAnalysis, position: Position): CompletionItem[];
  doCodeActions(doc: DocumentAnalysis, diagnostics: Diagnostic[]): CodeAction[];
  findCodeLenses(doc: DocumentAnalysis): CodeLens[];
  findDocumentSymbols(doc: DocumentAnalysis): DocumentSymbol[];
  findInlayHints(doc: DocumentAnalysis): InlayHint[];
}

export function getLanguageService(): LanguageService {
  return {
    analyze: analyzeDocument,
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
