import * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import type { AnalysisResult, OptimizeResult } from '../../server/src/protocol';
import { analysisRequest, optimizeRequest } from '../../server/src/protocol';

/** Read-only documents with the memory report, one per model: `patchwise-report:/name.txt?uri`. */
export const reportScheme = 'patchwise-report';

export class ReportProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly texts = new Map<string, string>();

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}

/** The active .pnet document, or a message saying what the command needs. */
function activeModel(): vscode.TextDocument | undefined {
  const document = vscode.window.activeTextEditor?.document;
  if (document?.languageId === 'pnet') return document;
  void vscode.window.showInformationMessage('Patchwise: open a .pnet model first.');
  return undefined;
}

/** False, with a polite message, when the language server is not running. */
function serverUp(client: LanguageClient | undefined): client is LanguageClient {
  if (client?.state === State.Running) return true;
  void vscode.window.showWarningMessage('The Patchwise language server is not running. Run "Patchwise: Restart Server", or see the Patchwise output for why it stopped.', 'Restart Server').then((choice) => {
    if (choice) void vscode.commands.executeCommand('patchwise.restartServer');
  });
  return false;
}

export async function showMemoryReport(client: LanguageClient | undefined, reports: ReportProvider, uriArg?: string): Promise<void> {
  const document = uriArg ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uriArg) : activeModel();
  if (!document || !serverUp(client)) return;
  const result = await client.sendRequest<AnalysisResult | null>(analysisRequest, { uri: document.uri.toString() });
  if (!result) return;
  const name = document.uri.path.split('/').pop()!.replace(/\.pnet$/, '');
  const uri = vscode.Uri.from({ scheme: reportScheme, path: `/${name} memory.txt`, query: document.uri.toString() });
  reports.set(uri, result.text + '\n');
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
}

export async function optimizeSchedule(client: LanguageClient | undefined): Promise<void> {
  const document = activeModel();
  if (!document || !serverUp(client)) return;
  // The server cancels the search when the model changes meanwhile (ContentModified).
  const result = await vscode.window
    .withProgress({ location: vscode.ProgressLocation.Window, title: 'Patchwise: searching schedules' }, () => client.sendRequest<OptimizeResult | null>(optimizeRequest, { uri: document.uri.toString() }))
    .then(undefined, (error: Error) => void vscode.window.showWarningMessage(`Patchwise: the search stopped: ${error.message}`));
  if (!result) return;
  if (result.error) return void vscode.window.showWarningMessage(`Patchwise: ${result.error}`);
  // No schedule fits: the model changes that do (each analysed by the server), or why there is none.
  const changes = result.choices.length === 0;
  if (changes && result.changes.length === 0) return void vscode.window.showWarningMessage(`Patchwise: no schedule fits ${result.budgetBytes / 1024} KiB, and no smaller input, narrower width or larger target does either. ${result.reason ?? ''}`);
  const picked = await vscode.window.showQuickPick(
    (changes ? result.changes : result.choices).map((c, i) => ({ label: c.title, description: i === 0 && !changes ? 'fewest MACs' : undefined, choice: c })),
    changes
      ? { title: `No schedule fits ${result.budgetBytes / 1024} KiB; these changes to the model do`, placeHolder: 'Pick a change to write into the model (with its schedule)' }
      : { title: `Schedules that fit ${result.budgetBytes / 1024} KiB${result.bounded ? ` (the search stopped at its bound: split points up to block ${result.bounded.lastBlock}, ${result.bounded.evaluated} of ${result.bounded.total} schedules)` : ''}`, placeHolder: 'Pick a schedule to write into the model' },
  );
  if (!picked) return;
  if (document.version !== result.version) return void vscode.window.showWarningMessage('Patchwise: the model changed while searching; run the command again.');
  const edit = new vscode.WorkspaceEdit();
  for (const e of picked.choice.edits) {
    edit.replace(document.uri, new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
  }
  await vscode.workspace.applyEdit(edit);
}
