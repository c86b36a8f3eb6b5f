import fc from 'fast-check';
import { onnx } from 'onnx-proto';
import { formatReport } from '../../server/src/cliFormat';
import { searchSchedules } from '../../server/src/core/analysis/search';
import { checkRuntimeSupport } from '../../server/src/core/codegen/support';
import { Diagnostic } from '../../server/src/core/language/diagnostics';
import { analyzeText, FileSystem } from '../../server/src/core/engine';
import { OnnxBuilder, tinyMbv2 } from '../import/onnxModels';
import { crashKind, Finding, fuzz, fuzzSeconds, sloppyInMessage, unsafeInMessage } from './fuzzing';

// Structural ONNX mutation (issue 15): seed models decoded with onnx-proto, their graphs changed the
// way a broken exporter or a hostile file would (nodes dropped, doubled, reordered, retyped, renamed
// with control characters, rewired into cycles; attributes, dims and initializers at the edges),
// encoded again and read through the engine as `model m from "x.onnx"`. Nothing may throw, every
// message must be fit to show, and a model that imports must analyse, report and search.

const T = onnx.TensorProto.DataType;

function seeds(): Uint8Array[] {
  const graph = new OnnxBuilder();
  let x = graph.input('image', [1, 8, 16, 16]);
  const a = graph.conv(x, 8, 8, 3, 1);
  const b = graph.conv(x, 8, 8, 1, 1, { act: 'relu' });
  x = graph.node('Add', [a, b]);
  x = graph.node('Reshape', [x, graph.int64('shape', [1, 8, 256])]);
  x = graph.node('Flatten', [x], { axis: 1 });
  x = graph.node('Gemm', [x, graph.init('fw', [4, 2048]), graph.init('fb', [4])], { transB: 1 }, ['y']);
  graph.output('y', [1, 4]);
  return [tinyMbv2(), graph.bytes()];
}

const evil = fc.constantFrom('n\nx', '\u001b[31mred\u001b[0m', 'a\u2028b', '\u202eevil', 'x'.repeat(2000), '', 'ok');
const edge = fc.constantFrom(0, 1, -1, 2, 3, 7, 64, 65536, 2 ** 31 - 1, 2 ** 40, -(2 ** 31));
const opTypes = fc.constantFrom('Conv', 'Relu', 'Add', 'Mul', 'Reshape', 'Flatten', 'Gemm', 'MatMul', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Concat', 'Sigmoid', 'Clip', 'BatchNormalization', 'Resize', 'Transpose', 'Identity', 'ConvTranspose', 'Softmax', 'Pad', 'QuantizeLinear', 'Unknown');

type Mutate = (m: onnx.ModelProto, pick: (n: number) => number) => void;
const nodesOf = (m: onnx.ModelProto) => m.graph!.node as onnx.NodeProto[];
const initsOf = (m: onnx.ModelProto) => m.graph!.initializer as onnx.TensorProto[];
const mutations: fc.Arbitrary<Mutate> = fc.oneof(
  fc.constant<Mutate>((m, pick) => nodesOf(m).splice(pick(nodesOf(m).length), 1)),
  fc.constant<Mutate>((m, pick) => {
    const nodes = nodesOf(m);
    const i = pick(nodes.length);
    nodes.splice(i, 0, onnx.NodeProto.fromObject(onnx.NodeProto.toObject(nodes[i] as onnx.NodeProto)));
  }),
  fc.constant<Mutate>((m, pick) => {
    const nodes = nodesOf(m);
    const [i, j] = [pick(nodes.length), pick(nodes.length)];
    [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
  }),
  opTypes.map((op): Mutate => (m, pick) => void (nodesOf(m)[pick(nodesOf(m).length)].opType = op)),
  evil.map((name): Mutate => (m, pick) => void (nodesOf(m)[pick(nodesOf(m).length)].name = name)),
  evil.map((name): Mutate => (m, pick) => {
    // A value renamed where it is read: a missing value, or a name from a file with control characters.
    const node = nodesOf(m)[pick(nodesOf(m).length)];
    if (node.input.length) node.input[pick(node.input.length)] = name;
  }),
  fc.constant<Mutate>((m, pick) => {
    // Rewired to read a later node's output: a cycle or a use before definition.
    const nodes = nodesOf(m);
    const [i, j] = [pick(nodes.length), pick(nodes.length)];
    if (nodes[i].input.length && nodes[j].output.length) nodes[i].input[0] = nodes[j].output[0];
  }),
  fc.tuple(edge, fc.boolean()).map(([v, list]): Mutate => (m, pick) => {
    const node = nodesOf(m)[pick(nodesOf(m).length)];
    const attr = node.attribute[pick(node.attribute.length)];
    if (!attr) return;
    if (list && attr.ints?.length) attr.ints[pick(attr.ints.length)] = v;
    else if (list) attr.ints = [];
    else attr.i = v;
  }),
  fc.constant<Mutate>((m, pick) => {
    const node = nodesOf(m)[pick(nodesOf(m).length)];
    node.attribute.splice(pick(node.attribute.length), 1);
  }),
  edge.map((v): Mutate => (m, pick) => {
    const init = initsOf(m)[pick(initsOf(m).length)];
    if (init?.dims.length) init.dims[pick(init.dims.length)] = v;
  }),
  fc.constantFrom(T.FLOAT, T.INT8, T.UINT8, T.INT32, T.INT64, T.DOUBLE, T.STRING, 99).map((type): Mutate => (m, pick) => {
    const init = initsOf(m)[pick(initsOf(m).length)];
    if (init) init.dataType = type;
  }),
  fc.constant<Mutate>((m, pick) => {
    const init = initsOf(m)[pick(initsOf(m).length)];
    if (init?.rawData?.length) init.rawData = init.rawData.subarray(0, pick(init.rawData.length));
    else if (init?.floatData?.length) init.floatData.length = pick(init.floatData.length);
  }),
  fc.constant<Mutate>((m, pick) => initsOf(m).splice(pick(initsOf(m).length), 1)),
  fc.tuple(edge, fc.boolean()).map(([v, param]): Mutate => (m, pick) => {
    const dims = m.graph!.input![0]?.type?.tensorType?.shape?.dim;
    if (!dims?.length) return;
    dims[pick(dims.length)] = param ? { dimParam: 'N' } : { dimValue: v };
  }),
);

const mutatedOnnx = fc.tuple(fc.nat({ max: 1 }), fc.array(fc.tuple(mutations, fc.array(fc.nat(), { minLength: 4, maxLength: 4 })), { minLength: 1, maxLength: 5 }), fc.option(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { freq: 6 }));

const seedBytes = seeds();

function mutate([seed, steps, flip]: [number, [Mutate, number[]][], [number, number] | null]): Uint8Array | undefined {
  const model = onnx.ModelProto.decode(seedBytes[seed]);
  for (const [m, picks] of steps) {
    let k = 0;
    m(model, (n) => (n > 0 ? picks[k++ % picks.length] % n : 0));
  }
  let bytes: Uint8Array;
  try {
    bytes = onnx.ModelProto.encode(model).finish();
  } catch {
    return undefined; // not encodable: not a file anyone could hand us
  }
  if (flip) bytes[flip[0] % bytes.length] = flip[1];
  return bytes;
}

function checkOnnx(input: Parameters<typeof mutate>[0]): Finding | undefined {
  const bytes = mutate(input);
  if (!bytes) return undefined;
  const fs: FileSystem = { readFile: () => bytes, resolve: (_, rel) => rel };
  let analysis: ReturnType<typeof analyzeText>;
  try {
    analysis = analyzeText('model m from "x.onnx"\n', { fs, basePath: 'm.pnet' });
  } catch (error) {
    return crashKind('the ONNX import', error);
  }
  for (const d of analysis.diagnostics) {
    if (unsafeInMessage.test(d.message)) return { kind: `${d.code} message shows a raw control or separator character from the file`, detail: d.message.slice(0, 300) };
    if (sloppyInMessage.test(d.message)) return { kind: `${d.code} message shows undefined/NaN`, detail: d.message.slice(0, 300) };
    if (d.message.length > 2000) return { kind: `${d.code} message over 2,000 characters (names not shortened)`, detail: `${d.message.length} characters: ${d.message.slice(0, 300)}` };
  }
  let refused: Diagnostic[] = [];
  try {
    if (analysis.report) formatReport(analysis.report);
    if (analysis.model && !analysis.hasErrors) searchSchedules(analysis.model);
    if (analysis.model && !analysis.hasErrors) refused = checkRuntimeSupport(analysis.model);
  } catch (error) {
    return crashKind('the analysis of an imported model', error);
  }
  // What the importer accepts, the firmware runs: no PW4001 for an imported model without a schedule.
  if (refused.length > 0) return { kind: 'an imported model the firmware refuses', detail: refused[0].message.slice(0, 300) };
  return undefined;
}

describe('fuzz: structural ONNX mutation', function () {
  this.timeout(fuzzSeconds * 1000 * 4 + 60_000);
  it('mutated graphs import or are refused with diagnostics fit to show; imported ones analyse and search, and the firmware check refuses none', async () => {
    await fuzz('ONNX', mutatedOnnx, checkOnnx, { minRuns: 20 });
  });
});
