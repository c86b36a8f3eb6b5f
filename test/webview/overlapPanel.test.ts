import { strict as assert } from 'assert';
import { dataMessage, exampleText, exampleUri } from './fixtures';
import { Inked, PanelPageRun, usePanelBrowser } from './pageHarness';

// The receptive field / patch overlap panel's page in headless Chromium, fed examples/mobilenetv2.pnet
// (4×4 patches until block 4). Screenshots: test-output/webview/overlap-*.png.


describe('overlap panel page (headless Chromium)', function () {
  this.timeout(60_000);
  let run: PanelPageRun;
  const browser = usePanelBrowser(() => run);

  /** Centre of the canvas pixel that shows tensor row `row`, column `col` (the picture is drawn to scale). */
  async function pixelOf(row: number, col: number, size: number): Promise<{ x: number; y: number }> {
    const box = (await run.page.locator('#regionsCanvas').boundingBox())!;
    const scale = (Math.min(box.width, box.height) - 8) / size;
    return { x: box.x + (box.width - size * scale) / 2 + (col + 0.5) * scale, y: box.y + (box.height - size * scale) / 2 + (row + 0.5) * scale };
  }

  it('draws the input image with 16 overlapping patch regions, and the receptive-field chart', async () => {
    run = await browser.open('overlap', 'dark');
    await run.send(dataMessage('overlap'));
    const regions = await run.probe<Inked>("inked('regionsCanvas')");
    assert.ok(regions.colored > regions.total * 0.5, `patch regions drawn: ${JSON.stringify(regions)}`);
    const rf = await run.probe<Inked>("inked('rfChart', window.patchwiseTest.chartArea('rf'))");
    assert.ok(rf.colored > rf.total * 0.02, `receptive-field chart drawn: ${JSON.stringify(rf)}`);
    assert.equal(await run.page.locator('#tensorLabel').innerText(), '1/13: input 224×224×3');
    assert.deepEqual(await run.probe('legend("rfLegend")'), ['receptive field (input pixels, rows)', 'recomputation in the patch stage (× the layer-by-layer work)']);
    assert.deepEqual(await run.probe('axisTitles("rf")'), { x: 'layer', y: 'receptive field (px)', y1: 'recomputation (×)' });
    assert.match(await run.page.locator('#summary').innerText(), /^patch=4x4 until=block4: 16 patches, the largest patch reads 75×75 input pixels; the stage computes \+30\.6% more MACs than layer by layer \(\+9\.3% overall\)$/);
    assert.match(await run.page.locator('#patchInfo').innerText(), /^4×4 patches on input 224×224×3\.\nTogether they cover 1\.\d\d× its pixels/);
    await run.screenshot('overlap-dark');
    assert.deepEqual(run.problems, []);
  });

  it('keeps its layout while the slider walks the tensors, shows the chart above the fold, and labels the input line clear of the curve', async () => {
    for (const theme of ['dark', 'light'] as const) {
      run = await browser.open('overlap', theme);
      // A panel beside the editor: narrow enough for a long tensor label to wrap.
      await run.page.setViewportSize({ width: 520, height: 760 });
      await run.send(dataMessage('overlap'));
      const tops = new Set<number>();
      const count = Number(await run.page.locator('#tensor').getAttribute('max')) + 1;
      for (let i = 0; i < count; i++) {
        await run.page.locator('#tensor').fill(String(i));
        tops.add(Math.round((await run.page.locator('#regionsCanvas').boundingBox())!.y));
      }
      assert.equal(tops.size, 1, `the picture stays put whatever the tensor label: tops ${[...tops].join(', ')}`);
      const viewport = run.page.viewportSize()!;
      const chart = (await run.page.locator('#rfChart').boundingBox())!;
      assert.ok(chart.y + chart.height * 0.5 < viewport.height, `the receptive-field chart is in view (top ${chart.y}, viewport ${viewport.height})`);
      const lines = await run.page.evaluate('window.patchwiseCharts.rf.options.plugins.annotations.lines') as { label: string; labelAt?: string }[];
      assert.deepEqual(lines.map((l) => [l.label, l.labelAt]), [['input 224 px', 'start']]);
      await run.page.locator('#tensor').fill('5');
      await run.screenshot(`overlap-layout-${theme}`);
      assert.deepEqual(run.problems, []);
      if (theme === 'dark') await run.close();
    }
  });

  it('shows a hovered patch\'s region, own share and halo; a border patch is clipped', async () => {
    run = await browser.open('overlap', 'light');
    await run.send(dataMessage('overlap'));
    // Row 60 and column 120 of the input lie in the own share of patch (2, 3), rows 56–111 and columns 112–167.
    const interior = await pixelOf(60, 120, 224);
    await run.page.mouse.move(interior.x, interior.y);
    await run.probe('frames()');
    const info = await run.page.locator('#patchInfo').innerText();
    assert.equal(
      info,
      [
        'Patch row 2 of 4, column 3 of 4',
        'region: rows 43–117, columns 99–173 (75×75)',
        'own share (solid): 56×56',
        'halo (hatched): 13 rows above, 6 below, 13 columns left, 6 right',
        'interior: not clipped',
      ].join('\n'),
    );
    await run.screenshot('overlap-light-hover-interior');
    const corner = await pixelOf(2, 2, 224);
    await run.page.mouse.move(corner.x, corner.y);
    await run.probe('frames()');
    assert.match(await run.page.locator('#patchInfo').innerText(), /^Patch row 1 of 4, column 1 of 4\nregion: rows 0–61, columns 0–61 \(62×62\)[^]*clipped at the top, left border$/);
    assert.deepEqual(run.problems, []);
  });

  it('walks the stage with the slider, and remembers the tensor across hide and show', async () => {
    run = await browser.open('overlap', 'dark');
    await run.send(dataMessage('overlap'));
    await run.page.locator('#tensor').fill('5');
    assert.equal(await run.page.locator('#tensorLabel').innerText(), '6/13: block2.dw output 56×56×96');
    const bands = await run.page.evaluate('window.patchwiseCharts.rf.options.plugins.annotations.bands.map((b) => [b.from, b.to])');
    assert.deepEqual(bands, [[0, 11], [4, 4]], 'the stage, and block2.dw (layer 4) picked');
    const state = await run.probe('state()');
    assert.deepEqual(state, { tensor: 5, run: 0, subject: exampleUri });
    await run.screenshot('overlap-dark-block2dw');
    await run.close();
    run = await browser.open('overlap', 'dark', state);
    await run.send(dataMessage('overlap'));
    assert.equal(await run.page.locator('#tensorLabel').innerText(), '6/13: block2.dw output 56×56×96');
    // Clicking layer 0 (the stem conv) in the chart shows its output.
    const stem = await run.probe<{ x: number; y: number }>('pointAt("rf", 0, 0)');
    await run.click(stem.x, stem.y);
    assert.equal(await run.page.locator('#tensorLabel').innerText(), '2/13: block0.conv output 112×112×32');
    assert.deepEqual(run.problems, []);
  });

  it('without a schedule, says how to add one and still charts the receptive field', async () => {
    run = await browser.open('overlap', 'highContrast');
    await run.send(dataMessage('overlap', exampleText.replace(/^schedule .*$/m, '')));
    assert.match(await run.page.locator('#problem').innerText(), /^The peak, 1372\.0 KiB, is over the 320\.0 KiB SRAM budget\. The model has no schedule line: add one/);
    assert.equal(await run.page.locator('.regions').isHidden(), true);
    const rf = await run.probe<Inked>("inked('rfChart', window.patchwiseTest.chartArea('rf'))");
    assert.ok(rf.colored > 0, 'the receptive field line is drawn');
    await run.screenshot('overlap-high-contrast-no-schedule');
    assert.deepEqual(run.problems, []);
  });
});
