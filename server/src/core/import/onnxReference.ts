import { onnx } from 'onnx-proto';
import { Diagnostic, rangeOf } from '../language/diagnostics';
import { Attributes, Graph, readGraph, Reporter, toNumber } from './onnxGraph';
import { Kernel, KernelContext, NodeError, unsupported } from './onnxKernel';
import { conv, convInteger, qlinearConv } from './onnxRefConv';
import { add, dequantizeLinear, gemm, matMul, matMulInteger, qlinearMatMul, quantizeLinear } from './onnxRefMath';
import { batchNormalization, clip, flatten, relu, reshape } from './onnxRefFloat';
import { averagePool, globalAveragePool, globalMaxPool, maxPool } from './onnxRefPool';
import { div, elu, hardSigmoid, hardSwish, leakyRelu, max, min, mul, prelu, selu, sigmoid, softmax, softplus, sub, tanh } from './onnxRefAct';
import { cast, concat, shape, slice } from './onnxRefShape';
import { DType, readFullTensor, Tensor, tensorOf } from './onnxTensor';

/**
 * A node-level ONNX reference interpreter for small graphs (ONNX's backend node tests, hand-built
 * QOperator models): bytes in, tensors out, no I/O. The graph passes of the importer ({@link readGraph}:
 * decode, index, missing values, cycles, topological order) are reused; initializers are then read in
 * full. Integer ops are bit-exact with ONNX's definitions (QLinearConv: float32 multiply, round half to
 * even, saturate). Anything it cannot evaluate is a diagnostic naming the node — it never throws.
 */

export interface ReferenceModel {
  graph: Graph;
  initializers: Map<string, Tensor>;
}

export interface ReferenceRun {
  /** Graph outputs by name, in the graph's order; undefined when a node could not be evaluated. */
  outputs?: Map<string, Tensor>;
  /** Every value of the run (initializers included), when asked for (calibration). */
  values?: Map<string, Tensor>;
  diagnostics: Diagnostic[];
}

const kernels: Record<string, Kernel> = {
  Add: add,
  AveragePool: averagePool,
  BatchNormalization: batchNormalization,
  Cast: cast,
  Clip: clip,
  Concat: concat,
  Constant: constant,
  Conv: conv,
  ConvInteger: convInteger,
  DequantizeLinear: dequantizeLinear,
  Div: div,
  Flatten: flatten,
  Gemm: gemm,
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: globalMaxPool,
  HardSigmoid: hardSigmoid,
  HardSwish: hardSwish,
  Identity: (ctx) => [ctx.inputs[0]],
  Elu: elu,
  LeakyRelu: leakyRelu,
  MatMul: matMul,
  MatMulInteger: matMulInteger,
  Max: max,
  MaxPool: maxPool,
  Min: min,
  Mul: mul,
  PRelu: prelu,
  QLinearConv: qlinearConv,
  QLinearMatMul: qlinearMatMul,
  QuantizeLinear: quantizeLinear,
  Relu: relu,
  Reshape: reshape,
  Selu: selu,
  Shape: shape,
  Sigmoid: sigmoid,
  Slice: slice,
  Softmax: softmax,
  Softplus: softplus,
  Sub: sub,
  Tanh: tanh,
};

/** The op types the interpreter evaluates. */
export const referenceOps: readonly string[] = Object.keys(kernels);

/** Decodes a model for {@link runReference}; parse once, run many inputs. */
export function loadReference(bytes: Uint8Array): { model?: ReferenceModel; diagnostics: Diagnostic[] } {
  const out = new Reporter(rangeOf(0, 0, 0));
  try {
    const graph = readGraph(bytes, out);
    if (!graph || out.errors > 0) return { diagnostics: out.diagnostics };
    // readGraph keeps only dims and small values; the interpreter needs every initializer in full.
    const initializers = new Map<string, Tensor>();
    for (const t of onnx.ModelProto.decode(bytes).graph?.initializer ?? []) {
      const tensor = readFullTensor(t, t.name ?? '', out);
      if (tensor) initializers.set(t.name ?? '', tensor);
    }
    return out.errors > 0 ? { diagnostics: out.diagnostics } : { model: { graph, initializers }, diagnostics: out.diagnostics };
  } catch (error) {
    out.report('onnxMalformed', `the reference interpreter could not read the model (${error instanceof Error ? error.message : String(error)})`);
    return { diagnostics: out.diagnostics };
  }
}

/** Evaluates the graph on inputs given in the graph's input order (initializers excluded) or by name. */
export function runReference(model: ReferenceModel, inputs: readonly Tensor[] | ReadonlyMap<string, Tensor>, keepValues = false): ReferenceRun {
  const out = new Reporter(rangeOf(0, 0, 0));
  const { graph } = model;
  const values = new Map<string, Tensor>(model.initializers);
  const given = Array.isArray(inputs) ? new Map(graph.inputs.map((g, i) => [g.name, (inputs as readonly Tensor[])[i]])) : (inputs as ReadonlyMap<string, Tensor>);
  for (const input of graph.inputs) {
    const t = given.get(input.name);
    if (!t) {
      out.report('onnxInput', `no value given for input '${input.name}'`);
      return { diagnostics: out.diagnostics };
    }
    values.set(input.name, t);
  }
  for (const n of graph.order) {
    const node = graph.nodes[n];
    const ctx: KernelContext = { node, inputs: node.inputs.map((i) => (i ? values.get(i) : undefined)), attrs: new Attributes(node, out), opset: graph.opset };
    const before = out.errors;
    try {
      const kernel = kernels[node.op];
      if (!kernel) unsupported('by the reference interpreter');
      const results = kernel(ctx);
      node.outputs.forEach((name, i) => {
        const t = results[i];
        if (name && t) values.set(name, t);
      });
    } catch (error) {
      reportFailure(out, node.op, node.name, error);
    }
    if (out.errors > before) return { diagnostics: out.diagnostics };
  }
  const outputs = new Map<string, Tensor>();
  for (const name of graph.outputs) {
    const t = values.get(name);
    if (!t) {
      out.report('onnxMissingValue', 'the graph output', name, name);
      return { diagnostics: out.diagnostics };
    }
    outputs.set(name, t);
  }
  return { outputs, diagnostics: out.diagnostics, ...(keepValues ? { values } : {}) };
}

/** Load and run in one call. */
export function evaluateOnnx(bytes: Uint8Array, inputs: readonly Tensor[] | ReadonlyMap<string, Tensor>): ReferenceRun {
  const loaded = loadReference(bytes);
  if (!loaded.model) return { diagnostics: loaded.diagnostics };
  const run = runReference(loaded.model, inputs);
  return { outputs: run.outputs, diagnostics: [...loaded.diagnostics, ...run.diagnostics] };
}

function reportFailure(out: Reporter, op: string, name: string, error: unknown): void {
  if (error instanceof NodeError && error.kind === 'unsupported') {
    out.report('onnxUnsupportedOp', op, name, error.reason.startsWith('by ') ? ` ${error.reason}` : ` by the reference interpreter: ${error.reason}`);
  } else if (error instanceof NodeError) {
    out.report('onnxShape', op, name, error.reason);
  } else {
    // An invariant broken inside a kernel: named, logged as a diagnostic, never a crash of the caller.
    out.report('onnxShape', op, name, `the reference interpreter failed (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Constant: the tensor of its `value` attribute, or value_float(s) / value_int(s). */
function constant(ctx: KernelContext): Tensor[] {
  const attrs = [...ctx.node.attrs.values()];
  if (attrs.length !== 1) unsupported(`${attrs.length} attributes (Constant takes exactly one)`);
  const a = attrs[0];
  const scalar = (dtype: DType, v: number): Tensor => tensorOf(dtype, [], [v]);
  switch (a.name) {
    case 'value': {
      const out = new Reporter(rangeOf(0, 0, 0));
      const t = a.t && readFullTensor(a.t, ctx.node.outputs[0] ?? ctx.node.name, out);
      if (!t) unsupported(out.diagnostics[0]?.message ?? "attribute 'value' holds no tensor");
      return [t];
    }
    case 'value_float': return [scalar('float32', a.f ?? 0)];
    case 'value_int': return [scalar('int64', toNumber(a.i))];
    case 'value_floats': return [tensorOf('float32', [a.floats?.length ?? 0], a.floats ?? [])];
    case 'value_ints': return [tensorOf('int64', [a.ints?.length ?? 0], (a.ints ?? []).map(toNumber))];
    default: return unsupported(`attribute '${a.name ?? ''}'`);
  }
}
