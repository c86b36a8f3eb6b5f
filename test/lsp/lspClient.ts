import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import {
  createProtocolConnection,
  Diagnostic,
  InitializeRequest,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { repoRoot } from '../helpers';

/**
 * A language client for tests: the real server bundle (dist/server.js) over stdio, a real JSON-RPC
 * connection, and waits on notifications instead of sleeps.
 */
export class LspClient {
  private readonly published: PublishDiagnosticsParams[] = [];
  private readonly waiters: { match: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  readonly stderr: string[] = [];
  readonly notifications: { method: string; params: unknown }[] = [];

  private constructor(readonly process: ChildProcess, readonly connection: ProtocolConnection) {
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.published.push(params);
      for (const w of [...this.waiters]) {
        if (w.match(params)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(params);
        }
      }
    });
    connection.onNotification('patchwise/status', (params: unknown) => this.notifications.push({ method: 'patchwise/status', params }));
    // The server asks the client for settings it does not have; answer like an empty workspace.
    connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => null));
  }

  static async start(initializationOptions: object = {}): Promise<LspClient> {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspClient(child, connection);
    child.stderr!.on('data', (d: Buffer) => client.stderr.push(d.toString()));
    connection.listen();
    await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions });
    await connection.sendNotification('initialized', {});
    return client;
  }

  /** The next publication for `uri` that satisfies `match` (including one already received when `past`). */
  diagnostics(uri: string, match: (p: PublishDiagnosticsParams) => boolean = () => true, past = false): Promise<PublishDiagnosticsParams> {
    const seen = past ? this.published.find((p) => p.uri === uri && match(p)) : undefined;
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match: (p) => p.uri === uri && match(p), resolve }));
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'pnet', version, text } });
  }

  /** Replaces the whole text (a full-document change event). */
  change(uri: string, version: number, text: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  request<R>(method: string, params: object): Promise<R> {
    return this.connection.sendRequest(method, params);
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } finally {
      this.connection.dispose();
      if (this.process.exitCode === null) this.process.kill();
    }
  }
}

export function codes(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => String(d.code)).sort();
}
