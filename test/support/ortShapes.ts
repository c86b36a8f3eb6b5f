import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';

/**
 * onnxruntime's own intermediate shapes: the model is re-encoded with the named tensors added as
 * graph outputs, run once on a zero input, and the dims of each returned.
 */
export async function ortShapes(bytes: Uint8Array, input: number[], tensors: readonly string[]): Promise<Map<string, number[]>> {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  for (const name of tensors) {
    if (!outputs.has(name)) graph.output!.push({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  }
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { logSeverityLevel: 3 });
  try {
    const count = input.reduce((a, b) => a * b, 1);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(count), input) };
    const result = await session.run(feeds, [...tensors]);
    return new Map(tensors.map((t) => [t, [...result[t].dims]]));
  } finally {
    await session.release();
  }
}

/** The tensor each ONNX node writes first, by node name. */
export function nodeOutputs(bytes: Uint8Array): Map<string, string> {
  const graph = onnx.ModelProto.decode(bytes).graph!;
  return new Map((graph.node ?? []).map((n) => [n.name ?? '', n.output?.[0] ?? '']));
}
