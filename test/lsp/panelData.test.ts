import { strict as assert } from 'assert';
import { hostMessageSchema } from '../../client/src/panels/messages';
import { PanelDataParams, panelDataRequest, PanelDataResult } from '../../server/src/protocol';
import { readExample } from '../helpers';
import { LspClient } from './lspClient';

// patchwise/panelData over a real JSON-RPC connection: the data of the version the server has,
// only the parts asked for, and nothing for a document the server does not have.

const uri = 'file:///work/mobilenetv2.pnet';
const text = readExample('mobilenetv2.pnet');

describe('patchwise/panelData over stdio', function () {
  let client: LspClient;
  beforeEach(async () => (client = await LspClient.start({ debounceMs: 20 })));
  afterEach(async () => client.stop());

  const request = (params: PanelDataParams) => client.request<PanelDataResult>(panelDataRequest, params);

  it('answers with the parts asked for, for the current version, in the webview message schema', async () => {
    await client.open(uri, text, 1);
    const memory = (await request({ uri, sections: ['memory'] }))!;
    assert.deepEqual([memory.version, memory.model?.peakBytes, memory.overlap, memory.schedules], [1, 175_616, null, null]);
    await client.change(uri, 2, text.replace('patch=4x4 until=block4', 'patch=2x2 until=block4'));
    const all = (await request({ uri, sections: ['memory', 'overlap', 'schedules'] }))!;
    assert.equal(all.version, 2);
    assert.deepEqual(all.overlap?.patch, [2, 2]);
    const space = all.schedules!;
    assert.deepEqual([space.patchRows[space.current], space.untilBlock[space.current]], [2, 4]);
    assert.equal(hostMessageSchema({ type: 'data', data: all }, 'message'), null);
  });

  it('ignores unknown sections, and answers null for a document it does not have', async () => {
    await client.open(uri, text, 1);
    const data = (await request({ uri, sections: ['memory', 'everything' as 'memory'] }))!;
    assert.equal(data.schedules, null);
    assert.equal(await request({ uri: 'file:///work/closed.pnet', sections: ['memory'] }), null);
    assert.equal(client.stderr.join(''), '');
  });
});
