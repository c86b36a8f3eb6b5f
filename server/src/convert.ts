import * as lsp from 'vscode-languageserver/node';
import { Diagnostic } from './core/language/diagnostics';
import { CodeAction, CompletionItem, DocumentSymbol, SymbolKind, CompletionKind } from './core/services/languageService';

// The core's plain data → LSP types. The core speaks LSP's shapes already; only enums and uris differ.

const severities: Record<Diagnostic['severity'], lsp.DiagnosticSeverity> = {
  error: lsp.DiagnosticSeverity.Error,
  warning: lsp.DiagnosticSeverity.Warning,
  info: lsp.DiagnosticSeverity.Information,
};

export function toDiagnostic(uri: string, d: Diagnostic): lsp.Diagnostic {
  return {
    range: d.range,
    severity: severities[d.severity],
    code: d.code,
    source: 'patchwise',
    message: d.message,
    ...(d.related ? { relatedInformation: d.related.map((r) => ({ location: { uri, range: r.range }, message: r.message })) } : {}),
  };
}

/** A diagnostic the client sends back in a code-action context. */
export function fromDiagnostic(d: lsp.Diagnostic): Diagnostic {
  const severity = d.severity === lsp.DiagnosticSeverity.Error ? 'error' : d.severity === lsp.DiagnosticSeverity.Warning ? 'warning' : 'info';
  return { code: String(d.code ?? ''), severity, message: d.message, range: d.range };
}

const completionKinds: Record<CompletionKind, lsp.CompletionItemKind> = {
  op: lsp.CompletionItemKind.Function,
  keyword: lsp.CompletionItemKind.Keyword,
  key: lsp.CompletionItemKind.Property,
  value: lsp.CompletionItemKind.Value,
  target: lsp.CompletionItemKind.Constant,
  block: lsp.CompletionItemKind.Reference,
};

export function toCompletionItem(item: CompletionItem): lsp.CompletionItem {
  return {
    label: item.label,
    kind: completionKinds[item.kind],
    detail: item.detail,
    documentation: item.documentation,
    insertText: item.insertText,
    sortText: item.sortText,
    // Re-trigger after `key=` so that values follow at once.
    ...(item.insertText?.endsWith('=') ? { command: { title: 'values', command: 'editor.action.triggerSuggest' } } : {}),
  };
}

const symbolKinds: Record<SymbolKind, lsp.SymbolKind> = {
  model: lsp.SymbolKind.Module,
  statement: lsp.SymbolKind.Property,
  block: lsp.SymbolKind.Class,
  layer: lsp.SymbolKind.Method,
};

export function toDocumentSymbol(s: DocumentSymbol): lsp.DocumentSymbol {
  return { name: s.name, detail: s.detail, kind: symbolKinds[s.kind], range: s.range, selectionRange: s.selectionRange, children: s.children.map(toDocumentSymbol) };
}

export function toCodeAction(uri: string, a: CodeAction): lsp.CodeAction {
  return {
    title: a.title,
    kind: lsp.CodeActionKind.QuickFix,
    diagnostics: a.diagnostics.map((d) => toDiagnostic(uri, d)),
    ...(a.disabled ? { disabled: { reason: a.disabled } } : { edit: { changes: { [uri]: a.edits } }, isPreferred: a.isPreferred }),
  };
}
