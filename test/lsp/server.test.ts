import { strict as assert } from 'assert';
import { CodeAction, Diagnostic, Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { applyEdits, TextEdit } from '../../server/src/core/engine';
import { getLanguageService } from '../../server/src/core/services/languageService';
import { optimizeRequest, OptimizeResult } from '../../server/src/protocol';
import { readExample } from '../helpers';
import { codes, LspClient } from './lspClient';

// The language server over a real JSON-RPC connection (stdio), as an editor drives it.
const uri = 'file:///work/mobilenetv2.pnet';
const text = readExample('mobilenetv2.pnet');
const lines = text.split('\n');
const lineOf = (start: string) => lines.findIndex((l) => l.startsWith(start));
const scheduleLine = lineOf('schedule');
const block2Line = lineOf('mbconv  out=24');
const block5Line = lineOf('mbconv  out=32');
const codeEnd = (line: number) => lines[line].replace(/#.*$/, '').trimEnd().length;

function hoverText(hover: Hover | null): string {
  return hover ? (hover.contents as MarkupContent).value : '';
}

function errors(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 1);
}

describe('language server over stdio', function () {
  let client: LspClient;
  beforeEach(async () => (client = await LspClient.start({ settings: { sramBudget: '128KiB' }, debounceMs: 20 })));
  afterEach(async () => client.stop());

  it('marks the schedule and the block where the patch stage peaks when it exceeds 128 KiB', async () => {
    await client.open(uri, text);
    const { diagnostics, version } = await client.diagnostics(uri);
    assert.equal(version, 1);
    assert.deepEqual(codes(diagnostics), ['PW3001', 'PW3001', 'PW3002', 'PW3002', 'PW3003']);
    const stage = diagnostics.filter((d) => d.code === 'PW3001');
    const onBlock = stage.find((d) => d.range.start.line === block2Line)!;
    const onSchedule = stage.find((d) => d.range.start.line === scheduleLine)!;
    assert.equal(onBlock.message, 'block 2 (mbconv e6 k3 s2): patch stage needs 134.0 KiB per patch + 24.5 KiB stage output = 158.5 KiB > 128 KiB');
    assert.deepEqual(onBlock.range, { start: { line: block2Line, character: 0 }, end: { line: block2Line, character: codeEnd(block2Line) } });
    assert.deepEqual(onSchedule.range, { start: { line: scheduleLine, character: 0 }, end: { line: scheduleLine, character: codeEnd(scheduleLine) } });
    assert.equal(onSchedule.severity, 1);
    assert.equal(onSchedule.source, 'patchwise');
    // Related information points each at the other.
    assert.deepEqual(onBlock.relatedInformation?.[0].location, { uri, range: onSchedule.range });
    assert.deepEqual(onSchedule.relatedInformation?.[0].location, { uri, range: onBlock.range });
    const later = diagnostics.find((d) => d.code === 'PW3002' && d.range.start.line === block5Line)!;
    assert.equal(later.message, 'block 5 (mbconv e6 k3 s1): needs 171.5 KiB layer by layer after the patch stage > 128 KiB');
    const flash = diagnostics.find((d) => d.code === 'PW3003')!;
    assert.equal(flash.severity, 2);
    assert.match(flash.message, /the weights need 3\.38 MiB of flash > 1 MiB \(stm32f746\)/);
  });

  it('explains on hover: receptive field, memory, patch region, halo and recompute; the schedule', async () => {
    await client.open(uri, text);
    await client.diagnostics(uri);
    const block = hoverText(await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: block2Line, character: 3 } }));
    assert.match(block, /\*\*block 2\*\* · `mbconv e6 k3 s2` · runs in the patch stage \(4×4 patches\)/);
    assert.match(block, /Output 56×56×24 · 29\.2M MACs/);
    assert.match(block, /Memory layer by layer 1372\.0 KiB at `block2\.expand` \(in 196\.0 KiB \+ out 1176\.0 KiB \+ kept 0\.0 KiB\)/);
    assert.match(block, /\*\*Receptive field\*\* 11×11 px · jump 4 · start −5/);
    // The expand conv of block 2 reads a 35×35 region per interior patch: 35 − 112/4 = 7 rows of halo.
    // Two tables of at most five columns (an eight-column one was clipped by the hover's width).
    assert.match(block, /\| `block2\.expand` \| 112×112×96 \| 19\.3M \| 196\.0 KiB \/ 1176\.0 KiB \/ 0\.0 KiB \| 7 \/ 2 \/ −3 \|$/m);
    assert.match(block, /\| `block2\.expand` \| 35×35 \| \+7\/\+7 \| ×1\.\d\d \|/);
    // The depthwise conv writes over its input: its output is 'in place', not 0.0 KiB.
    assert.match(block, /\| `block2\.dw` \| 56×56×96 \| [\d.]+[kM] \| [\d.]+ KiB \/ in place \/ 0\.0 KiB \|/);
    assert.ok(block.split('\n').filter((l) => l.startsWith('|')).every((l) => l.split('|').length - 2 <= 5), 'no table wider than five columns');
    assert.match(block, /Also from this line: block 3 → 56×56×24/);
    const schedule = hoverText(await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: scheduleLine, character: 2 } }));
    assert.match(schedule, /Input patch 75×75 px/);
    assert.match(schedule, /Patch stage 158\.5 KiB \(134\.0 KiB per patch at block 2 \+ 24\.5 KiB stage buffers\); after the stage 171\.5 KiB \(block 5/);
    assert.match(schedule, /MACs \+30\.6% in the stage, \+9\.3% overall/);
    const later = hoverText(await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: lineOf('mbconv  out=64'), character: 1 } }));
    assert.match(later, /\*\*block 7\*\* · `mbconv e6 k3 s2` · runs layer by layer, after the patch stage/);
    assert.doesNotMatch(later, /halo/);
    const comment = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 3 } });
    assert.equal(comment, null);
  });

  it('under 128 KiB no schedule fits: it offers the input and width that do, as enabled quick fixes', async () => {
    await client.open(uri, text);
    const { diagnostics } = await client.diagnostics(uri);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics: errors(diagnostics) } });
    assert.deepEqual(actions.map((a) => /^Make it fit 128 KiB: (input|width)/.exec(a.title)?.[1]), ['input', 'width'], JSON.stringify(actions.map((a) => a.title)));
    assert.ok(actions.every((a) => a.disabled === undefined && a.edit !== undefined));
    // The budget comes from the settings: a target line in the file would not change it.
    assert.ok(!actions.some((a) => /target/.test(a.title)));
  });

  it('Optimize Schedule under 128 KiB: no schedule, and the model changes that fit, each with its edits', async () => {
    await client.open(uri, text);
    await client.diagnostics(uri);
    const result = await client.request<OptimizeResult>(optimizeRequest, { uri });
    assert.deepEqual(result.choices, []);
    assert.deepEqual(result.changes.map((c) => /^(input|width)/.exec(c.title)?.[1]), ['input', 'width'], JSON.stringify(result.changes.map((c) => c.title)));
    for (const change of result.changes) {
      const changed = applyEdits(text, change.edits);
      assert.ok(getLanguageService().analyze(changed, { sramBudget: '128KiB' }).analysis.report!.fitsSram, change.title);
    }
  });

  it('follows the budget setting, and the quick fix\'s edit makes the budget errors go away', async () => {
    await client.open(uri, text);
    await client.diagnostics(uri);
    // Back to the file's own target (320 KiB): the shipped schedule fits.
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { patchwise: { sramBudget: '' } } });
    const fits = await client.diagnostics(uri, (p) => !p.diagnostics.some((d) => d.code === 'PW3001'));
    assert.deepEqual(codes(fits.diagnostics), ['PW3003']);
    // A 2×2 grid needs 431.5 KiB.
    const over = text.replace('patch=4x4', 'patch=2x2');
    await client.change(uri, 2, over);
    const { diagnostics } = await client.diagnostics(uri, (p) => p.version === 2);
    assert.deepEqual(codes(errors(diagnostics)), ['PW3001', 'PW3001']);
    assert.match(diagnostics[0].message, /431\.5 KiB > 320 KiB/);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics: errors(diagnostics) } });
    assert.ok(actions.length >= 1 && actions.length <= 3, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(actions[0].title, 'Use patch=2x4 until=block4 (peak 258.0 KiB, +5.9% MACs)');
    assert.equal(actions[0].isPreferred, true);
    for (const a of actions) assert.match(a.title, /^Use patch=\d+x\d+ until=block\d+ \(peak [\d.]+ KiB, \+[\d.]+% MACs\)$/);
    const fixed = applyEdits(over, actions[0].edit!.changes![uri] as TextEdit[]);
    assert.match(fixed.split('\n')[scheduleLine], /^schedule patch=2x4 until=block4\s+# blocks 0\.\.4/);
    await client.change(uri, 3, fixed);
    const after = await client.diagnostics(uri, (p) => p.version === 3);
    assert.deepEqual(codes(after.diagnostics), ['PW3003']);
  });

  it('offers "Add a schedule" when the file has none and does not fit', async () => {
    const none = text.replace(/^schedule .*$/m, '');
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { patchwise: {} } });
    await client.open(uri, none);
    const { diagnostics } = await client.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'PW3004'));
    const warning = diagnostics.find((d) => d.code === 'PW3004')!;
    assert.equal(warning.severity, 2);
    assert.equal(warning.range.start.line, block2Line);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: warning.range, context: { diagnostics: [warning] } });
    assert.equal(actions[0].title, 'Add a schedule: patch=2x4 until=block4 (peak 258.0 KiB, +5.9% MACs)');
    const fixed = applyEdits(none, actions[0].edit!.changes![uri] as TextEdit[]);
    await client.change(uri, 2, fixed);
    const after = await client.diagnostics(uri, (p) => p.version === 2);
    assert.deepEqual(codes(after.diagnostics), ['PW3003']);
  });

  it('after 200 rapid edits, publishes the final text\'s diagnostics, and every request succeeds', async () => {
    await client.open(uri, text);
    await client.diagnostics(uri);
    const requests: Promise<unknown>[] = [];
    let current = text;
    for (let v = 2; v <= 201; v++) {
      // Walk the schedule through grids and split points, with an occasional syntax error.
      const p = 1 + (v % 8);
      current = text.replace('patch=4x4 until=block4', v % 37 === 0 ? 'patch=4x4 until=block4 k=' : `patch=${p}x${1 + ((v * 3) % 8)} until=block${v % 7}`);
      await client.change(uri, v, current);
      if (v % 10 === 0) requests.push(client.request('textDocument/hover', { textDocument: { uri }, position: { line: block2Line, character: 2 } }));
      if (v % 25 === 0) requests.push(client.request('textDocument/codeLens', { textDocument: { uri } }));
    }
    const results = await Promise.allSettled(requests);
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
    const last = await client.diagnostics(uri, (p) => p.version === 201, true);
    const service = getLanguageService();
    const expected = service.doValidation(service.analyze(current, { sramBudget: '128KiB' }));
    assert.deepEqual(last.diagnostics.map((d) => [d.code, d.message, d.range]), expected.map((d) => [d.code, d.message, d.range]));
  });

  it('stays up on random bytes and answers the next request', async () => {
    const bytes = String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 7919 + 13) % 256));
    await client.open('file:///work/random.pnet', bytes);
    const { diagnostics } = await client.diagnostics('file:///work/random.pnet');
    assert.ok(diagnostics.length > 0);
    assert.equal(diagnostics[0].code, 'PW1018');
    for (const method of ['textDocument/hover', 'textDocument/completion']) {
      await client.request(method, { textDocument: { uri: 'file:///work/random.pnet' }, position: { line: 0, character: 5 } });
    }
    await client.request('textDocument/codeLens', { textDocument: { uri: 'file:///work/random.pnet' } });
    await client.open(uri, text);
    assert.ok((await client.diagnostics(uri)).diagnostics.length > 0);
    assert.equal(client.process.exitCode, null);
    assert.doesNotMatch(client.stderr.join(''), /Error|failed/);
  });
});
