import { createConnection, Diagnostic as LspDiagnostic, DiagnosticSeverity, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText } from './core/engine';
import { Diagnostic } from './core/language/diagnostics';

// The language server: LSP wiring only, the engine lives in core/. Issue 3 grows it (hover, code
// actions, settings); for now it publishes the engine's diagnostics as the user types.

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const pending = new Map<string, NodeJS.Timeout>();
const debounceMs = 150;

const severities: Record<Diagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

function toLsp(d: Diagnostic): LspDiagnostic {
  return { range: d.range, severity: severities[d.severity], code: d.code, source: 'patchwise', message: d.message };
}

function validate(document: TextDocument): void {
  try {
    const analysis = analyzeText(document.getText());
    void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: analysis.diagnostics.map(toLsp) });
  } catch (error) {
    connection.console.error(`patchwise: validating ${document.uri} failed: ${(error as Error).stack ?? String(error)}`);
  }
}

function schedule(document: TextDocument): void {
  clearTimeout(pending.get(document.uri));
  pending.set(document.uri, setTimeout(() => {
    pending.delete(document.uri);
    const current = documents.get(document.uri);
    if (current) validate(current);
  }, debounceMs));
}

connection.onInitialize(() => ({ capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental } }));
documents.onDidChangeContent((event) => schedule(event.document));
documents.onDidClose((event) => {
  clearTimeout(pending.get(event.document.uri));
  pending.delete(event.document.uri);
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
});
documents.listen(connection);
connection.listen();
