import { strict as assert } from 'assert';
import { cachedAxisRegions } from '../../server/src/core/analysis/cachedRegions';
import { analyzeDocument } from '../../server/src/core/services/document';
import { OverlapData } from '../../server/src/core/services/panelTypes';
import { beyondText, dataMessage } from './fixtures';
import { PanelPageRun, usePanelBrowser } from './pageHarness';

// The overlap panel's page for a schedule beyond MCUNetV2: examples/mobilenetv2.pnet with two
// row-cached stages (6×6 over blocks 0–4, 3×3 over blocks 5–7) and a streamed run (blocks 8–10,
// one row a band). What it says and draws is checked against the analysis' own regions.
// Screenshots: test-output/webview/overlap-beyond-*.png (the README's pictures are copies).

describe('overlap panel page beyond one MCUNetV2 stage (headless Chromium)', function () {
  this.timeout(60_000);
  let run: PanelPageRun;
  const browser = usePanelBrowser(() => run);
  const message = dataMessage('overlap', beyondText);
  const overlap = message.data.overlap as OverlapData;
  const model = analyzeDocument(beyondText).analysis.model!;

  /** Page coordinates of tensor pixel (row, col) of a size×size tensor (the picture is drawn to scale). */
  async function pixelOf(row: number, col: number, size: number): Promise<{ x: number; y: number }> {
    const box = (await run.page.locator('#regionsCanvas').boundingBox())!;
    const scale = (Math.min(box.width, box.height) - 8) / size;
    return { x: box.x + (box.width - size * scale) / 2 + (col + 0.5) * scale, y: box.y + (box.height - size * scale) / 2 + (row + 0.5) * scale };
  }

  /** Mean red minus mean blue of the canvas over tensor rows [r0, r1] × columns [c0, c1]. */
  async function redness(r0: number, r1: number, c0: number, c1: number, size: number): Promise<number> {
    const canvas = (await run.page.locator('#regionsCanvas').boundingBox())!;
    const a = await pixelOf(r0, c0, size);
    const b = await pixelOf(r1, c1, size);
    const area = { left: a.x - canvas.x, top: a.y - canvas.y, right: b.x - canvas.x, bottom: b.y - canvas.y };
    // A string, as the probes are: the page's DOM types are not the tests' (no dom lib).
    return run.page.evaluate(`(() => {
      const area = ${JSON.stringify(area)};
      const canvas = document.getElementById('regionsCanvas');
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      const [x, y, w, h] = [area.left, area.top, area.right - area.left, area.bottom - area.top].map((v) => Math.max(1, Math.round(v * ratio)));
      const pixels = canvas.getContext('2d').getImageData(x, y, w, h).data;
      let sum = 0;
      for (let i = 0; i < pixels.length; i += 4) sum += ((pixels[i] - pixels[i + 2]) * pixels[i + 3]) / 255;
      return sum / (pixels.length / 4);
    })()`) as Promise<number>;
  }

  async function clipShot(name: string): Promise<void> {
    const legend = (await run.page.locator('#regionsLegend').boundingBox()) ?? (await run.page.locator('.regions').boundingBox())!;
    const width = run.page.viewportSize()!.width;
    await run.page.screenshot({ path: `${await run.screenshot(name)}`.replace(/\.png$/, '-picture.png'), clip: { x: 0, y: 0, width, height: legend.y + legend.height + 2 } });
  }

  it('offers each stage and the streamed run, and keys the cache stripes in a legend', async () => {
    run = await browser.open('overlap', 'dark');
    await run.send(message);
    const options = await run.page.locator('#run option').allInnerTexts();
    assert.deepEqual(options, overlap.runs.map((r) => r.label));
    assert.deepEqual(options, ['stage 1: patch=6x6, blocks 0–4, cache=rows', 'stage 2: patch=3x3, blocks 5–7, cache=rows', 'stream: blocks 8–10, band=1 (14 bands)']);
    assert.equal(await run.page.locator('#runControls').isVisible(), true);
    assert.deepEqual(await run.probe('legend("regionsLegend")'), [
      'patch or band regions, one tint each (where they overlap outside the stripes: recomputed)',
      'rows taken from the row cache (horizontal stripes)',
    ]);
    assert.match(await run.page.locator('#summary').innerText(), /^2 stages and 1 streamed run: stage 1: patch=6x6, blocks 0–4, cache=rows; .*The whole network computes \+\d+\.\d% more MACs than layer by layer\.$/);
    assert.equal(await run.page.locator('#tensorLabel').innerText(), '1/13: input 224×224×3');
    assert.match(await run.page.locator('#patchInfo').innerText(), /^6×6 patches on input 224×224×3\.\nThe network input: each region is read from it\./);
    assert.deepEqual(run.problems, []);
  });

  it('says and draws as many cached rows as cachedRegions carries, each layer of each run', async () => {
    for (const theme of ['dark', 'light'] as const) {
      run = await browser.open('overlap', theme);
      await run.send(message);
      for (const [r, stage] of overlap.runs.entries()) {
        await run.page.locator('#run').selectOption(String(r));
        const carried = cachedAxisRegions(model, stage.firstLayer, stage.endLayer, 'rows', stage.patch[0]).carried;
        for (let t = 1; t < stage.tensors.length - 1; t++) {
          await run.page.locator('#tensor').fill(String(t));
          const info = await run.page.locator('#patchInfo').innerText();
          const lines = carried[stage.firstLayer + t];
          assert.ok(info.includes(`takes ${lines ? `at most ${lines}` : 'no'} rows from the row cache`), `${stage.label}, ${stage.tensors[t].label}: ${info}`);
        }
      }
      // Stage 1 at block1.dw's input: the rows patch row 2 (column 2) takes from the cache are red
      // striped; the rows below them, computed anew, are not.
      await run.page.locator('#run').selectOption('0');
      await run.page.locator('#tensor').fill('1');
      const tensor = overlap.runs[0].tensors[1];
      const [cLo, cHi] = tensor.cacheRows!.slice(2, 4);
      const [, , ownLo, ownHi] = tensor.cols.slice(4, 8);
      assert.equal(cHi - cLo + 1, 2, 'a 3×3 depthwise reads 2 rows of the patch above');
      const cached = await redness(cLo, cHi, ownLo + 4, ownHi - 4, 112);
      const fresh = await redness(cHi + 3, cHi + 4, ownLo + 4, ownHi - 4, 112);
      assert.ok(cached > fresh + 30, `${theme}: cached rows striped red (${cached.toFixed(0)} against ${fresh.toFixed(0)})`);
      await clipShot(`overlap-beyond-stage1-${theme}`);
      // The streamed run at block 8's depthwise input: the first band computes the rows every later
      // layer needs for its first output row, each later band one row and takes two from the cache.
      await run.page.locator('#run').selectOption('2');
      await run.page.locator('#tensor').fill('1');
      assert.match(await run.page.locator('#patchInfo').innerText(), /^14 row bands on block8\.expand output 14×14×384\.\nA band takes at most 2 rows from the row cache/);
      await clipShot(`overlap-beyond-stream-${theme}`);
      // Hovering row 8 picks the band that computes it, band 6: rows 6–7 from the cache.
      const row8 = await pixelOf(8, 7, 14);
      await run.page.mouse.move(row8.x, row8.y);
      await run.probe('frames()');
      const band = await run.page.locator('#patchInfo').innerText();
      assert.match(band, /^Band 6 of 14\nregion: rows 6–8, columns 0–13 \(3×14\)\ncomputed anew \(solid\): 1×14\n/);
      assert.ok(band.endsWith('from the row cache: rows 6–7 (2), the rest computed anew'), band);
      await clipShot(`overlap-beyond-stream-band-${theme}`);
      await run.page.mouse.move(0, 0);
      // Stage 2 at block 5's depthwise input: 3×3 patches over the held output of stage 1.
      await run.page.locator('#run').selectOption('1');
      await run.page.locator('#tensor').fill('1');
      await clipShot(`overlap-beyond-stage2-${theme}`);
      assert.deepEqual(run.problems, []);
      await run.close();
    }
  });

  it('stripes the columns a cache=rows+cols patch takes from the column cache, as many as cachedRegions carries', async () => {
    const text = beyondText.replace('patch=6x6 until=block4 cache=rows', 'patch=6x6 until=block4 cache=rows+cols');
    const both = analyzeDocument(text).analysis.model!;
    const carried = cachedAxisRegions(both, 0, both.blocks[4].endLayer, 'cols', 6).carried;
    for (const theme of ['dark', 'light'] as const) {
      run = await browser.open('overlap', theme);
      await run.send(dataMessage('overlap', text));
      assert.equal((await run.probe<string[]>('legend("regionsLegend")'))[2], 'columns taken from the column cache (vertical stripes)');
      await run.page.locator('#tensor').fill('1');
      const info = await run.page.locator('#patchInfo').innerText();
      assert.ok(info.includes(`A patch takes at most ${carried[1]} columns from the column cache`), info);
      await clipShot(`overlap-beyond-rowscols-${theme}`);
      assert.deepEqual(run.problems, []);
      await run.close();
    }
  });

  it('tells a hovered patch\'s cached and new rows, and a band of the streamed run', async () => {
    run = await browser.open('overlap', 'light');
    await run.send(message);
    await run.page.locator('#tensor').fill('1');
    const tensor = overlap.runs[0].tensors[1];
    const [lo, hi, ownLo] = tensor.rows.slice(4, 8);
    const [cLo, cHi] = tensor.cacheRows!.slice(2, 4);
    const colOwn = tensor.cols.slice(8, 12);
    const at = await pixelOf(ownLo + 3, colOwn[2] + 3, 112);
    await run.page.mouse.move(at.x, at.y);
    await run.probe('frames()');
    const info = await run.page.locator('#patchInfo').innerText();
    assert.match(info, /^Patch row 2 of 6, column 3 of 6\n/);
    assert.ok(info.includes(`region: rows ${lo}–${hi}`), info);
    assert.ok(info.endsWith(`from the row cache: rows ${cLo}–${cHi} (${cHi - cLo + 1}), the rest computed anew`), info);
    await run.screenshot('overlap-beyond-light-hover');
    await run.page.locator('#run').selectOption('1');
    await run.page.locator('#run').selectOption('2');
    assert.equal(await run.page.locator('#tensorLabel').innerText(), '1/10: block7.project output 14×14×64 (run input)');
    await run.page.locator('#tensor').fill('2');
    const band = await pixelOf(5, 7, 14);
    await run.page.mouse.move(band.x, band.y);
    await run.probe('frames()');
    assert.match(await run.page.locator('#patchInfo').innerText(), /^Band \d+ of 14\n/);
    // The chart marks the streamed run's layers.
    const bands = await run.page.evaluate('window.patchwiseCharts.rf.options.plugins.annotations.bands.map((b) => [b.from, b.to, b.label ?? null])');
    assert.deepEqual((bands as unknown[][])[0], [21, 29, 'streamed run']);
    assert.deepEqual(run.problems, []);
  });

  it('keeps the picked run when the panel is hidden and shown again (its page reloaded with the saved state)', async () => {
    run = await browser.open('overlap', 'dark');
    await run.send(message);
    await run.page.locator('#run').selectOption('2');
    const saved = await run.probe<{ run: number; tensor: number }>('state()');
    assert.deepEqual([saved.run, saved.tensor], [2, 0]);
    await run.close();
    run = await browser.open('overlap', 'dark', saved);
    await run.send(message);
    assert.equal(await run.page.locator('#run').inputValue(), '2');
    assert.equal(await run.page.locator('#tensorLabel').innerText(), '1/10: block7.project output 14×14×64 (run input)');
    assert.deepEqual(run.problems, []);
  });
});
