import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Frame, Page } from 'playwright-core';
import { CodeServer, repoRoot } from './codeServer';

// Helpers for driving the VS Code workbench in code-server, shared by the end-to-end suites.

export const uiTimeoutMs = 30_000;

/** The packaged extension the suites install. */
export const vsix = path.join(repoRoot, `patchwise-${JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version}.vsix`);

/** Installs code-server and chromium, and packages the .vsix when the bundles are newer; returns what failed. */
export function prepare(): string | undefined {
  const setup = spawnSync('bash', [path.join(repoRoot, 'scripts', 'setupE2e.sh')], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', timeout: 10 * 60_000 });
  if (setup.status !== 0) return `scripts/setupE2e.sh failed (${setup.error?.message ?? `exit ${setup.status}`}): ${setup.stderr.trim().split('\n').slice(-5).join(' | ')}`;
  const newest = Math.max(newestMtime(path.join(repoRoot, 'dist')), newestMtime(path.join(repoRoot, 'media', 'dist')), fs.statSync(path.join(repoRoot, 'package.json')).mtimeMs);
  if (!fs.existsSync(vsix) || fs.statSync(vsix).mtimeMs < newest) {
    const pack = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, encoding: 'utf8', timeout: 5 * 60_000 });
    if (pack.status !== 0) return `npm run package failed: ${`${pack.stdout}${pack.stderr}`.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn')).slice(-8).join(' | ')}`;
  }
  return undefined;
}

/** {@link prepare} for a suite's `before`: false (the suite skipped) when it failed off CI; throws on CI. */
export function prepareOrSkip(context: Mocha.Context, suite: string): boolean {
  const problem = prepare();
  if (!problem) return true;
  if (process.env.CI === 'true') throw new Error(`e2e setup failed: ${problem}`);
  process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING ${suite}: ${problem}\n!! In CI this fails.\n${'!'.repeat(78)}\n\n`);
  context.skip();
  return false;
}

function newestMtime(dir: string): number {
  if (!fs.existsSync(dir)) return Infinity; // nothing built yet: package (which builds)
  return Math.max(0, ...fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs));
}

/** Polls `read` until `done`; a read that throws (a frame going away) counts as not yet. */
export async function waitUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = uiTimeoutMs): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined as T);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A screenshot function writing `name.png` into `dir` (never failing the test itself). */
export function screenshotsIn(dir: string): (page: Page | undefined, name: string) => Promise<void> {
  return async (page, name) => {
    await page?.screenshot({ path: path.join(dir, `${name}.png`) }).catch(() => undefined);
  };
}

/**
 * `name-dark.png` and `name-light.png`, the theme switched from the palette (the workbench is left on
 * Dark Modern). `reopen` brings back a menu the theme picker closed.
 */
export async function inThemes(page: Page, screenshot: (page: Page, name: string) => Promise<void>, name: string, reopen?: () => Promise<void>): Promise<void> {
  // A suite that did not start dark (code-server's default is light) is switched first.
  const classes = ((await page.locator('.monaco-workbench').getAttribute('class')) ?? '').split(/\s+/);
  if (!classes.includes('vs-dark')) {
    if (reopen) await page.keyboard.press('Escape');
    await setTheme(page, 'Dark Modern', 'vs-dark');
    await reopen?.();
  }
  await screenshot(page, `${name}-dark`);
  if (reopen) await page.keyboard.press('Escape');
  await setTheme(page, 'Light Modern', 'vs');
  await reopen?.();
  await screenshot(page, `${name}-light`);
  if (reopen) await page.keyboard.press('Escape');
  await setTheme(page, 'Dark Modern', 'vs-dark');
  await reopen?.();
}

export async function setTheme(page: Page, theme: string, workbenchClass: string): Promise<void> {
  // The palette and the theme picker take the focus; the state under them (a menu, a hover) stays.
  // Ctrl+K Ctrl+T: the palette would match 'Browse Color Themes in Marketplace' first.
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+T');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(theme);
  // Typed first: the list is virtual, and a light theme is below its fold.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: theme }).first().waitFor();
  await page.keyboard.press('Enter');
  await waitUntil(() => page.locator('.monaco-workbench').getAttribute('class'), (c) => (c ?? '').split(/\s+/).includes(workbenchClass), `the ${theme} theme`);
  await page.waitForTimeout(300); // the theme's colours reach the editors a frame later
}

/**
 * A suite's closing hooks: a screenshot of each failed test, then code-server stopped (all its
 * processes) and the suite's /tmp workspace removed.
 */
export function endingHooks(current: () => { vs?: CodeServer; workspace: string }, screenshot: (page: Page | undefined, name: string) => Promise<void>): void {
  after(async () => {
    const { vs, workspace } = current();
    await vs?.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await screenshot(current().vs?.page, `failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 50)}`);
  });
}

/** Content-security-policy violations and errors of the webview pages in the console lines. */
export function pageProblems(consoleLines: readonly string[]): string[] {
  const violations = consoleLines.filter((l) => /Content Security Policy|Refused to/i.test(l));
  const pageErrors = consoleLines.filter((l) => l.startsWith('error:') && l.includes('/webview/browser/pre/'));
  return [...violations, ...pageErrors];
}

/** Opens a workspace file with Quick Open and waits for its tab. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
  // Keyboard shortcuts reach the workbench only once it has had a click.
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } });
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(name);
  // The focused row: until the typed name filters the list, the recently opened files are listed
  // (the name among them, below the last one opened), and Enter would open the first.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  // First: a panel following the model (`Patch Overlap: name`) may be active in its own group too.
  await page.locator('.tab.active', { hasText: name }).first().waitFor();
}

export async function focusEditor(page: Page, name: string): Promise<void> {
  await page.locator('.tab', { hasText: name }).first().click();
  await page.locator('.monaco-editor.focused').first().waitFor();
}

/** Runs a command by its palette title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Puts the cursor at a one-based line and column (Go to Line), and waits until it is there. */
export async function goTo(page: Page, line: number, column: number): Promise<void> {
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press('Enter');
  await waitUntil(() => page.locator('#status\\.editor\\.selection').innerText(), (s) => s === `Ln ${line}, Col ${column}`, `cursor at ${line}:${column}`);
}

/** The first frame (a webview's page) with `selector`, optionally one whose title names `file`. */
export async function frameWith(page: Page, selector: string, file?: string): Promise<Frame> {
  let found: Frame | undefined;
  await waitUntil(async () => {
    for (const frame of page.frames()) {
      if ((await frame.locator(selector).count().catch(() => 0)) && (!file || (await frame.title().catch(() => '')).includes(file))) {
        found = frame;
        return true;
      }
    }
    return false;
  }, (ok) => ok, `a webview with ${selector}${file ? ` for ${file}` : ''}`);
  return found!;
}

/** Pixels of a chart's plot area and how many are coloured (drawn, not background). */
export async function plotInk(frame: Frame, chart: string): Promise<{ total: number; colored: number }> {
  return frame.evaluate((name) => {
    const c = (globalThis as unknown as { patchwiseCharts: Record<string, { canvas: { width: number; getBoundingClientRect(): { width: number }; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }; chartArea: { left: number; top: number; right: number; bottom: number } }> }).patchwiseCharts[name];
    const ratio = c.canvas.width / c.canvas.getBoundingClientRect().width;
    const a = c.chartArea;
    const [x, y, w, h] = [a.left, a.top, a.right - a.left, a.bottom - a.top].map((v) => Math.round(v * ratio));
    const px = c.canvas.getContext('2d').getImageData(x, y, w, h).data;
    let colored = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] > 60 && Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 60) colored++;
    }
    return { total: w * h, colored };
  }, chart);
}

/** The text of the Patchwise status bar item (`Peak 171.5 / 320 KiB`), or '' when absent. */
export async function peakStatus(page: Page): Promise<string> {
  const item = page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: /Peak / });
  return (await item.count()) ? (await item.first().innerText()).trim() : '';
}

export async function problemCounts(page: Page): Promise<{ errors: number; warnings: number }> {
  const label = (await page.locator('#status\\.problems').getAttribute('aria-label')) ?? '';
  const count = (kind: string) => Number(new RegExp(`${kind}: (\\d+)`).exec(label)?.[1] ?? 0);
  return { errors: count('Errors'), warnings: count('Warnings') };
}

export interface Problem {
  severity: string;
  message: string;
  source: string;
  code: string;
  line: number;
}

/** The problems in the open Problems panel (file header rows left out). */
export async function problems(page: Page): Promise<Problem[]> {
  const rows = await page.locator('.markers-panel .monaco-list-row').evaluateAll((els) =>
    // (No DOM library in the tests' compile: innerText is reached through a cast.)
    els.map((e) => ({ label: e.getAttribute('aria-label') ?? '', text: (e as unknown as { innerText: string }).innerText })));
  const result: Problem[] = [];
  for (const { label, text } of rows) {
    // Related-information rows have no severity prefix and are left out too.
    const m = /^(Error|Warning|Info): (.*) at line (\d+) and character \d+\..* generated by (\S+)$/s.exec(label);
    if (!m) continue;
    result.push({ severity: m[1], message: m[2], line: Number(m[3]), source: m[4], code: /\b(PW\d{4})\b/.exec(text)?.[1] ?? '' });
  }
  return result;
}
