import fc from 'fast-check';
import { Diagnostic } from 'vscode-languageserver-protocol/node';
import { getLanguageService } from '../../server/src/core/services/languageService';
import { LspClient } from '../lsp/lspClient';
import { Finding, fuzz, fuzzSeconds } from './fuzzing';
import { mutatedPnet, pnetText } from './pnetGen';

// Random edit and request storms against the real server over stdio (issue 15): incremental edits
// at random places with text from the .pnet grammar, interleaved with every request an editor
// sends, none awaited before the next edit. Every request must be answered (a result, or cancelled /
// content modified), the server must stay up, and once the storm settles the diagnostics of the
// last version must equal the engine's validation of the same text, made in process.

// Untitled: no file path, so that `from` lines read nothing on either side.
const uri = 'untitled:storm.pnet';
/** The same core the server and the CLI run, in process: what the server must publish for a text. */
const service = getLanguageService();
const requests = ['textDocument/hover', 'textDocument/completion', 'textDocument/documentSymbol', 'textDocument/codeLens', 'textDocument/inlayHint', 'textDocument/codeAction', 'patchwise/analysis', 'patchwise/optimize', 'patchwise/panelData'];

interface Step {
  at: number;
  cut: number;
  insert: string;
  request: number;
  line: number;
  character: number;
}

const step = fc.record({
  at: fc.nat(),
  cut: fc.nat({ max: 30 }),
  insert: fc.oneof(pnetText.map((t) => t.slice(0, 80)), fc.constantFrom('', '\n', 'x', '}', 'block b {\n', ' residual', '\u2028', 'repeat=1000')),
  request: fc.nat({ max: requests.length - 1 }),
  line: fc.nat({ max: 20 }),
  character: fc.nat({ max: 40 }),
});

const storm = fc.record({ start: mutatedPnet, steps: fc.array(step, { minLength: 1, maxLength: 25 }) });

/** An offset as an LSP position: lines end at \r\n, \r or \n (not at U+2028). */
function positionOf(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return { line: before.length - 1, character: before[before.length - 1].length };
}

function params(method: string, s: Step, diagnostics: Diagnostic[]): object {
  const position = { line: s.line, character: s.character };
  const range = { start: { line: 0, character: 0 }, end: position };
  switch (method) {
    case 'textDocument/hover':
    case 'textDocument/completion': return { textDocument: { uri }, position };
    case 'textDocument/inlayHint': return { textDocument: { uri }, range };
    case 'textDocument/codeAction': return { textDocument: { uri }, range, context: { diagnostics } };
    case 'patchwise/panelData': return { uri, sections: ['memory', 'overlap', 'schedules'] };
    case 'patchwise/analysis':
    case 'patchwise/optimize': return { uri };
    default: return { textDocument: { uri } };
  }
}

/** The diagnostics as compared: code, range, message (the server adds a source; related info aside). */
const essence = (ds: { code?: unknown; range: unknown; message: string }[]) => JSON.stringify(ds.map((d) => [String(d.code), d.range, d.message]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));

async function runStorm(client: LspClient, input: { start: string; steps: Step[] }, version: { n: number }): Promise<Finding | undefined> {
  let text = input.start;
  const first = ++version.n;
  await client.open(uri, text, first);
  const pending: Promise<Finding | undefined>[] = [];
  let last: Diagnostic[] = [];
  for (const s of input.steps) {
    const at = s.at % (text.length + 1);
    const end = Math.min(text.length, at + s.cut);
    const range = { start: positionOf(text, at), end: positionOf(text, end) };
    text = text.slice(0, at) + s.insert + text.slice(end);
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version.n }, contentChanges: [{ range, text: s.insert }] });
    const method = requests[s.request];
    pending.push(
      client.request(method, params(method, s, last)).then(
        () => undefined,
        (e: { code?: number; message?: string }) => (e.code === -32800 || e.code === -32801 ? undefined : { kind: `${method} fails (${e.code})`, detail: `${e.message}\n${JSON.stringify(input)}` }),
      ),
    );
  }
  const deadline = new Promise<Finding>((resolve) => setTimeout(() => resolve({ kind: 'a request is not answered within 60 s', detail: JSON.stringify(input) }), 60_000).unref());
  for (const p of pending) {
    const found = await Promise.race([p, deadline]);
    if (found) return found;
  }
  const published = await Promise.race([client.diagnostics(uri, (p) => p.version === version.n, true), deadline]);
  if ('kind' in published) return { kind: 'no diagnostics are published for the last version', detail: JSON.stringify(input) };
  last = published.diagnostics;
  const engine = service.doValidation(service.analyze(text));
  if (essence(last) !== essence(engine)) return { kind: 'the server\'s diagnostics differ from the engine\'s', detail: `${essence(last)}\n!=\n${essence(engine)}\nfor ${JSON.stringify(text)}` };
  const errors = client.stderr.join('');
  if (/failed: /.test(errors)) return { kind: `the server logs a failed handler: ${/patchwise: (.*?) failed/.exec(errors)?.[1]}`, detail: errors.slice(0, 600) };
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  return undefined;
}

describe('fuzz: LSP edit and request storms', function () {
  this.timeout(fuzzSeconds * 1000 * 4 + 120_000);
  let client: LspClient;
  before(async () => (client = await LspClient.start({ debounceMs: 5 })));
  after(async () => client.stop());

  it('every request answered, the server up, the last diagnostics equal to the engine\'s', async () => {
    const version = { n: 0 };
    await fuzz('LSP storm', storm, async (input) => {
      client.stderr.length = 0;
      return runStorm(client, input, version);
    }, { minRuns: 3 });
  });
});
