import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/protocol';
import { statusText } from './statusText';

/** "Peak 171.5 / 320 KiB" for the active .pnet editor; red when over the SRAM or the flash budget. */
export class PeakStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('patchwise.peak', vscode.StatusBarAlignment.Right, 100);
  private readonly latest = new Map<string, StatusParams>();
  private readonly subscription = vscode.window.onDidChangeActiveTextEditor(() => this.render());

  constructor() {
    this.item.name = 'Patchwise peak memory';
    this.item.command = 'patchwise.showMemoryReport';
  }

  update(status: StatusParams): void {
    this.latest.set(status.uri, status);
    this.render();
  }

  forget(uri: string): void {
    this.latest.delete(uri);
    this.render();
  }

  private render(): void {
    const editor = vscode.window.activeTextEditor;
    const status = editor && editor.document.languageId === 'pnet' ? this.latest.get(editor.document.uri.toString()) : undefined;
    if (!status) {
      this.item.hide();
      return;
    }
    const shown = statusText(status);
    this.item.text = shown.text;
    this.item.tooltip = shown.tooltip;
    this.item.backgroundColor = shown.over ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
