import { strict as assert } from 'assert';
import { generateDeepModel } from '../../bench/models';
import { dataMessage } from './fixtures';
import { Inked, PanelPageRun, usePanelBrowser } from './pageHarness';

// The schedule explorer's page in headless Chromium, fed the schedule search of
// examples/mobilenetv2.pnet. Screenshots: test-output/webview/schedules-*.png.


describe('schedule explorer page (headless Chromium)', function () {
  this.timeout(60_000);
  let run: PanelPageRun;
  const browser = usePanelBrowser(() => run);

  it('plots every schedule, the Pareto front, the budget and the current schedule', async () => {
    run = await browser.open('schedules', 'dark');
    const message = dataMessage('schedules');
    await run.send(message);
    const ink = await run.probe<Inked>("inked('scatterChart', window.patchwiseTest.chartArea('scatter'))");
    assert.ok(ink.colored > ink.total * 0.01, `points drawn in the plot area: ${JSON.stringify(ink)}`);
    const counts = await run.page.evaluate('window.patchwiseCharts.scatter.data.datasets.map((d) => [d.label, d.data.length])');
    const space = message.data.schedules!;
    const fitting = space.peakBytes.filter((p) => p <= space.budgetBytes).length;
    assert.deepEqual(counts, [['current schedule', 1], ['best that fits (fewest MACs)', 1], ['Pareto front', space.pareto.length], ['fits the budget', fitting], ['over budget', 1142 - fitting]]);
    assert.deepEqual(await run.probe('legend("scatterLegend")'), ['fits the budget', 'over budget', 'Pareto front', 'current schedule', 'best that fits (fewest MACs)', 'SRAM budget']);
    assert.deepEqual(await run.probe('axisTitles("scatter")'), { x: 'peak SRAM (KiB)', y: 'MACs (millions)' });
    assert.match(await run.page.locator('#summary').innerText(), /^1142 schedules · SRAM budget 320\.0 KiB · best that fits \(fewest MACs\): patch=\d+x\d+ until=block\d+ \([\d.]+ KiB, \+[\d.]+% MACs\)$/);
    const rows = await run.page.locator('#front tbody tr').allInnerTexts();
    assert.equal(rows.length, space.pareto.length);
    await run.screenshot('schedules-dark');
    assert.deepEqual(run.problems, []);
  });

  it('posts the clicked schedule for the document version the data came from', async () => {
    run = await browser.open('schedules', 'light');
    const message = dataMessage('schedules', undefined, undefined, 7);
    await run.send(message);
    const space = message.data.schedules!;
    // A point of the Pareto front away from the document's schedule and the best one.
    const k = space.pareto.findIndex((i) => i !== space.current && i !== space.best && space.patchRows[i] > 0);
    const i = space.pareto[k];
    const at = await run.probe<{ x: number; y: number }>(`pointAt("scatter", 2, ${k})`);
    await run.click(at.x, at.y);
    const expected = { type: 'applySchedule', version: 7, patch: [space.patchRows[i], space.patchCols[i]], untilBlock: space.untilBlock[i] };
    assert.deepEqual((await run.posted()).slice(-1), [expected]);
    // The same from the table, with the keyboard.
    await run.page.locator('#front tbody tr').nth(k).locator('button').focus();
    await run.page.keyboard.press('Enter');
    assert.deepEqual((await run.posted()).slice(-1), [expected]);
    await run.page.mouse.move(at.x, at.y);
    await run.probe('frames()');
    await run.screenshot('schedules-light-hover');
    assert.deepEqual(run.problems, []);
  });

  it('plots the 17,848 schedules of a 1,000-layer model', async () => {
    run = await browser.open('schedules', 'dark');
    const message = dataMessage('schedules', generateDeepModel(1000));
    const started = Date.now();
    await run.send(message);
    const elapsedMs = Date.now() - started;
    const total = await run.page.evaluate('window.patchwiseCharts.scatter.data.datasets.slice(3).reduce((n, d) => n + d.data.length, 0)');
    assert.equal(total, message.data.schedules!.peakBytes.length);
    assert.ok(elapsedMs < 5_000, `drawn in ${elapsedMs} ms`);
    await run.screenshot('schedules-1000-layers');
    assert.deepEqual(run.problems, []);
  });

  it('switches to MAC overhead and keeps that across hide and show', async () => {
    run = await browser.open('schedules', 'dark');
    await run.send(dataMessage('schedules'));
    await run.page.selectOption('#yAxis', 'overhead');
    const state = await run.probe('state()');
    await run.close();
    run = await browser.open('schedules', 'dark', state);
    await run.send(dataMessage('schedules'));
    assert.equal(await run.page.locator('#yAxis').inputValue(), 'overhead');
    assert.deepEqual(await run.probe('axisTitles("scatter")'), { x: 'peak SRAM (KiB)', y: 'MAC overhead vs layer by layer (%)' });
    assert.deepEqual(run.problems, []);
  });

  it('shows every schedule on a log axis, where the front is not squashed by 35× outliers', async () => {
    for (const theme of ['dark', 'light'] as const) {
      run = await browser.open('schedules', theme);
      await run.send(dataMessage('schedules'));
      await run.page.selectOption('#range', 'all');
      assert.equal(await run.page.evaluate('window.patchwiseCharts.scatter.scales.y.type'), 'logarithmic');
      assert.deepEqual(await run.probe('axisTitles("scatter")'), { x: 'peak SRAM (KiB)', y: 'MACs (millions, log scale)' });
      await run.page.selectOption('#yAxis', 'overhead');
      assert.deepEqual(await run.probe('axisTitles("scatter")'), { x: 'peak SRAM (KiB)', y: 'MACs vs layer by layer (%, log scale; 100 = layer by layer)' });
      // Layer by layer sits at 100 %, the front's ends within a decade of it.
      const y = await run.page.evaluate('window.patchwiseCharts.scatter.data.datasets[2].data.map((p) => p.y)') as number[];
      assert.ok(y.every((v) => v >= 100 && v < 1000), JSON.stringify(y));
      await run.screenshot(`schedules-every-schedule-log-${theme}`);
      assert.deepEqual(run.problems, []);
      if (theme === 'dark') await run.close();
    }
  });

  it('when nothing fits, says why and still draws every schedule; with errors, says so', async () => {
    run = await browser.open('schedules', 'highContrast');
    await run.send(dataMessage('schedules', undefined, { sramBudget: '64KiB' }));
    assert.match(await run.page.locator('#problem').innerText(), /^No schedule fits 64\.0 KiB: .+/);
    assert.match(await run.page.locator('#summary').innerText(), /nothing fits$/);
    const counts = await run.page.evaluate('window.patchwiseCharts.scatter.data.datasets.map((d) => d.data.length)');
    assert.deepEqual(counts, [1, 0, 12, 0, 1142]);
    await run.screenshot('schedules-high-contrast-nothing-fits');
    await run.send(dataMessage('schedules', 'model m\ninput 32x32x3\nconv out=8 bogus=1\n'));
    assert.equal(await run.page.locator('#problem').innerText(), 'Schedules are searched once the model has no errors (see Problems).');
    assert.equal(await run.page.locator('main').isHidden(), true);
    assert.deepEqual(run.problems, []);
  });
});
