import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { CodeLens, Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { tinyMbv2 } from '../import/onnxModels';
import { codes, LspClient } from './lspClient';

// `model NAME from "file.onnx"` in the editor: the server reads the ONNX file next to the model.
describe('language server: models that name an ONNX file', function () {
  let client: LspClient;
  let dir: string;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-lsp-onnx-'));
    fs.writeFileSync(path.join(dir, 'tiny.onnx'), tinyMbv2());
    client = await LspClient.start({ debounceMs: 10 });
  });
  afterEach(async () => {
    await client.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports it: no errors, code lenses and hovers as for a hand-written model', async () => {
    const file = path.join(dir, 'tiny.pnet');
    const uri = pathToFileURL(file).toString();
    const text = 'model tiny from "tiny.onnx"\ninput 32x32x3\nbudget sram=64KiB flash=1MiB\nschedule patch=2x2 until=block2\n';
    fs.writeFileSync(file, text);
    await client.open(uri, text);
    const { diagnostics } = await client.diagnostics(uri);
    assert.deepEqual(diagnostics.filter((d) => d.severity === 1).map((d) => `${d.code} ${d.message}`), []);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    assert.ok(lenses.length > 0, 'lenses for the imported blocks');
    const hover = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 2 } });
    assert.match((hover.contents as MarkupContent).value, /\*\*schedule\*\* patch=2x2 until=block2/);
  });

  it('analyses the model again when only the .onnx file changes on disk', async () => {
    const file = path.join(dir, 'tiny.pnet');
    const uri = pathToFileURL(file).toString();
    const text = 'model tiny from "tiny.onnx"\ninput 32x32x3\nbudget sram=64KiB flash=1MiB\n';
    await client.open(uri, text);
    assert.deepEqual(codes((await client.diagnostics(uri)).diagnostics).filter((c) => c.startsWith('PW5')), []);
    fs.writeFileSync(path.join(dir, 'tiny.onnx'), new Uint8Array([1, 2, 3]));
    const changed = client.diagnostics(uri);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'tiny.onnx')).toString(), type: 2 }] });
    assert.ok(codes((await changed).diagnostics).includes('PW5002'), 'the broken file is reported without an edit of the .pnet');
  });

  it('says so on the from string when the file is missing', async () => {
    const uri = pathToFileURL(path.join(dir, 'other.pnet')).toString();
    const text = 'model other from "missing.onnx"\ninput 32x32x3\n';
    await client.open(uri, text);
    const { diagnostics } = await client.diagnostics(uri);
    const unreadable = diagnostics.find((d) => /missing\.onnx/.test(d.message))!;
    assert.ok(unreadable, codes(diagnostics).join(', '));
    assert.equal(unreadable.range.start.line, 0);
    assert.match(unreadable.message, /missing or unreadable/);
  });
});
