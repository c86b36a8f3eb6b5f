import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import type { InitializationOptions, StatusParams } from '../../server/src/protocol';
import { statusNotification } from '../../server/src/protocol';
import { optimizeSchedule, ReportProvider, reportScheme, showMemoryReport } from './commands';
import { FirmwareCommand, FirmwareResults, measuredOf } from './firmwareCommand';
import { OnnxEditorProvider, onnxViewType } from './onnxEditor';
import { panelViewType } from './panels/chartPanel';
import { PanelManager } from './panels/panelManager';
import { PeakStatus } from './statusBar';

// The VS Code side: starts the language server, shows the peak in the status bar, and runs the
// palette commands. All analysis happens in the server.

let client: LanguageClient | undefined;

function createClient(context: vscode.ExtensionContext, output: vscode.OutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const config = vscode.workspace.getConfiguration('patchwise');
  const initializationOptions: InitializationOptions = {
    settings: {
      target: config.get<string>('target'), sramBudget: config.get<string>('sramBudget'), flashBudget: config.get<string>('flashBudget'),
      codeLens: { blocks: config.get<boolean>('codeLens.blocks') }, inlayHints: { shapes: config.get<boolean>('inlayHints.shapes') },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'pnet' }, { scheme: 'untitled', language: 'pnet' }],
    synchronize: { configurationSection: 'patchwise', fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{onnx,tflite}') },
    initializationOptions,
    outputChannel: output,
  };
  return new LanguageClient('patchwise', 'Patchwise', serverOptions, clientOptions);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Patchwise');
  const status = new PeakStatus();
  const reports = new ReportProvider();
  const firmwareProblems = vscode.languages.createDiagnosticCollection('patchwise-firmware');
  const firmwareResults = new FirmwareResults();
  const firmware = new FirmwareCommand(context, output, firmwareProblems, firmwareResults);
  const panels = new PanelManager(context.extensionUri, () => client, output, (uri) => measuredOf(firmwareResults.get(uri)));
  context.subscriptions.push(firmwareResults.onDidChange((uri) => panels.firmwareChanged(uri)));
  const onnxEditors = new OnnxEditorProvider(context.extensionUri, () => client, output);
  // Code lenses pass (uri, block); the palette passes nothing.
  const showPanel = (kind: 'memory' | 'overlap' | 'schedules') => (uri?: unknown, block?: unknown) =>
    panels.show(kind, typeof uri === 'string' ? uri : undefined, typeof block === 'number' ? block : undefined);
  const start = async () => {
    client = createClient(context, output);
    client.onNotification(statusNotification, (params: StatusParams) => status.update(params));
    await client.start();
    void panels.refresh();
    onnxEditors.refresh();
  };
  context.subscriptions.push(
    output,
    status,
    vscode.workspace.registerTextDocumentContentProvider(reportScheme, reports),
    vscode.workspace.onDidCloseTextDocument((d) => status.forget(d.uri.toString())),
    vscode.commands.registerCommand('patchwise.showMemoryReport', (uri?: string) => showMemoryReport(client, reports, typeof uri === 'string' ? uri : undefined)),
    vscode.commands.registerCommand('patchwise.optimizeSchedule', () => optimizeSchedule(client)),
    panels,
    vscode.window.registerCustomEditorProvider(onnxViewType, onnxEditors),
    // Panels open when the window reloads come back on the model they showed.
    ...panelKinds.map((kind) =>
      vscode.window.registerWebviewPanelSerializer(panelViewType(kind), {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => panels.revive(kind, panel, subjectOf(state)),
      }),
    ),
    vscode.commands.registerCommand('patchwise.showMemoryChart', showPanel('memory')),
    vscode.commands.registerCommand('patchwise.showOverlap', showPanel('overlap')),
    vscode.commands.registerCommand('patchwise.showScheduleExplorer', showPanel('schedules')),
    firmwareProblems,
    vscode.commands.registerCommand('patchwise.generateFirmware', (uri?: vscode.Uri) => firmware.run(uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand('patchwise.restartServer', async () => {
      output.appendLine('Restarting the Patchwise language server…');
      if (client) await client.stop().catch((e) => output.appendLine(`stop: ${String(e)}`));
      await start();
    }),
  );
  try {
    await start();
  } catch (error) {
    output.appendLine(`The Patchwise language server did not start: ${String(error)}`);
    void vscode.window.showErrorMessage('Patchwise: the language server did not start; see the Patchwise output.');
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

const panelKinds = ['memory', 'overlap', 'schedules'] as const;

/** The model a restored page last showed (its saved state's `subject`), if any. */
function subjectOf(state: unknown): string | undefined {
  const subject = (state as { subject?: unknown } | null | undefined)?.subject;
  return typeof subject === 'string' ? subject : undefined;
}
