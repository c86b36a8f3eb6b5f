import * as vscode from 'vscode';
import { panelHtml, panelScripts } from './html';
import { describeDropped, HostMessage, PageMessage, PanelKind, parsePageMessage } from './messages';

// One webview panel (memory, overlap or schedules): its page, its policy, and a typed, validated
// channel. The page is thrown away while the panel is hidden (no retainContextWhenHidden: a chart
// page holds megabytes for nothing) and keeps its UI state with the webview state API instead; on
// every load it posts 'ready' and the manager sends the data again.

export const panelTitles: Record<PanelKind, string> = {
  memory: 'Memory',
  overlap: 'Patch Overlap',
  schedules: 'Schedules',
};

export const panelViewType = (kind: PanelKind): string => `patchwise.${kind}`;

export interface PanelHost {
  onMessage(kind: PanelKind, message: PageMessage): void;
  onDispose(kind: PanelKind): void;
  log(text: string): void;
}

export class ChartPanel implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly subscriptions: vscode.Disposable[] = [];

  /** `revived`: a panel VS Code restored after a window reload, to fill again. */
  constructor(readonly kind: PanelKind, extensionUri: vscode.Uri, private readonly host: PanelHost, revived?: vscode.WebviewPanel) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    // The page may load from media/ only (its bundle and stylesheet), nothing else on disk.
    const options = { enableScripts: true, localResourceRoots: [media] };
    this.panel = revived ?? vscode.window.createWebviewPanel(panelViewType(kind), `Patchwise ${panelTitles[kind]}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, options);
    const webview = this.panel.webview;
    if (revived) webview.options = options;
    webview.html = panelHtml({
      kind,
      title: `Patchwise ${panelTitles[kind]}`,
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'dist', panelScripts[kind])).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panels.css')).toString(),
    });
    this.subscriptions.push(
      webview.onDidReceiveMessage((raw: unknown) => {
        const parsed = parsePageMessage(raw);
        if (parsed.ok) this.host.onMessage(kind, parsed.value);
        else this.host.log(`${kind} panel: dropped a malformed message: ${describeDropped(raw, parsed.problem)}`);
      }),
      this.panel.onDidDispose(() => {
        this.subscriptions.forEach((s) => s.dispose());
        this.host.onDispose(kind);
      }),
    );
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  /** The file the panel shows, in its tab title. */
  setSubject(fileName: string): void {
    this.panel.title = `${panelTitles[this.kind]}: ${fileName}`;
  }

  post(message: HostMessage): void {
    // A hidden page is not there to receive; it asks again ('ready') when shown.
    if (this.panel.visible) void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    this.panel.dispose();
  }
}
