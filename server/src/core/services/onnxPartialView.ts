import { FileSystem } from '../engine';
import { namedNodes, partialImport } from '../import/onnxPartial';
import { prefixModel } from '../import/onnxPrefix';
import { InputFix } from '../import/onnxShapes';
import { analyzeDocument, DocumentAnalysis } from './document';
import { GraphView } from './graphTypes';
import { partialGraph } from './graphView';
import { panelData } from './panelData';
import { PanelData } from './panelTypes';
import { Settings } from './types';

/**
 * The .onnx page of a model whose import stops part way ("one Transpose node blanks the whole page
 * for the recognizer"): the graph of what it got to, and the memory chart of the layers before the
 * first failing node, analysed as a model of their own (layer by layer: no schedule is offered for
 * a model that cannot be written as a .pnet).
 */

export interface PartialView {
  graph: GraphView;
  /** Null when nothing before the failure can be charted. */
  data: PanelData | null;
}

/**
 * `doc`: the analysis of the schedule file `text` (with errors, no model); `path` the .onnx file,
 * `input` its dynamic input as analysed. Undefined when the file is not a graph at all.
 */
export function partialView(doc: DocumentAnalysis, text: string, fs: FileSystem, path: string, input: InputFix | undefined, settings: Settings, uri: string): PartialView | undefined {
  const bytes = fs.readFile(path);
  const errors = doc.analysis.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  const partial = bytes && partialImport(bytes, input, namedNodes(errors));
  if (!bytes || !partial) return undefined;
  const graph = partialGraph(partial, errors);
  const prefix = prefixModel(bytes, partial);
  if (!prefix) return { graph, data: null };
  // The same schedule file, reading the prefix in place of the .onnx (named as its `from` resolves).
  const named = fs.resolve(path, path.split(/[\\/]/).pop() ?? path);
  const prefixFs: FileSystem = { readFile: (p) => (p === named || p === path ? prefix.bytes : fs.readFile(p)), resolve: (base, rel) => fs.resolve(base, rel) };
  const before = analyzeDocument(text, settings, { fs: prefixFs, path });
  if (!before.analysis.report || before.analysis.hasErrors) return { graph, data: null };
  const data = panelData(before, uri, 0, ['memory']);
  const count = errors.length === 1 ? 'one error' : `${errors.length} errors`;
  const layers = data.layers.length === 1 ? 'the layer' : `the ${data.layers.length} layers`;
  data.model!.name = `${data.model!.name}, ${layers} before '${prefix.before}'`;
  data.errorCount = errors.length;
  data.problem = `Patchwise cannot import this model yet (${count}, below): the chart is of the layers before '${prefix.before}', layer by layer; the graph shows where the import stopped.`;
  return { graph, data };
}
