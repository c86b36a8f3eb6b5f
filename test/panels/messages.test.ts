import { strict as assert } from 'assert';
import { describeDropped, parseHostMessage, parsePageMessage } from '../../client/src/panels/messages';

// What the extension accepts from a panel page, and what a page accepts from the extension (the
// panel data itself is checked against the real analysis in test/services/panelData.test.ts).

describe('panel messages', () => {
  it('accepts the page messages of the protocol', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'reveal', line: 11 },
      { type: 'applySchedule', version: 3, patch: [2, 4], untilBlock: 4 },
      { type: 'applySchedule', version: 3, patch: null, untilBlock: null },
      { type: 'log', level: 'warn', text: 'dropped' },
      { type: 'createScheduleFile' },
    ]) {
      assert.deepEqual(parsePageMessage(message), { ok: true, value: message });
    }
  });

  it('refuses anything else, naming what is wrong', () => {
    const problems = [
      [null, 'message.type: expected one of ready, reveal, applySchedule, createScheduleFile, setInput, log'],
      [{ type: 'runCommand', command: 'rm' }, 'message.type: expected one of ready, reveal, applySchedule, createScheduleFile, setInput, log'],
      [{ type: 'toString' }, 'message.type: expected one of ready, reveal, applySchedule, createScheduleFile, setInput, log'],
      [{ type: 'reveal', line: 0 }, 'message.line: expected 1..10000000'],
      [{ type: 'reveal', line: 2.5 }, 'message.line: expected an integer'],
      [{ type: 'reveal', line: 3, uri: 'file:///etc/passwd' }, 'message.uri: unexpected field'],
      [{ type: 'applySchedule', version: '3', patch: [2, 2], untilBlock: 4 }, 'message.version: expected an integer'],
      [{ type: 'applySchedule', version: 3, patch: [2, 0], untilBlock: 4 }, 'message.patch[1]: expected 1..1024'],
      [{ type: 'applySchedule', version: 3, patch: [2, 2, 2], untilBlock: 4 }, 'message.patch: expected 2 items'],
      [{ type: 'log', level: 'info', text: '' }, 'message.level: expected one of warn, error'],
    ] as const;
    for (const [message, problem] of problems) assert.deepEqual(parsePageMessage(message), { ok: false, problem }, JSON.stringify(message));
  });

  it('checks the extension\'s messages on the page side too', () => {
    assert.deepEqual(parseHostMessage({ type: 'highlight', line: null }), { ok: true, value: { type: 'highlight', line: null } });
    assert.deepEqual(parseHostMessage({ type: 'highlight', line: -1 }), { ok: false, problem: 'message.line: expected 1..10000000' });
    assert.deepEqual(parseHostMessage({ type: 'data', data: [] }), { ok: false, problem: 'message.data: expected an object' });
    const onnxModel = { type: 'onnxModel', note: null, diagnostics: ["PW5008 Resize node 'up' is not supported yet"], canCreate: false, dynamicInput: { h: 48, w: 192 } };
    assert.deepEqual(parseHostMessage(onnxModel), { ok: true, value: onnxModel });
    const node = { name: 'up', label: 'Resize', onnxNodes: ['up'], out: null, sources: [-1], shortcut: false, state: 'failed', why: "Resize node 'up' is not supported yet", splitAfter: false, stage: 0, line: null };
    const graph = { input: [32, 32, 3], nodes: [node], partial: '0 layers imported', omitted: 0, stages: [] };
    const data = { uri: 'file:///m/up.onnx', version: 0, model: null, problem: null, errorCount: 1, layers: [], overlap: null, schedules: null, graph };
    assert.deepEqual(parseHostMessage({ type: 'data', data }), { ok: true, value: { type: 'data', data } });
    assert.deepEqual(parseHostMessage({ type: 'data', data: { ...data, graph: { ...graph, nodes: [{ ...node, state: 'lost' }] } } }), { ok: false, problem: 'message.data.graph.nodes[0].state: expected one of imported, failed, notImported' });
    assert.deepEqual(parseHostMessage({ ...onnxModel, canCreate: 'yes' }), { ok: false, problem: 'message.canCreate: expected a boolean' });
    assert.deepEqual(parsePageMessage({ type: 'setInput', h: 48, w: 192 }), { ok: true, value: { type: 'setInput', h: 48, w: 192 } });
    assert.equal(parsePageMessage({ type: 'setInput', h: 0, w: 192 }).ok, false);
  });

  it('describes a dropped message briefly, whatever it is', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(describeDropped(cyclic, 'bad'), 'bad; message: [object Object]');
    assert.equal(describeDropped('x'.repeat(500), 'bad').length, 'bad; message: '.length + 201);
    assert.equal(describeDropped(undefined, 'bad'), 'bad; message: undefined');
  });
});
