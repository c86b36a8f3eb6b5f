import {
  CancellationToken,
  createConnection,
  InitializeResult,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  WorkDoneProgressParams,
  WorkDoneProgressReporter,
} from 'vscode-languageserver/node';
import { searchSchedulesAsync } from './core/analysis/search';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath } from 'url';
import { nodeFileSystem } from './nodeFileSystem';
import { formatReport } from './cliFormat';
import { fromDiagnostic, toCodeAction, toCompletionItem, toDiagnostic, toDocumentSymbol } from './convert';
import { budgetOverride } from './core/services/document';
import { describeFitChange } from './core/services/fitChanges';
import { describeCandidate } from './core/services/codeActions';
import { DocumentAnalysis, getLanguageService, Settings } from './core/services/languageService';
import { onnxModelView } from './core/services/onnxModel';
import { panelData } from './core/services/panelData';
import { panelSections } from './core/services/panelTypes';
import { scheduleEdit } from './core/engine';
import * as protocol from './protocol';

// The language server: LSP wiring only. Documents are analysed once per version (and settings),
// validation is debounced, and every handler runs under runSafe so that no request kills the server.

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const service = getLanguageService({ fs: nodeFileSystem });

/** The file path of a `file:` document; undefined for untitled and other schemes. */
function filePath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

let settings: Settings = {};
/** Bumped when the settings change, so that cached analyses are recomputed. */
let settingsStamp = 0;
let debounceMs = 100;
let pullConfiguration = false;
/** The client shows server-made progress (window/workDoneProgress/create). */
let workDoneProgress = false;

const cache = new Map<string, { version: number; stamp: number; doc: DocumentAnalysis }>();
const pending = new Map<string, NodeJS.Timeout>();

function analysisOf(document: TextDocument): DocumentAnalysis {
  const cached = cache.get(document.uri);
  if (cached && cached.version === document.version && cached.stamp === settingsStamp) return cached.doc;
  const doc = service.analyze(document.getText(), settings, filePath(document.uri));
  cache.set(document.uri, { version: document.version, stamp: settingsStamp, doc });
  return doc;
}

/** Runs a handler; a thrown error is logged with its stack and answered with `fallback`. */
function runSafe<T>(label: string, token: CancellationToken | undefined, fallback: T, fn: () => T): T | ResponseError<void> {
  if (token?.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
  try {
    return fn();
  } catch (error) {
    connection.console.error(`patchwise: ${label} failed: ${(error as Error).stack ?? String(error)}`);
    return fallback;
  }
}

/** The open document of a request, analysed; `fallback` when it is not open. */
function withDocument<T>(label: string, uri: string, token: CancellationToken | undefined, fallback: T, fn: (doc: DocumentAnalysis, document: TextDocument) => T): T | ResponseError<void> {
  return runSafe(label, token, fallback, () => {
    const document = documents.get(uri);
    return document ? fn(analysisOf(document), document) : fallback;
  });
}

function validate(document: TextDocument): void {
  runSafe('validation', undefined, undefined, () => {
    const doc = analysisOf(document);
    const diagnostics = service.doValidation(doc).map((d) => toDiagnostic(document.uri, d));
    void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
    const report = doc.analysis.report;
    const status: protocol.StatusParams = {
      uri: document.uri,
      version: document.version,
      peakBytes: report?.peakBytes ?? null,
      budgetBytes: report?.target.sramBytes ?? null,
      fits: report?.fitsSram ?? false,
      weightsBytes: report?.weightsBytes ?? null,
      flashBytes: report?.target.flashBytes ?? null,
      hasErrors: doc.analysis.hasErrors,
    };
    void connection.sendNotification(protocol.statusNotification, status);
  });
}

function scheduleValidation(uri: string): void {
  clearTimeout(pending.get(uri));
  pending.set(uri, setTimeout(() => {
    pending.delete(uri);
    const document = documents.get(uri);
    if (document) validate(document);
  }, debounceMs));
}

async function updateSettings(pushed: unknown): Promise<void> {
  let next = (pushed as { patchwise?: Settings } | undefined)?.patchwise;
  if (!next && pullConfiguration) next = (await connection.workspace.getConfiguration('patchwise')) as Settings;
  settings = next ?? {};
  settingsStamp++;
  const problems: string[] = [];
  budgetOverride(settings, problems);
  for (const problem of problems) void connection.window.showWarningMessage(`Patchwise: ${problem}`);
  for (const document of documents.all()) scheduleValidation(document.uri);
  // Lenses and hints follow their settings: the editor asks again only when told to.
  void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  void connection.languages.inlayHint.refresh().catch(() => undefined);
}

connection.onInitialize((params): InitializeResult => {
  const options = (params.initializationOptions ?? {}) as protocol.InitializationOptions;
  settings = options.settings ?? {};
  if (typeof options.debounceMs === 'number' && options.debounceMs >= 0) debounceMs = options.debounceMs;
  pullConfiguration = params.capabilities.workspace?.configuration === true;
  workDoneProgress = params.capabilities.window?.workDoneProgress === true;
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['=', ' '] },
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      codeLensProvider: { resolveProvider: false },
      documentSymbolProvider: true,
      inlayHintProvider: true,
    },
    serverInfo: { name: 'patchwise' },
  };
});

connection.onDidChangeConfiguration((change) => void updateSettings(change.settings).catch((e) => connection.console.error(String(e))));

documents.onDidChangeContent((event) => scheduleValidation(event.document.uri));

// An .onnx or .tflite file changed on disk (the client watches **/*.{onnx,tflite}): every analysed model that takes
// its layers from a file is analysed again (one not analysed yet reads the file when it is).
connection.onDidChangeWatchedFiles(() => {
  for (const document of documents.all()) {
    if (!cache.get(document.uri)?.doc.analysis.ast.from) continue;
    cache.delete(document.uri);
    scheduleValidation(document.uri);
  }
});
documents.onDidClose((event) => {
  clearTimeout(pending.get(event.document.uri));
  pending.delete(event.document.uri);
  cache.delete(event.document.uri);
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
});

connection.onHover((params, token) =>
  withDocument('hover', params.textDocument.uri, token, null, (doc) => {
    const hover = service.doHover(doc, params.position);
    return hover && { contents: { kind: 'markdown', value: hover.contents }, range: hover.range };
  }),
);

connection.onCompletion((params, token) =>
  withDocument('completion', params.textDocument.uri, token, [], (doc) => service.doComplete(doc, params.position).map(toCompletionItem)),
);

connection.onCodeAction((params, token) =>
  withDocument('code actions', params.textDocument.uri, token, [], (doc) =>
    service.doCodeActions(doc, params.context.diagnostics.map(fromDiagnostic)).map((a) => toCodeAction(params.textDocument.uri, a)),
  ),
);

connection.onCodeLens((params, token) =>
  withDocument('code lenses', params.textDocument.uri, token, [], (doc) =>
    service.findCodeLenses(doc, settings).flatMap((lens) => [
      { range: lens.range, command: { title: lens.title, command: 'patchwise.showMemoryReport', arguments: [params.textDocument.uri, lens.block] } },
      { range: lens.range, command: { title: '$(graph) chart', command: 'patchwise.showMemoryChart', arguments: [params.textDocument.uri, lens.block] } },
    ]),
  ),
);

connection.onDocumentSymbol((params, token) =>
  withDocument('symbols', params.textDocument.uri, token, [], (doc) => service.findDocumentSymbols(doc).map(toDocumentSymbol)),
);

connection.languages.inlayHint.on((params, token) =>
  withDocument('inlay hints', params.textDocument.uri, token, [], (doc) =>
    service
      .findInlayHints(doc, settings)
      .filter((h) => h.position.line >= params.range.start.line && h.position.line <= params.range.end.line)
      .map((h) => ({ position: h.position, label: h.label, tooltip: h.tooltip, paddingLeft: true })),
  ),
);

connection.onRequest(protocol.analysisRequest, (params: protocol.AnalysisParams, token) =>
  withDocument<protocol.AnalysisResult | null>('analysis', params.uri, token, null, (doc, document) => ({
    uri: document.uri,
    version: document.version,
    report: doc.analysis.report ?? null,
    text: doc.analysis.report ? formatReport(doc.analysis.report) : 'No model to analyse: ' + doc.analysis.diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code} ${d.message}`).join('\n'),
  })),
);

// The search runs in slices with progress ($/progress, cancellable), and stops when the request is
// cancelled or the document changes: a 5,000-layer model must not hold the server for its bound.
connection.onRequest(protocol.optimizeRequest, async (params: protocol.OptimizeParams, token): Promise<protocol.OptimizeResult | null | ResponseError<void>> => {
  const document = documents.get(params.uri);
  if (!document) return null;
  try {
    const doc = analysisOf(document);
    const base = { uri: document.uri, version: document.version, budgetBytes: doc.analysis.report?.target.sramBytes ?? 0, choices: [], pareto: [], changes: [] };
    const model = doc.analysis.model;
    if (!model || doc.analysis.hasErrors) return { ...base, error: 'The model has errors; fix them first (see the Problems panel).' };
    let search = doc.searchIfDone;
    if (!search) {
      const progress = await searchProgress(params);
      // The TextDocument is updated in place: compare with the version the search started from.
      const version = document.version;
      const changed = () => documents.get(params.uri)?.version !== version;
      try {
        search = await searchSchedulesAsync(model, model.target.sramBytes, {
          isCancelled: () => token.isCancellationRequested || progress.token.isCancellationRequested || changed(),
          onProgress: (done, total) => progress.report(Math.floor((100 * done) / total), `${done} of ${total} split points`),
        });
      } finally {
        progress.done();
      }
      if (search.bounded?.by === 'cancelled') {
        return changed() ? new ResponseError(LSPErrorCodes.ContentModified, 'the model changed; the search was cancelled') : new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
      }
      doc.adoptSearch(search);
    }
    const choices = search.choices.map((c): protocol.OptimizeChoice => ({ title: describeCandidate(c), candidate: c, edits: [scheduleEdit(doc.analysis.ast, doc.text, c)] }));
    // No schedule fits: the changes to the model that make one fit (input, width, target).
    const changes = doc.fitChanges.map((c): protocol.OptimizeChoice => ({ title: describeFitChange(c), candidate: c.schedule, edits: c.edits }));
    return { ...base, choices, pareto: search.pareto, changes, ...(search.reason ? { reason: search.reason } : {}), ...(search.bounded ? { bounded: search.bounded } : {}) };
  } catch (error) {
    connection.console.error(`patchwise: optimize failed: ${(error as Error).stack ?? String(error)}`);
    return null;
  }
});

/** The client's progress for this request when it sent a token, else one the server creates (when the client can show it). */
async function searchProgress(params: protocol.OptimizeParams & WorkDoneProgressParams): Promise<WorkDoneProgressReporter & { token: CancellationToken }> {
  const silent = { begin() {}, report() {}, done() {}, token: { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) } as CancellationToken };
  let progress: (WorkDoneProgressReporter & { token?: CancellationToken }) | undefined;
  if (params.workDoneToken !== undefined) progress = connection.window.attachWorkDoneProgress(params.workDoneToken);
  else if (workDoneProgress) progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
  if (!progress) return silent;
  progress.begin('Patchwise: searching schedules', 0, undefined, true);
  return Object.assign(progress, { token: progress.token ?? silent.token });
}

connection.onRequest(protocol.panelDataRequest, (params: protocol.PanelDataParams, token) =>
  withDocument<protocol.PanelDataResult>('panel data', params.uri, token, null, (doc, document) => {
    const sections = Array.isArray(params.sections) ? params.sections.filter((s) => panelSections.includes(s)) : [];
    return panelData(doc, document.uri, document.version, sections);
  }),
);

connection.onRequest(protocol.onnxModelRequest, (params: protocol.OnnxModelParams, token) =>
  runSafe<protocol.OnnxModelResult>('onnx model', token, null, () => {
    const file = filePath(params.uri);
    const input = params.input && [params.input.h, params.input.w].every((n) => Number.isInteger(n) && n >= 1 && n <= 8192) ? params.input : undefined;
    return file ? onnxModelView(nodeFileSystem, file, params.uri, settings, input) : null;
  }),
);

documents.listen(connection);
connection.listen();
