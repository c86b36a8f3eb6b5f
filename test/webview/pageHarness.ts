import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { panelHtml, panelScripts } from '../../client/src/panels/html';
import { HostMessage, PanelKind } from '../../client/src/panels/messages';
import { repoRoot } from '../helpers';
import { themes, ThemeName } from './themes';

// The panels' pages in headless Chromium, as VS Code would show them: the HTML from the same
// builder (its policy and nonce), the bundles from media/dist served from one origin standing in for
// the webview's resource origin, a stub acquireVsCodeApi that records what the page posts, and the
// theme's CSS variables and body class as VS Code sets them.

export const chromiumPath = '/usr/bin/chromium';
export const outputDir = path.join(repoRoot, 'test-output', 'webview');
const mediaDir = path.join(repoRoot, 'media');
/** The page-side stub and probes: plain JS, read from the source tree (tsc does not copy it). */
const stubFile = path.join(repoRoot, 'test', 'webview', 'pageStub.js');

/** Why the pages cannot run here (no chromium, no bundles), or undefined. */
export function missing(): string | undefined {
  if (!fs.existsSync(chromiumPath)) return `${chromiumPath} is missing (apt-get install -y chromium)`;
  const absent = Object.values(panelScripts).filter((f) => !fs.existsSync(path.join(mediaDir, 'dist', f)));
  if (absent.length) return `media/dist/${absent.join(', ')} not built (npm run build)`;
  return undefined;
}

/** In CI a missing browser fails the suite; elsewhere the skip is said out loud. */
export function skipOrFail(context: Mocha.Context, problem: string): void {
  if (process.env.CI === 'true') throw new Error(`webview tests cannot run: ${problem}`);
  process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING the webview tests: ${problem}\n!! In CI this fails.\n${'!'.repeat(78)}\n\n`);
  context.skip();
}

export interface PanelPageRun {
  page: Page;
  /** Everything the page posted to the extension, in order. */
  posted(): Promise<unknown[]>;
  /** Console errors, uncaught exceptions and policy violations seen so far. */
  problems: string[];
  warnings: string[];
  send(message: HostMessage | unknown): Promise<void>;
  /** Clicks at page coordinates, and waits for the frame in which chart.js handles events. */
  click(x: number, y: number): Promise<void>;
  /** Calls a probe of test/webview/pageStub.js in the page: \`inked('memoryChart')\`. */
  probe<T>(call: string): Promise<T>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export class PanelBrowser {
  private server: http.Server | undefined;
  private browser: Browser | undefined;
  private origin = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    this.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }

  /** `/panel/<kind>`: the page; `/media/...`: files under media/ only (the webview's resource root). */
  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.origin);
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end(); // a browser tab asks for one; a webview does not
      return;
    }
    const kind = /^\/panel\/(memory|overlap|schedules)$/.exec(url.pathname)?.[1] as PanelKind | undefined;
    if (kind) {
      const html = panelHtml({
        kind,
        title: `Patchwise ${kind}`,
        cspSource: this.origin,
        scriptUri: `${this.origin}/media/dist/${panelScripts[kind]}`,
        styleUri: `${this.origin}/media/panels.css`,
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const file = path.join(mediaDir, decodeURIComponent(url.pathname.replace(/^\/media\//, '')));
    if (!url.pathname.startsWith('/media/') || !file.startsWith(mediaDir + path.sep) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
  }

  /** Opens a panel's page with the given theme and saved webview state (as after hide/show). */
  async open(kind: PanelKind, theme: ThemeName = 'dark', state: unknown = undefined): Promise<PanelPageRun> {
    const page = await this.browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      else if (m.type() === 'warning') warnings.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    const config = { state, variables: themes[theme].variables, bodyClass: themes[theme].bodyClass };
    await page.addInitScript({ content: `const config = ${JSON.stringify(config)};\n${fs.readFileSync(stubFile, 'utf8')}` });
    await page.goto(`${this.origin}/panel/${kind}`);
    const run: PanelPageRun = {
      page,
      problems,
      warnings,
      probe: <T>(call: string) => page.evaluate(`window.patchwiseTest.${call}`) as Promise<T>,
      posted: () => run.probe<unknown[]>('posted()'),
      click: async (x, y) => {
        await page.mouse.click(x, y);
        await run.probe('frames()');
      },
      send: async (message) => {
        await page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
        // The message event, then the charts' draw.
        await run.probe('frames()');
      },
      screenshot: async (name) => {
        fs.mkdirSync(outputDir, { recursive: true });
        const file = path.join(outputDir, `${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      close: () => page.close(),
    };
    await page.waitForFunction('window.patchwiseTest.posted().length > 0');
    return run;
  }
}

/** Pixels of a canvas (or its plot area): all, drawn, and coloured (not grey). */
export interface Inked {
  total: number;
  inked: number;
  colored: number;
}

/**
 * The suite's browser: one Chromium for the suite (skipped, or failed in CI, when it is missing),
 * and the page `current()` returns closed after each test.
 */
export function usePanelBrowser(current: () => PanelPageRun | undefined): PanelBrowser {
  const browser = new PanelBrowser();
  before(async function () {
    const problem = missing();
    if (problem) return skipOrFail(this, problem);
    await browser.start();
  });
  after(() => browser.stop());
  afterEach(() => current()?.close());
  return browser;
}
