import * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import { onnxModelRequest, OnnxModelParams, OnnxModelResult } from '../../server/src/protocol';
import { panelHtml, panelScripts } from './panels/html';
import { describeDropped, HostMessage, PageMessage, parsePageMessage } from './panels/messages';

// The read-only custom editor of .onnx and .tflite files: the memory chart page (same bundle, same policy as the
// chart panels) with a "Create schedule file" button. The server analyses the file as the .pnet the
// button writes (`patchwise/onnxModel`); the page is sent that analysis on every load and whenever
// the .onnx changes on disk.

export const onnxViewType = 'patchwise.onnxModel';

export class OnnxEditorProvider implements vscode.CustomReadonlyEditorProvider {
  /** The open editors' pages, by webview panel (one .onnx may be open in two groups). */
  private readonly editors = new Set<OnnxEditor>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: () => LanguageClient | undefined,
    private readonly output: vscode.OutputChannel,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const editor = new OnnxEditor(document.uri, panel, this.extensionUri, this.client, this.output);
    this.editors.add(editor);
    panel.onDidDispose(() => {
      this.editors.delete(editor);
      editor.dispose();
    });
  }

  /** The server (re)started: every open page asks again. */
  refresh(): void {
    for (const editor of this.editors) void editor.refresh();
  }
}

class OnnxEditor implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Bumped per request: a slow answer must not overwrite a newer one. */
  private generation = 0;
  /** The size a dynamic input is analysed at, once the page's input form set it. */
  private input: { h: number; w: number } | undefined;

  constructor(
    private readonly uri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly client: () => LanguageClient | undefined,
    private readonly output: vscode.OutputChannel,
  ) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [media] };
    webview.html = panelHtml({
      kind: 'memory',
      title: `Patchwise: ${fileName(uri)}`,
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'dist', panelScripts.memory)).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panels.css')).toString(),
    });
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), fileName(uri)), true, false, true);
    this.subscriptions.push(
      watcher,
      watcher.onDidChange(() => void this.refresh()),
      webview.onDidReceiveMessage((raw: unknown) => {
        const parsed = parsePageMessage(raw);
        if (parsed.ok) void this.onMessage(parsed.value);
        else this.log(`dropped a malformed message: ${describeDropped(raw, parsed.problem)}`);
      }),
    );
  }

  private async onMessage(message: PageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.refresh();
      case 'createScheduleFile':
        return this.createScheduleFile();
      case 'setInput':
        this.input = { h: message.h, w: message.w };
        return this.refresh();
      case 'log':
        return this.log(`${message.level}: ${message.text}`);
      // 'reveal' and 'applySchedule': an .onnx file has no lines to go to and no schedule to edit.
    }
  }

  /** Asks the server for the analysis and sends it to the page (when the server is up: else on start). */
  async refresh(): Promise<void> {
    const view = await this.request();
    if (!view) return;
    const messages: HostMessage[] = [
      { type: 'data', data: view.data },
      { type: 'onnxModel', note: view.note, diagnostics: view.diagnostics, canCreate: view.scheduleFile !== null, dynamicInput: view.dynamicInput },
    ];
    for (const message of messages) void this.panel.webview.postMessage(message);
  }

  private async request(): Promise<OnnxModelResult> {
    const client = this.client();
    if (client?.state !== State.Running) return null;
    const generation = ++this.generation;
    const params: OnnxModelParams = { uri: this.uri.toString(), ...(this.input ? { input: this.input } : {}) };
    try {
      const view = await client.sendRequest<OnnxModelResult>(onnxModelRequest, params);
      return generation === this.generation ? view : null;
    } catch (error) {
      this.log(`${onnxModelRequest} failed: ${String(error)}`);
      return null;
    }
  }

  /** Writes `<name>.pnet` next to the model and opens it; an existing file is never overwritten. */
  private async createScheduleFile(): Promise<void> {
    const target = this.uri.with({ path: this.uri.path.replace(/(\.onnx|\.tflite)?$/i, '.pnet') });
    if (await exists(target)) {
      const open = await vscode.window.showWarningMessage(`Patchwise: ${fileName(target)} already exists; it is left as it is.`, 'Open it');
      if (open) await vscode.window.showTextDocument(target);
      return;
    }
    const view = await this.request();
    if (!view?.scheduleFile) {
      void vscode.window.showErrorMessage(`Patchwise: no schedule file for ${fileName(this.uri)}: ${view ? 'the model cannot be imported (see its page)' : 'the language server did not answer'}.`);
      return;
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(view.scheduleFile));
    await vscode.window.showTextDocument(target);
  }

  private log(text: string): void {
    this.output.appendLine(`[onnx editor ${fileName(this.uri)}] ${text}`);
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() || uri.toString();
}
