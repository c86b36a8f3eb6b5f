import { ModelAst } from '../../language/ast';
import { Diagnostic, diagnostic, Range, rangeOf } from '../../language/diagnostics';
import { buildModel, BudgetOverride } from '../../model/build';
import { formatShape, Model } from '../../model/ir';
import { inputAst, OnnxImportOptions, OnnxLayers } from '../onnx';
import { Reporter } from '../onnxGraph';
import { fuseResiduals, toBlocks } from './blocks';
import { FlatError } from './flat';
import { readTflite, TfliteModel } from './schema';
import { walkTflite } from './walk';

/**
 * .tflite → Patchwise IR (DESIGN.md §1 `import/tflite/`). The passes: read the flatbuffer through
 * checked accessors, walk the operators in the file's order (layout ops relabel dims, PADs fold
 * into convolutions), fuse identity shortcuts, group blocks, and build the IR with the same builder
 * as a .pnet or an ONNX file. Never throws on bad input: each problem is a diagnostic naming the
 * operator index, its builtin name and the tensor it writes.
 */

/** The first bytes' identifier: a .tflite whatever its name. */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
}

/** Reads the flatbuffer; a broken structure is a diagnostic. */
export function decodeTflite(bytes: Uint8Array, out: Reporter): TfliteModel | undefined {
  if (bytes.length < 8) {
    out.report('tfliteMalformed', bytes.length === 0 ? 'the file is empty' : `the file has only ${bytes.length} bytes`);
    return undefined;
  }
  try {
    return readTflite(bytes);
  } catch (error) {
    out.report('tfliteMalformed', error instanceof FlatError ? error.message : `the reader failed (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
}

/** The import up to the blocks the model builder takes (the same result as the ONNX import's). */
export function importTfliteLayers(bytes: Uint8Array, options: OnnxImportOptions = {}): OnnxLayers {
  const range = options.range ?? rangeOf(0, 0, 0);
  const out = new Reporter(range);
  const name = options.name ?? 'model';
  try {
    const m = decodeTflite(bytes, out);
    const walk = m && walkTflite(m, out);
    if (!walk || out.errors > 0) return { name, diagnostics: out.diagnostics };
    const { layers, residuals } = fuseResiduals(walk.layers, walk.input.c);
    const blocks = toBlocks(layers, residuals, walk.input.c, range);
    const fix = options.input;
    if (fix && (fix.h !== walk.input.h || fix.w !== walk.input.w || fix.c !== walk.input.c)) out.report('tfliteInputMismatch', formatShape(fix), formatShape(walk.input));
    return { blocks, input: walk.input, name, expected: walk.expected, diagnostics: out.diagnostics };
  } catch (error) {
    // A file that reads but breaks an assumption of the walk must still not take the caller down.
    out.report('tfliteMalformed', `the importer failed (${error instanceof Error ? error.message : String(error)})`);
    return { name, diagnostics: out.diagnostics };
  }
}

/** Imports a .tflite model on its own (no .pnet): the default target, the input streamed. */
export function importTflite(bytes: Uint8Array, options: OnnxImportOptions & { override?: BudgetOverride } = {}): { model?: Model; diagnostics: Diagnostic[] } {
  const range = options.range ?? rangeOf(0, 0, 0);
  const layers = importTfliteLayers(bytes, options);
  if (!layers.blocks || !layers.input) return { diagnostics: layers.diagnostics };
  const ast: ModelAst = { name: { text: layers.name, range }, input: inputAst(layers.input, 'stream', range), items: [], lineCount: 1, target: undefined };
  const built = buildModel(ast, options.override, layers.blocks);
  const diagnostics = [...layers.diagnostics, ...built.diagnostics, ...(built.model ? checkTfliteShapes(built.model, layers, range) : [])];
  return { model: built.model, diagnostics };
}

/** Every layer's output against the file's own tensor shape; a difference is a bug worth a diagnostic. */
export function checkTfliteShapes(model: Model, layers: OnnxLayers, range: Range): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const layer of model.layers) {
    const expected = layer.node === undefined ? undefined : layers.expected?.get(layer.node);
    if (!expected) problems.push(diagnostic('tfliteShape', range, layer.index, layer.kind, layer.node ?? layer.name, 'the file has no tensor of this name'));
    else if (expected.h !== layer.output.h || expected.w !== layer.output.w || expected.c !== layer.output.c) {
      problems.push(diagnostic('tfliteShape', range, layer.index, layer.kind, layer.node ?? layer.name, `the IR gives ${formatShape(layer.output)} but the file gives ${formatShape(expected)}`));
    }
  }
  return problems;
}
