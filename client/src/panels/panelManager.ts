import * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import type { PanelData } from '../../../server/src/core/services/panelTypes';
import { panelDataRequest, PanelDataParams, PanelDataResult } from '../../../server/src/protocol';
import { ChartPanel } from './chartPanel';
import { HostMessage, Measured, PageMessage, PanelKind } from './messages';
import { scheduleEditText } from './scheduleEdit';

// The chart panels of one window: they follow one .pnet document (the one they were opened on,
// then whichever .pnet editor becomes active), ask the server for its panel data after each edit
// (debounced), and turn the pages' requests into editor actions: reveal a line, write a schedule.

/** Quiet time after the last keystroke before the panels ask for new data, ms. */
const refreshDelayMs = 250;

export class PanelManager implements vscode.Disposable {
  private readonly panels = new Map<PanelKind, ChartPanel>();
  /** The last data each panel was sent, for a page that loads again after being hidden. */
  private readonly sent = new Map<PanelKind, PanelData>();
  private readonly subscriptions: vscode.Disposable[];
  private followed: vscode.Uri | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped per request: a slow answer for an older version must not overwrite a newer one. */
  private generation = 0;
  private cursorLine: number | null = null;
  /** A block to highlight once the data is there (the code lens that opened the panel). */
  private pendingBlock: number | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: () => LanguageClient | undefined,
    private readonly output: vscode.OutputChannel,
    /** The last firmware measurement of a model (Generate Firmware), for the memory panel. */
    private readonly measured: (uri: string) => Measured | null = () => null,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.isFollowed(e.document) && e.contentChanges.length) this.scheduleRefresh();
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (this.panels.size && editor?.document.languageId === 'pnet' && !this.isFollowed(editor.document)) this.follow(editor.document.uri);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (!this.isFollowed(e.textEditor.document)) return;
        this.cursorLine = e.selections[0].active.line + 1;
        this.panels.get('memory')?.post({ type: 'highlight', line: this.cursorLine });
      }),
    ];
  }

  /** A firmware run of `uri` finished: the memory panel shows it when it follows that model. */
  firmwareChanged(uri: string): void {
    if (this.followed?.toString() === uri) this.panels.get('memory')?.post({ type: 'measured', measured: this.measured(uri) });
  }

  /** Opens (or brings forward) a panel on `uri`, or on the active .pnet editor; `block` is highlighted. */
  async show(kind: PanelKind, uri?: string, block?: number): Promise<void> {
    const target = uri ? vscode.Uri.parse(uri) : this.activeModel();
    if (!target) {
      void vscode.window.showInformationMessage('Patchwise: open a .pnet model first.');
      return;
    }
    const panel = this.panels.get(kind);
    if (panel) panel.reveal();
    else this.add(kind, target);
    this.pendingBlock = block;
    if (this.followed?.toString() !== target.toString()) this.follow(target);
    else await this.refresh();
  }

  /**
   * A panel VS Code restored after a window reload: it follows the model it showed (`subject`, from
   * the page's saved state), else the active .pnet editor, else the next one that becomes active.
   */
  revive(kind: PanelKind, revived: vscode.WebviewPanel, subject: string | undefined): void {
    this.panels.get(kind)?.dispose();
    const target = subject ? vscode.Uri.parse(subject) : this.activeModel();
    this.add(kind, target, revived);
    if (target && this.followed?.toString() !== target.toString()) this.follow(target);
    else void this.refresh();
  }

  private add(kind: PanelKind, target: vscode.Uri | undefined, revived?: vscode.WebviewPanel): void {
    const host = {
      onMessage: (from: PanelKind, message: PageMessage) => void this.onMessage(from, message),
      onDispose: (from: PanelKind) => this.closed(from),
      log: (text: string) => this.output.appendLine(`[panels] ${text}`),
    };
    const panel = new ChartPanel(kind, this.extensionUri, host, revived);
    this.panels.set(kind, panel);
    if (target) panel.setSubject(fileName(target));
  }

  private activeModel(): vscode.Uri | undefined {
    const document = vscode.window.activeTextEditor?.document;
    return document?.languageId === 'pnet' ? document.uri : this.followed;
  }

  private isFollowed(document: vscode.TextDocument): boolean {
    return this.followed !== undefined && document.uri.toString() === this.followed.toString();
  }

  private follow(uri: vscode.Uri): void {
    this.followed = uri;
    this.sent.clear();
    for (const panel of this.panels.values()) panel.setSubject(fileName(uri));
    void this.refresh();
  }

  private scheduleRefresh(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), refreshDelayMs);
  }

  /** Asks the server for what the open panels draw (one request) and posts each panel its part. */
  async refresh(): Promise<void> {
    clearTimeout(this.timer);
    const client = this.client();
    const uri = this.followed;
    if (!uri || this.panels.size === 0 || client?.state !== State.Running) return;
    const generation = ++this.generation;
    const params: PanelDataParams = { uri: uri.toString(), sections: [...this.panels.keys()] };
    let data: PanelDataResult;
    try {
      data = await client.sendRequest<PanelDataResult>(panelDataRequest, params);
    } catch (error) {
      this.output.appendLine(`[panels] ${panelDataRequest} failed: ${String(error)}`);
      return;
    }
    if (!data || generation !== this.generation) return;
    if (this.pendingBlock !== undefined) {
      this.cursorLine = data.layers.find((l) => l.block === this.pendingBlock)?.line ?? this.cursorLine;
      this.pendingBlock = undefined;
    }
    for (const kind of this.panels.keys()) {
      // Each page gets its own part: the memory page has no use for a thousand schedules.
      this.sent.set(kind, { ...data, overlap: kind === 'overlap' ? data.overlap : null, schedules: kind === 'schedules' ? data.schedules : null });
      this.resend(kind);
    }
  }

  private async onMessage(kind: PanelKind, message: PageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.resend(kind);
      case 'reveal':
        return this.reveal(message.line);
      case 'applySchedule':
        return this.applySchedule(message);
      case 'log':
        this.output.appendLine(`[${kind} panel] ${message.level}: ${message.text}`);
    }
  }

  private resend(kind: PanelKind): void {
    const panel = this.panels.get(kind);
    const data = this.sent.get(kind);
    if (!panel) return;
    if (!data) return void this.refresh();
    const messages: HostMessage[] = [{ type: 'data', data }];
    if (kind === 'memory') {
      messages.push({ type: 'highlight', line: this.cursorLine });
      messages.push({ type: 'measured', measured: this.measured(data.uri) });
    }
    messages.forEach((m) => panel.post(m));
  }

  /** Shows a one-based line of the followed document in the editor beside the panels. */
  private async reveal(line: number): Promise<void> {
    if (!this.followed) return;
    const document = await vscode.workspace.openTextDocument(this.followed);
    const at = new vscode.Position(Math.min(line - 1, document.lineCount - 1), 0);
    const column = vscode.window.visibleTextEditors.find((e) => e.document === document)?.viewColumn ?? vscode.ViewColumn.One;
    const editor = await vscode.window.showTextDocument(document, { viewColumn: column, selection: new vscode.Range(at, at) });
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /**
   * Writes the picked schedule as one workspace edit (one undo step). The edit's place comes from
   * the data of the document's current version: if the page's data is older, it is fetched again.
   * A schedule that is not one of the searched candidates is refused: the page may only pick.
   */
  private async applySchedule(message: Extract<PageMessage, { type: 'applySchedule' }>): Promise<void> {
    if (!this.followed) return;
    const document = await vscode.workspace.openTextDocument(this.followed);
    if (this.sent.get('schedules')?.version !== document.version) await this.refresh();
    const space = this.sent.get('schedules')?.schedules;
    if (!space || this.sent.get('schedules')?.version !== document.version) {
      void vscode.window.showWarningMessage('Patchwise: the model changed; pick the schedule again.');
      return;
    }
    const { patch, untilBlock } = message;
    const known = space.patchRows.some((rows, i) => (patch ? rows === patch[0] && space.patchCols[i] === patch[1] && space.untilBlock[i] === untilBlock : rows === 0));
    if (!known) {
      this.output.appendLine(`[panels] refused a schedule that is not a candidate: ${JSON.stringify(message)}`);
      return;
    }
    const { start, end } = space.edit.range;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(start.line, start.character, end.line, end.character), scheduleEditText(space.edit, patch, untilBlock));
    await vscode.workspace.applyEdit(edit);
  }

  private closed(kind: PanelKind): void {
    this.panels.delete(kind);
    this.sent.delete(kind);
    if (this.panels.size === 0) clearTimeout(this.timer);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.subscriptions.forEach((s) => s.dispose());
  }
}

function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() || uri.toString();
}
