import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { promisify } from 'util';
import { Browser, chromium, Page } from 'playwright-core';

// A real VS Code for end-to-end tests: code-server (installed by scripts/setupE2e.sh) with a
// fresh profile per run, driven by playwright-core through Debian's chromium. Everything it
// starts is ended by stop(), and by a last-resort exit handler when the test process dies first.

/** The repository root: this file runs compiled from out/test/e2e/. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const codeServerBin = path.join(repoRoot, '.e2e', 'code-server', 'node_modules', '.bin', 'code-server');
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const run = promisify(execFile);

export interface StartOptions {
  vsix: string;
  /** Absolute folder opened in the workbench. */
  workspace: string;
  /** User settings.json; the defaults below keep the workbench quiet and deterministic. */
  settings?: Record<string, unknown>;
  /** Where stop() copies VS Code's logs (extension host, language server output). */
  logsTo?: string;
}

export interface CodeServer {
  page: Page;
  /** The workbench URL, folder included. */
  url: string;
  /** What `--install-extension` printed. */
  installOutput: string;
  /** The user settings.json: VS Code applies an edit of it live (a theme switch, for screenshots). */
  settingsFile: string;
  stop(): Promise<void>;
}

const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  // Saves only when the test saves, and typed text lands as typed (no suggestion popping up
  // between keystrokes to take an Escape or an Enter).
  'files.autoSave': 'off',
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
};

/** Installs the vsix into a fresh profile, starts code-server and opens the workspace in chromium. */
export async function startCodeServer(options: StartOptions): Promise<CodeServer> {
  const runDir = fs.mkdtempSync('/tmp/patchwise-e2e-');
  const dirs = { data: path.join(runDir, 'user-data'), extensions: path.join(runDir, 'extensions'), xdg: path.join(runDir, 'xdg') };
  fs.mkdirSync(path.join(dirs.data, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.data, 'User', 'settings.json'), JSON.stringify({ ...quietSettings, ...options.settings }, null, 2));
  const config = path.join(runDir, 'config.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  // Without these, code-server, VS Code and chromium (its crash reports) write to ~/.config,
  // ~/.local/share and ~/.cache.
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(dirs.xdg, 'config'),
    XDG_DATA_HOME: path.join(dirs.xdg, 'data'),
    XDG_CACHE_HOME: path.join(dirs.xdg, 'cache'),
  };
  const common = ['--config', config, '--user-data-dir', dirs.data, '--extensions-dir', dirs.extensions];

  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    browser = undefined;
    await server?.kill();
    server = undefined;
    try {
      if (options.logsTo) copyLogs(runDir, options.logsTo);
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  };
  try {
    const installed = await run(codeServerBin, [...common, '--install-extension', options.vsix], { env, timeout: 120_000 });
    const port = await freePort();
    server = startServer([...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust'], env, path.join(runDir, 'code-server.log'));
    await waitForHealth(port, server);
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs, env });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}`;
    await page.goto(url);
    return { page, url, installOutput: installed.stdout + installed.stderr, settingsFile: path.join(dirs.data, 'User', 'settings.json'), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface ServerProcess {
  exited: boolean;
  log: string;
  kill(): Promise<void>;
}

/**
 * code-server in its own session and process group (`detached` is setsid), so that the
 * extension hosts and language servers it forks, which outlive the browser, end with it.
 */
function startServer(args: string[], env: NodeJS.ProcessEnv, log: string): ServerProcess {
  const out = fs.openSync(log, 'w');
  const child = spawn(codeServerBin, args, { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.once('error', () => undefined); // a spawn failure leaves pid undefined, reported below
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start ${codeServerBin}`);
  const lastResort = () => signalGroup(pgid, 'SIGKILL');
  process.once('exit', lastResort);
  const state: ServerProcess = {
    exited: false,
    log,
    async kill() {
      process.removeListener('exit', lastResort);
      signalGroup(pgid, 'SIGTERM');
      // The group is gone once no member is left, not when code-server itself exits.
      if (!(await waitFor(() => !groupAlive(pgid), 5_000))) signalGroup(pgid, 'SIGKILL');
      await waitFor(() => !groupAlive(pgid), 5_000);
    },
  };
  child.on('exit', () => (state.exited = true));
  return state;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the whole group has already exited.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function waitForHealth(port: number, server: ServerProcess): Promise<void> {
  const healthy = await waitFor(async () => {
    if (server.exited) return true;
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    } catch {
      return false; // not listening yet
    }
  }, 60_000, 200);
  if (!healthy || server.exited) {
    const tail = fs.readFileSync(server.log, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`code-server did not become healthy on port ${port}${server.exited ? ' (it exited)' : ''}:\n${tail}`);
  }
}

/** A port free right now on 127.0.0.1 (the kernel picks it; code-server binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

/** Keeps code-server's and VS Code's logs (extension host, Patchwise output) after the run dir goes. */
function copyLogs(runDir: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  const logs = path.join(runDir, 'user-data', 'logs');
  if (fs.existsSync(logs)) fs.cpSync(logs, path.join(to, 'vscode'), { recursive: true });
  const serverLog = path.join(runDir, 'code-server.log');
  if (fs.existsSync(serverLog)) fs.copyFileSync(serverLog, path.join(to, 'code-server.log'));
}
