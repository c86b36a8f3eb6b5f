import { strict as assert } from 'assert';
import * as path from 'path';
import { HostMessage } from '../../client/src/panels/messages';
import { onnxModelView } from '../../server/src/core/services/onnxModel';
import { branchyNet, transposeNet } from '../services/onnxModelFixtures';
import { fetchOrSkip, ocrDetector } from '../support/npmModels';
import { dataMessage, exampleText } from './fixtures';
import { PanelPageRun, usePanelBrowser } from './pageHarness';
import { ThemeName } from './themes';

// The memory page's graph view in headless Chromium, fed what the server sends: on the .onnx page for
// a branchy model, one whose import stops at a Transpose and PP-OCRv4's detector; in the memory panel
// for examples/mobilenetv2.pnet. Screenshots: test-output/webview/graph-*.png.

/** The two messages the .onnx editor posts for `bytes` (as client/src/onnxEditor.ts does). */
function onnxMessages(bytes: Uint8Array): HostMessage[] {
  const files: Record<string, Uint8Array> = { '/m/net.onnx': bytes };
  const fs = { readFile: (p: string) => files[p], resolve: (base: string, rel: string) => path.posix.join(path.posix.dirname(base), rel) };
  const view = onnxModelView(fs, '/m/net.onnx', 'file:///m/net.onnx');
  return [
    { type: 'data', data: view.data },
    { type: 'onnxModel', note: view.note, diagnostics: view.diagnostics, canCreate: view.scheduleFile !== null, dynamicInput: view.dynamicInput },
  ];
}

interface Drawn {
  name: string;
  classes: string;
  text: string;
}

describe('graph view of the memory page (headless Chromium)', function () {
  this.timeout(60_000);
  let run: PanelPageRun;
  const browser = usePanelBrowser(() => run);

  async function show(bytes: Uint8Array, theme: ThemeName): Promise<Drawn[]> {
    run = await browser.open('memory', theme);
    for (const message of onnxMessages(bytes)) await run.send(message);
    await run.page.locator('#graph svg').waitFor();
    return run.page.locator('#graph .graph-node').evaluateAll((gs) => gs.map((g) => ({ name: g.getAttribute('data-name') ?? '', classes: g.getAttribute('class') ?? '', text: [...g.querySelectorAll('text')].map((t) => t.textContent).join(' | ') })));
  }

  for (const theme of ['dark', 'light'] as const) {
    it(`draws the blocks with the branch side by side, the split points and the stage (${theme})`, async () => {
      const nodes = await show(branchyNet(), theme);
      assert.equal(nodes[0].text, 'input 160×160×3');
      assert.deepEqual(nodes.slice(1).map((n) => n.name), Array.from({ length: 11 }, (_, i) => `block${i}`));
      assert.match(nodes[7].text, /^block6 · concat 2 \| 40×40×32$/);
      // The two branches off block2 share a row: side by side.
      const boxes = await run.page.locator('#graph .graph-node').evaluateAll((gs) => gs.map((g) => g.getAttribute('transform') ?? ''));
      const at = (i: number) => boxes[i].match(/translate\(([\d.]+),([\d.]+)\)/)!.slice(1).map(Number);
      assert.equal(at(4)[1], at(5)[1], 'blocks 3 and 4 on one row');
      assert.notEqual(at(4)[0], at(5)[0], 'blocks 3 and 4 in two columns');
      const splits = await run.page.locator('#graph .graph-split-label').evaluateAll((ts) => ts.map((t) => t.textContent));
      assert.deepEqual(splits, ['until=block0', 'until=block1', 'until=block2']);
      const legend = await run.page.locator('#graphLegend .legend-item').evaluateAll((items) => items.filter((i) => !(i as unknown as { hidden: boolean }).hidden).map((i) => i.textContent));
      assert.deepEqual(legend, ['block', 'patch stage of the schedule', 'a patch stage may end here']);
      assert.match((await run.page.locator('#graph .graph-stage text').evaluateAll((ts) => ts.map((t) => t.textContent))).join(': '), /^patch stage: patch=\d+x\d+ until=block[01]$/);
      const staged = nodes.filter((n) => n.classes.split(' ').includes('stage')).map((n) => n.name);
      assert.ok(staged.length > 0 && staged[0] === 'block0', staged.join(', '));
      assert.equal(await run.page.locator('#graph .graph-edge').count(), 13, 'one edge a source: two into the concat and two into the add');
      assert.equal(await run.page.locator('#graph .graph-edge.skip').count(), 2, 'the Add back to block2 and the short branch into the concat arc beside the boxes');
      assert.deepEqual(run.problems, []);
      await run.page.locator('#graphSection').scrollIntoViewIfNeeded();
      await run.screenshot(`graph-branchy-${theme}`);
    });

    it(`shows what an import stopped by a Transpose got to, and marks the rest (${theme})`, async () => {
      const nodes = await show(transposeNet(), theme);
      assert.equal(await run.page.locator('#title').innerText(), "Memory: net, the 4 layers before 'to_time_major'");
      const legend = await run.page.locator('#graphLegend .legend-item').evaluateAll((items) => items.filter((i) => !(i as unknown as { hidden: boolean }).hidden).map((i) => i.textContent));
      assert.deepEqual(legend, ['block', 'could not be imported', 'not imported']);
      assert.match(await run.page.locator('#graphInfo').innerText(), /4 layers imported; 'to_time_major' could not be; 2 nodes after it not imported/);
      assert.deepEqual(nodes.map((n) => n.classes.split(' ')[1]), ['input', 'imported', 'imported', 'imported', 'imported', 'failed', 'notImported']);
      assert.match(nodes[5].text, /^Transpose \| to_time_major \| Transpose node 'to_time_major' is \| not supported yet$/);
      assert.match(nodes[6].text, /^2 nodes not imported \| MatMul ×1, Softmax ×1$/);
      assert.deepEqual(run.problems, []);
      await run.screenshot(`graph-transpose-${theme}`);
    });
  }

  it('lays out PP-OCRv4\'s detector (SE scales, a four-way concat, skips) with no box over another', async function () {
    const bytes = fetchOrSkip(this, ocrDetector);
    const graph = (onnxMessages(bytes)[0] as Extract<HostMessage, { type: 'data' }>).data.graph!;
    await show(bytes, 'dark');
    const boxes = await run.page.locator('#graph .graph-node').evaluateAll((gs) => gs.map((g) => {
      const r = (g as unknown as { getBBox(): { width: number; height: number } }).getBBox(); // (no DOM library in the tests' compile)
      const [x, y] = (g.getAttribute('transform') ?? '').match(/[\d.]+/g)!.map(Number);
      return { name: g.getAttribute('data-name'), x, y, w: r.width, h: r.height };
    }));
    assert.equal(boxes.length, 104, 'every layer a box (66 before the HardSwish and HardSigmoid gates became layers of their own)');
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        assert.ok(apart, `${a.name} and ${b.name} overlap`);
      }
    }
    assert.ok(graph.nodes.some((n) => n.label === 'concat 4' && n.sources.length === 4));
    assert.equal(await run.page.locator('#graph .graph-edge').count(), graph.nodes.reduce((sum, n) => sum + n.sources.length, 0), 'an edge a source');
    assert.deepEqual(run.problems, []);
    await run.screenshot('graph-detector-dark');
  });

  it('draws a .pnet model\'s blocks under its memory chart: shortcuts, the split points, the stage', async () => {
    run = await browser.open('memory', 'light');
    await run.send(dataMessage('memory'));
    await run.page.locator('#graph svg').waitFor();
    const titles = await run.page.locator('#graph .graph-node text.title').evaluateAll((ts) => ts.map((t) => t.textContent));
    assert.deepEqual(titles.slice(0, 4), ['input 224×224×3', 'block0 · conv k3 s2', 'block1 · mbconv e1 k3 s1', 'block2 · mbconv e6 k3 s2']);
    const details = await run.page.locator('#graph .graph-node text.detail').evaluateAll((ts) => ts.map((t) => t.textContent));
    assert.equal(details[3], '56×56×24 · + shortcut', 'block 3 adds its input');
    assert.deepEqual(await run.page.locator('#graph .graph-stage text').evaluateAll((ts) => ts.map((t) => t.textContent)), ['patch stage', 'patch=4x4 until=block4']);
    const cuts = await run.page.locator('#graph .graph-split-label').evaluateAll((ts) => ts.map((t) => t.textContent));
    assert.equal(cuts.length, 19, 'a stage may end after any block before the global pool (blocks 0 to 18)');
    assert.deepEqual(run.problems, []);
    // A click on a block goes to its line (blocks 2 and 3 come from one `repeat=2` line).
    const line = exampleText.split('\n').findIndex((l) => l.startsWith('mbconv  out=24')) + 1;
    await run.page.locator('#graph .graph-node[data-name="block3"]').click();
    assert.deepEqual((await run.posted()).slice(-1), [{ type: 'reveal', line }]);
    await run.page.locator('#graphSection').scrollIntoViewIfNeeded();
    await run.screenshot('graph-mobilenetv2-light');
  });
});
