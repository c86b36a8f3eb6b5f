import { InputAst, ModelAst } from '../language/ast';
import { Diagnostic, diagnostic, Range, rangeOf } from '../language/diagnostics';
import { buildModel, BudgetOverride, ImportedBlock } from '../model/build';
import { formatShape, Model, Shape } from '../model/ir';
import { toBlocks } from './onnxBlocks';
import { readGraph, Reporter } from './onnxGraph';
import { inferShapes, InputFix } from './onnxShapes';
import { walkGraph } from './onnxWalk';

/**
 * ONNX → Patchwise IR for graphs that are chains of blocks (DESIGN.md §1 `import/`). The passes:
 * decode (onnx-proto), index and order (missing values, cycles), fold constants, infer shapes
 * (NCHW, batch 1), walk the chain, and build the IR with the same builder as a .pnet file.
 * Never throws on bad input: everything it cannot import is a diagnostic naming the node.
 */

export interface OnnxImportOptions {
  /** Model name (default: the graph's name). */
  name?: string;
  /** Fixes dynamic H/W/C of an NCHW input (a .pnet `input` line). */
  input?: InputFix;
  /** Where the diagnostics go: the `from` string, or line 0 of the .onnx itself. */
  range?: Range;
}

export interface OnnxLayers {
  /** The layers as blocks for {@link buildModel}; undefined when the graph cannot be imported. */
  blocks?: ImportedBlock[];
  /** The network input (HWC) the blocks start from. */
  input?: Shape;
  name: string;
  /** ONNX's own output shape of each layer's node, by node name (checked against the IR). */
  expected?: Map<string, Shape>;
  diagnostics: Diagnostic[];
}

/** The import up to the blocks the model builder takes. */
export function importOnnxLayers(bytes: Uint8Array, options: OnnxImportOptions = {}): OnnxLayers {
  const range = options.range ?? rangeOf(0, 0, 0);
  const out = new Reporter(range);
  try {
    const graph = readGraph(bytes, out);
    const shapes = graph && inferShapes(graph, options.input, out);
    const chain = graph && shapes && walkGraph(graph, shapes, out);
    const blocks = chain && out.errors === 0 ? toBlocks(chain, range, out) : undefined;
    const first = chain?.drafts[0]?.in;
    const name = options.name ?? graph?.name ?? 'model';
    if (!blocks || !first || out.errors > 0) return { name, diagnostics: out.diagnostics };
    const expected = new Map(chain.drafts.map((d) => [d.node.name, d.out.length === 4 ? { h: d.out[2], w: d.out[3], c: d.out[1] } : { h: 1, w: 1, c: d.out[d.out.length - 1] }]));
    return { blocks, input: { h: first[2], w: first[3], c: first[1] }, name, expected, diagnostics: out.diagnostics };
  } catch (error) {
    // A protobuf message that decodes but breaks an assumption above must still not take the caller down.
    out.report('onnxMalformed', `the importer failed (${error instanceof Error ? error.message : String(error)})`);
    return { name: options.name ?? 'model', diagnostics: out.diagnostics };
  }
}

/**
 * Imports an ONNX model on its own (no .pnet): the default target, the input streamed. For a model
 * with its own target and schedule, write `model NAME from "file.onnx"` in a .pnet file.
 */
export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions & { override?: BudgetOverride } = {}): { model?: Model; diagnostics: Diagnostic[] } {
  const range = options.range ?? rangeOf(0, 0, 0);
  const layers = importOnnxLayers(bytes, options);
  if (!layers.blocks || !layers.input) return { diagnostics: layers.diagnostics };
  const ast: ModelAst = { name: { text: layers.name, range }, input: inputAst(layers.input, 'stream', range), items: [], lineCount: 1, target: undefined };
  const built = buildModel(ast, options.override, layers.blocks);
  const diagnostics = [...layers.diagnostics, ...built.diagnostics, ...(built.model ? checkShapes(built.model, layers, range) : [])];
  return { model: built.model, diagnostics };
}

export function inputAst(shape: Shape, placement: InputAst['placement'], range: Range): InputAst {
  return { h: shape.h, w: shape.w, c: shape.c, placement, range };
}

/** Checks the built IR against ONNX's own shapes; a difference is a bug worth a diagnostic, not a throw. */
export function checkShapes(model: Model, layers: OnnxLayers, range: Range): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const layer of model.layers) {
    const expected = layer.node === undefined ? undefined : layers.expected?.get(layer.node);
    if (expected && (expected.h !== layer.output.h || expected.w !== layer.output.w || expected.c !== layer.output.c)) {
      problems.push(diagnostic('onnxShape', range, 'layer', layer.name, `the IR gives ${formatShape(layer.output)} but ONNX gives ${formatShape(expected)}`));
    }
  }
  return problems;
}
