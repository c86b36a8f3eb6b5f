import { strict as assert } from 'assert';
import { generateDeepModel } from '../../bench/models';
import * as path from 'path';
import { analyzeDocument } from '../../server/src/core/services/document';
import { panelData } from '../../server/src/core/services/panelData';
import { OnnxBuilder } from '../import/onnxModels';
import { dataMessage, exampleText, exampleUri } from './fixtures';
import { Inked, PanelPageRun, usePanelBrowser } from './pageHarness';

// The memory panel's page in headless Chromium, fed the analysis of examples/mobilenetv2.pnet
// through the extension's message protocol. Screenshots: test-output/webview/memory-*.png.


describe('memory panel page (headless Chromium)', function () {
  this.timeout(60_000);
  let run: PanelPageRun;
  const browser = usePanelBrowser(() => run);

  const plotInk = async (chart: string) => run.probe<Inked>(`inked('${chart}Chart', window.patchwiseTest.chartArea('${chart}'))`);

  it('draws an imported ONNX graph (SE scale, concat, resize, transposed conv) with its node names', async () => {
    const m = new OnnxBuilder();
    const c1 = m.conv(m.input('x', [1, 3, 64, 64]), 3, 16, 3, 2);
    const gate = m.node('HardSigmoid', [m.conv(m.node('GlobalAveragePool', [c1]), 16, 16, 1, 1, { act: 'none', bn: false })]);
    const se = m.node('Mul', [c1, gate]);
    const c2 = m.conv(se, 16, 32, 3, 2);
    const up = m.node('Resize', [c2, '', m.init('scales', [4], [1, 1, 2, 2])], { mode: 'nearest' }, undefined, 'upsample');
    const head = m.conv(m.node('Concat', [se, up], { axis: 1 }), 48, 8, 3, 1);
    const deconv = m.node('ConvTranspose', [head, m.init('wt', [8, 1, 2, 2])], { strides: [2, 2] }, undefined, 'deconv');
    // Past the input's resolution: fractional jumps, whole-pixel receptive fields.
    m.output(m.conv(m.node('Resize', [deconv, '', m.init('scales2', [4], [1, 1, 2, 2])], { mode: 'nearest' }), 1, 4, 2, 1));
    const files: Record<string, Uint8Array> = { '/m/net.onnx': m.bytes() };
    const fs = { readFile: (p: string) => files[p], resolve: (base: string, rel: string) => path.posix.join(path.posix.dirname(base), rel) };
    const doc = analyzeDocument('model net from "net.onnx"\ninput 64x64x3\ntarget stm32f412\n', {}, { fs, path: '/m/net.pnet' });
    assert.deepEqual(doc.analysis.diagnostics.filter((d) => d.severity === 'error'), []);
    run = await browser.open('memory', 'light');
    await run.send({ type: 'data', data: panelData(doc, 'file:///m/net.pnet', 1, ['memory']) });
    const memory = await plotInk('memory');
    assert.ok(memory.colored > memory.total * 0.03, `bars drawn: ${JSON.stringify(memory)}`);
    const ticks = await run.probe<string[]>('ticks("memory", "x")');
    assert.ok(ticks.some((t) => t.includes('upsample')) && ticks.some((t) => t.includes('deconv')), ticks.join(', '));
    assert.match(await run.page.locator('#summary').innerText(), /^peak [\d.]+ KiB layer by layer/);
    assert.deepEqual(run.problems, []);
    await run.screenshot('memory-onnx-graph');
  });

  it('draws the stacked bars, budget and flash charts with the right legend and axes', async () => {
    run = await browser.open('memory', 'dark');
    assert.deepEqual(await run.posted(), [{ type: 'ready' }]);
    await run.send(dataMessage('memory'));
    await run.page.selectOption('#view', 'both');
    const memory = await plotInk('memory');
    assert.ok(memory.colored > memory.total * 0.03, `bars drawn in the plot area: ${JSON.stringify(memory)}`);
    const flash = await plotInk('flash');
    assert.ok(flash.colored > flash.total * 0.03, `flash area drawn: ${JSON.stringify(flash)}`);
    assert.deepEqual(await run.probe('legend("memoryLegend")'), [
      'input',
      'output',
      'kept for a later layer',
      'stage output buffer',
      'scratch',
      'pale: layer by layer, solid: with the schedule',
      'SRAM budget',
    ]);
    assert.deepEqual(await run.probe('axisTitles("memory")'), { x: 'layer', y: 'live SRAM (KiB)' });
    assert.equal((await run.probe<{ y: string }>('axisTitles("flash")')).y, 'flash (KiB)');
    const ticks = await run.probe<string[]>('ticks("memory", "x")');
    assert.ok(ticks.includes('block0.conv'), ticks.join(', '));
    const annotations = await run.page.evaluate('window.patchwiseCharts.memory.options.plugins.annotations');
    assert.deepEqual(JSON.parse(JSON.stringify(annotations)).labels.map((l: { text: string }) => l.text), ['peak 171.5 KiB', 'layer by layer 1372.0 KiB']);
    assert.match(await run.page.locator('#summary').innerText(), /^peak 171\.5 KiB with patch=4x4 until=block4 \(layer by layer 1372\.0 KiB\) · SRAM 320\.0 KiB \(stm32f746\): fits · flash: weights 3\.38 MiB of 1\.00 MiB: over by 2\.38 MiB: no firmware fits$/);
    assert.equal(await run.page.locator('#problem').isHidden(), true);
    await run.screenshot('memory-dark');
    assert.deepEqual(run.problems, []);
  });

  it('runs under the policy: default-src none, its script admitted by nonce, an inline script refused', async () => {
    run = await browser.open('memory', 'dark');
    const csp = await run.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    const nonce = /'nonce-([^']+)'/.exec(csp ?? '')?.[1];
    assert.match(csp ?? '', /^default-src 'none'; style-src http:\/\/127\.0\.0\.1:\d+; script-src 'nonce-[A-Za-z0-9+/]{24}'$/);
    assert.equal(await run.page.evaluate('document.querySelector("script[src]").nonce'), nonce);
    // What the policy is for: a script that found its way into the page does not run.
    await run.page.evaluate(`(() => { const s = document.createElement('script'); s.textContent = 'window.injected = true'; document.body.append(s); })()`);
    await run.probe('frames()');
    assert.equal(await run.page.evaluate('window.injected'), undefined);
    assert.ok(run.problems.some((p) => /CSP violation: script-src/.test(p)), run.problems.join('\n'));
  });

  it('reveals the clicked layer and highlights the cursor line', async () => {
    run = await browser.open('memory', 'light');
    await run.send(dataMessage('memory'));
    await run.screenshot('memory-scheduled-first-light');
    await run.page.selectOption('#view', 'both');
    // Block 2's expand conv (layer 3) is on line 11 of the example.
    const at = await run.probe<{ x: number; y: number }>('pointAt("memory", 6, 3)');
    await run.click(at.x, at.y + 5);
    assert.deepEqual((await run.posted()).slice(-1), [{ type: 'reveal', line: 11 }]);
    await run.send({ type: 'highlight', line: 11 });
    const bands = await run.page.evaluate('window.patchwiseCharts.memory.options.plugins.annotations.bands.map((b) => [b.from, b.to])');
    assert.deepEqual(bands, [[0, 11], [3, 3], [4, 4], [5, 5], [6, 6], [7, 7], [8, 8]], 'the stage, then the six layers of line 11 (blocks 2 and 3)');
    await run.screenshot('memory-light-highlight');
    assert.deepEqual(run.problems, []);
  });

  it('draws what the firmware measured against the prediction (Generate Firmware)', async () => {
    run = await browser.open('memory', 'dark');
    await run.send(dataMessage('memory'));
    // A run of this model on QEMU: arena = activation peak 175,616 B + scratch 1,369 B.
    const measured = { board: 'qemu-mps2-an500', matchesReference: true, predictedArenaBytes: 176_985, measuredArenaBytes: 176_985, predictedPeakBytes: 175_616, scratchBytes: 1_369, stackBytes: 652, count: 2_490_000_000, unit: 'instructions' };
    await run.send({ type: 'measured', measured });
    const lines = await run.page.evaluate('window.patchwiseCharts.memory.options.plugins.annotations.lines.map((l) => [l.value, l.label])');
    assert.deepEqual(lines, [
      [320, 'SRAM budget 320.0 KiB (stm32f746)'],
      [176_985 / 1024, 'arena measured 172.8 KiB'],
    ]);
    // Both labels sit on a patch of the page's background: legible where they cross tall bars.
    const backgrounds = await run.page.evaluate('window.patchwiseCharts.memory.options.plugins.annotations.lines.map((l) => typeof l.labelBackground)');
    assert.deepEqual(backgrounds, ['string', 'string']);
    assert.match(await run.page.locator('#summary').innerText(), / · measured on qemu-mps2-an500: arena 172\.8 KiB of 172\.8 KiB predicted, the same bytes as the reference, 2,490,000,000 instructions$/);
    // A measurement of another version of the model (another peak) is not drawn.
    await run.send({ type: 'measured', measured: { ...measured, predictedPeakBytes: 1 } });
    assert.equal(await run.page.evaluate('window.patchwiseCharts.memory.options.plugins.annotations.lines.length'), 1);
    // A malformed one is dropped, and said so.
    await run.send({ type: 'measured', measured: { ...measured, board: 42 } });
    assert.match(run.warnings[run.warnings.length - 1], /^patchwise: dropped a malformed message: message\.measured\.board/);
    assert.equal(await run.page.evaluate('window.patchwiseCharts.memory.options.plugins.annotations.lines.length'), 1);
    await run.send({ type: 'measured', measured });
    assert.equal(await run.page.evaluate('window.patchwiseCharts.memory.options.plugins.annotations.lines.length'), 2);
    await run.screenshot('memory-measured');
  });

  it('keeps its view across hide and show, and redraws when the theme changes', async () => {
    run = await browser.open('memory', 'dark');
    await run.send(dataMessage('memory'));
    // The scheduled view first; layer by layer is in the headline and one choice away.
    assert.equal(await run.page.locator('#view').inputValue(), 'scheduled');
    assert.deepEqual(await run.page.evaluate('window.patchwiseCharts.memory.data.datasets.map((d) => d.stack).filter((s, i, a) => a.indexOf(s) === i)'), ['scheduled']);
    assert.match(await run.page.locator('#summary').innerText(), /\(layer by layer 1372\.0 KiB\)/);
    await run.screenshot('memory-scheduled-first-dark');
    await run.page.selectOption('#view', 'both');
    await run.page.selectOption('#view', 'scheduled');
    const state = await run.probe('state()');
    // Beside the UI state, the model the data came from: VS Code gives it back after a window reload.
    assert.deepEqual(state, { view: 'scheduled', hidden: [], subject: exampleUri });
    await run.close();
    // VS Code throws a hidden webview's page away and loads it again with the saved state.
    run = await browser.open('memory', 'dark', state);
    await run.send(dataMessage('memory'));
    assert.equal(await run.page.locator('#view').inputValue(), 'scheduled');
    assert.deepEqual(await run.page.evaluate('window.patchwiseCharts.memory.data.datasets.map((d) => d.stack).filter((s, i, a) => a.indexOf(s) === i)'), ['scheduled']);
    await run.page.click('#memoryLegend button:has-text("scratch")');
    assert.deepEqual(await run.probe('state()'), { view: 'scheduled', hidden: ['scratchBytes'], subject: exampleUri });
    const before = await plotInk('memory');
    const { themes } = await import('./themes');
    await run.page.evaluate(`window.patchwiseTest.setTheme(${JSON.stringify(themes.highContrast.variables)}, 'vscode-high-contrast')`);
    await run.probe('frames()');
    await run.probe('frames()');
    const after = await plotInk('memory');
    assert.ok(after.colored > 0 && after.inked !== before.inked, 'redrawn in the high-contrast colours');
    await run.screenshot('memory-high-contrast-scheduled');
    assert.deepEqual(run.problems, []);
  });

  it('draws a 1,000-layer model', async () => {
    run = await browser.open('memory', 'dark');
    const started = Date.now();
    await run.send(dataMessage('memory', generateDeepModel(1000)));
    const elapsedMs = Date.now() - started;
    const memory = await plotInk('memory');
    assert.ok(memory.colored > memory.total * 0.01, `bars drawn: ${JSON.stringify(memory)}`);
    assert.equal(await run.page.evaluate('window.patchwiseCharts.memory.data.labels.length'), 999);
    assert.ok(elapsedMs < 5_000, `drawn in ${elapsedMs} ms`);
    await run.screenshot('memory-1000-layers');
    assert.deepEqual(run.problems, []);
  });

  it('says why instead of drawing an empty chart: over budget, no model, too deep; drops a malformed message', async () => {
    run = await browser.open('memory', 'dark');
    await run.send(dataMessage('memory', exampleText.replace('patch=4x4 until=block4', 'patch=2x2 until=block4'), { sramBudget: '128KiB' }));
    assert.match(await run.page.locator('#problem').innerText(), /^The peak, [\d.]+ KiB, is over the 128\.0 KiB SRAM budget\.$/);
    assert.match(await run.page.locator('#summary').innerText(), /: over by [\d.]+ KiB/);
    await run.screenshot('memory-over-budget');
    await run.send({ type: 'data', data: { bogus: true } });
    assert.equal(run.warnings.length, 1);
    assert.match(run.warnings[0], /^patchwise: dropped a malformed message: message\.data\.bogus: unexpected field/);
    const log = (await run.posted()).slice(-1)[0] as { type: string; level: string; text: string };
    assert.deepEqual([log.type, log.level], ['log', 'warn']);
    assert.match(await run.page.locator('#problem').innerText(), /128\.0 KiB/, 'the last good data stays');
    await run.send(dataMessage('memory', 'model broken\nconv out=8\n'));
    assert.match(await run.page.locator('#problem').innerText(), /^No model to chart: line \d+: /);
    assert.equal(await run.page.locator('main').isHidden(), true);
    await run.screenshot('memory-no-model');
    await run.send(dataMessage('memory', generateDeepModel(2100)));
    assert.match(await run.page.locator('#problem').innerText(), /^The model has [\d,]+ layers; the panels chart models of up to 2,000 layers/);
    assert.equal(await run.page.locator('#title').innerText(), 'Memory: deep-2100');
    assert.equal(await run.page.locator('main').isHidden(), true);
    assert.deepEqual(run.problems, []);
  });
});
