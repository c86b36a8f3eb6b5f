import { strict as assert } from 'assert';
import { LSPErrorCodes } from 'vscode-languageserver-protocol/node';
import { OptimizeResult } from '../../server/src/protocol';
import { chainModel } from '../helpers';
import { LspClient } from './lspClient';

// Issue 15, item 6 in the editor: the server's schedule search reports progress ($/progress on the
// request's work-done token) and stops as soon as the document changes (ContentModified).

const uri = 'file:///work/chain.pnet';


describe('optimize in the server: progress and cancellation', function () {
  this.timeout(60_000);
  let client: LspClient;
  beforeEach(async () => (client = await LspClient.start({ debounceMs: 0 })));
  afterEach(async () => client.stop());

  it('reports progress and is cancelled when the document changes', async () => {
    await client.open(uri, chainModel(5000));
    await client.diagnostics(uri);
    const reports: { kind: string; percentage?: number; message?: string }[] = [];
    let firstReport: () => void = () => {};
    const reported = new Promise<void>((resolve) => (firstReport = resolve));
    client.connection.onNotification('$/progress', (p: { token: string; value: { kind: string } }) => {
      if (p.token !== 'search-1') return;
      reports.push(p.value);
      if (p.value.kind === 'report') firstReport();
    });
    const started = Date.now();
    const answer = client.request<OptimizeResult>('patchwise/optimize', { uri, workDoneToken: 'search-1' }).then(
      (r) => ({ ok: r }),
      (e: { code: number; message: string }) => ({ error: e }),
    );
    await reported;
    await client.change(uri, 2, chainModel(5000) + '\n# edited');
    const result = await answer;
    assert.ok('error' in result, `the search was not cancelled: ${JSON.stringify((result as { ok: OptimizeResult }).ok?.bounded)} after ${Date.now() - started} ms`);
    assert.equal(result.error.code, LSPErrorCodes.ContentModified);
    assert.ok(Date.now() - started < 10_000, 'cancelled well before the search bound');
    assert.equal(reports[0].kind, 'begin');
    assert.match(reports.find((r) => r.kind === 'report')!.message!, /^\d+ of 5000 split points$/);
    assert.equal(reports[reports.length - 1].kind, 'end');
  });

  it('answers a small model with its choices, and the next request from the cache', async () => {
    await client.open(uri, 'model m\ninput 96x96x3\ntarget stm32f746\nconv out=16 k=3 s=2\nmbconv out=16 e=6 k=3\n');
    await client.diagnostics(uri);
    const first = await client.request<OptimizeResult>('patchwise/optimize', { uri });
    assert.equal(first.bounded, undefined);
    assert.ok(first.choices.length > 0);
    const again = await client.request<OptimizeResult>('patchwise/optimize', { uri });
    assert.deepEqual(again, first);
  });
});
