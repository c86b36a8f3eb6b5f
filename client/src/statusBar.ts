import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/protocol';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;
const budget = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024}` : kib(bytes));

/** "Peak 171.5 / 320 KiB" for the active .pnet editor; red when over the budget. */
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
    if (status.peakBytes === null || status.budgetBytes === null) {
      this.item.text = '$(warning) Peak: no model';
      this.item.tooltip = 'Patchwise cannot analyse this file yet: see the Problems panel.';
      this.item.backgroundColor = undefined;
    } else {
      this.item.text = `${status.fits ? '' : '$(error) '}Peak ${kib(status.peakBytes)} / ${budget(status.budgetBytes)} KiB`;
      this.item.tooltip = `Peak activation memory ${kib(status.peakBytes)} KiB of a ${budget(status.budgetBytes)} KiB SRAM budget${status.fits ? '' : ' — over budget'}. Click for the memory report.`;
      this.item.backgroundColor = status.fits ? undefined : new vscode.ThemeColor('statusBarItem.errorBackground');
    }
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
