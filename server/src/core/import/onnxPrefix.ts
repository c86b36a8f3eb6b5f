import { onnx } from 'onnx-proto';
import { PartialImport } from './onnxPartial';

/**
 * The part of an ONNX model before its first failing node, as a model of its own: the nodes that
 * tensor depends on, with that tensor as the output. The .onnx page charts its memory, so that a
 * model stopped by one node (PP-OCR's recognizer, at the Transpose into its sequence head) still
 * shows what its backbone needs. No failing node precedes the first in topological order, so the
 * prefix imports as far as the importer goes.
 */

export interface Prefix {
  /** The prefix model, encoded. */
  bytes: Uint8Array;
  /** The node it stops before (the first that failed). */
  before: string;
}

/** Undefined when no node failed, or the first failed node reads the graph input (nothing before it). */
export function prefixModel(bytes: Uint8Array, partial: PartialImport): Prefix | undefined {
  const failed = partial.nodes.find((n) => n.state === 'failed');
  const tensor = failed?.reads[0];
  if (!failed || !tensor || failed.sources[0] === undefined || failed.sources[0] < 0) return undefined;
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => o && producer.set(o, i)));
  // The nodes the tensor depends on, through every input (constants' producers included).
  const keep = new Set<number>();
  const stack = [tensor];
  while (stack.length > 0) {
    const p = producer.get(stack.pop()!);
    if (p === undefined || keep.has(p)) continue;
    keep.add(p);
    stack.push(...(nodes[p].input ?? []).filter(Boolean));
  }
  graph.node = nodes.filter((_, i) => keep.has(i));
  graph.output = [{ name: tensor }];
  return { bytes: onnx.ModelProto.encode(model).finish(), before: failed.name };
}
