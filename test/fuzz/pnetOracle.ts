import { formatReport } from '../../server/src/cliFormat';
import { checkRuntimeSupport } from '../../server/src/core/codegen/support';
import { FileSystem } from '../../server/src/core/engine';
import { bytesOf } from '../../server/src/core/model/ir';
import { runReference } from '../../server/src/core/quant/interpreter';
import { quantizeModel } from '../../server/src/core/quant/params';
import { getLanguageService } from '../../server/src/core/services/languageService';
import { tinyMbv2 } from '../import/onnxModels';
import { crashKind, Finding, sloppyInMessage, unsafeInMessage } from './fuzzing';

// What must hold for any .pnet text, checked in process: the engine and every editor service answer
// without throwing; each diagnostic has a catalog code, a range inside the text and a message fit to
// show; a model without errors either runs in the reference or is refused for its size. The sizes no
// microcontroller could run are the README's resource limits, restated here as the oracle's own.

const tensorLimitBytes = 16 * 1024 * 1024;
const macLimit = 10e9;
/** Models small enough to run through the reference on every input (it is the slow part). */
const referenceMacs = 5e6;

const files: FileSystem = {
  readFile: (path) => (path.endsWith('/tiny.onnx') ? tinyOnnx : undefined),
  resolve: (base, rel) => `${base.slice(0, base.lastIndexOf('/'))}/${rel}`,
};
const tinyOnnx = tinyMbv2();
const service = getLanguageService({ fs: files });

export function checkPnet(text: string): Finding | undefined {
  let doc: ReturnType<typeof service.analyze>;
  try {
    doc = service.analyze(text, {}, '/fuzz/model.pnet');
  } catch (error) {
    return crashKind('analyze', error);
  }
  const { analysis } = doc;
  const lineCount = text.split(/\r\n|\r|\n/).length;
  for (const d of analysis.diagnostics) {
    const { start, end } = d.range;
    if (!/^PW\d{4}$/.test(d.code)) return { kind: `a diagnostic without a catalog code (${d.code})`, detail: JSON.stringify({ text, d }) };
    if (start.line < 0 || start.line >= lineCount || end.line < start.line || start.character < 0) return { kind: `${d.code} range outside the text`, detail: JSON.stringify({ text, d }) };
    if (unsafeInMessage.test(d.message)) return { kind: `${d.code} message shows a raw control or separator character`, detail: JSON.stringify({ text, message: d.message }) };
    if (sloppyInMessage.test(d.message)) return { kind: `${d.code} message shows undefined/NaN`, detail: JSON.stringify({ text, message: d.message }) };
  }
  try {
    const diagnostics = service.doValidation(doc);
    for (let line = 0; line < Math.min(lineCount, 6); line++) {
      service.doHover(doc, { line, character: 2 });
      service.doComplete(doc, { line, character: 5 });
    }
    service.doCodeActions(doc, diagnostics);
    service.findDocumentSymbols(doc);
    service.findCodeLenses(doc);
    service.findInlayHints(doc);
  } catch (error) {
    return crashKind('an editor service', error);
  }
  const { model, report } = analysis;
  try {
    if (report) formatReport(report);
  } catch (error) {
    return crashKind('formatReport', error);
  }
  if (!model || !report || analysis.hasErrors) return undefined;
  const biggest = Math.max(bytesOf(model.input.shape), ...model.layers.map((l) => bytesOf(l.output)));
  if (biggest > tensorLimitBytes || report.macs.total > macLimit) {
    return { kind: 'a model no microcontroller could run is accepted (no limit diagnostic)', detail: `${biggest} B tensor, ${report.macs.total} MACs: ${JSON.stringify(text)}` };
  }
  if (report.macs.total > referenceMacs || analysis.ast.from || checkRuntimeSupport(model).length > 0) return undefined;
  try {
    runReference(quantizeModel(model));
  } catch (error) {
    return crashKind('the reference', error);
  }
  return undefined;
}
