// What the graph view draws (the .onnx editor page): plain JSON from graphView.ts, sent by the server
// with the page's other data. Types only, so that the client and the webview scripts import them
// without the engine. Node references are indices into `nodes`; −1 is the network input.

export interface GraphView {
  /** The network input, rows × columns × channels; null when the import did not get that far. */
  input: [number, number, number] | null;
  /** In execution order (a node's sources come before it). */
  nodes: GraphViewNode[];
  /**
   * Null for a model that imported: the nodes are its blocks. Otherwise what the import got to, in a
   * sentence (`41 layers imported; 'p2o.Transpose.0' could not be; 250 nodes after it were not
   * imported`), and the nodes are ONNX nodes: those imported, those that failed, and the rest.
   */
  partial: string | null;
  /** Nodes left out past the drawing's limit (0: all drawn). */
  omitted: number;
  /** Each stage of the current schedule as written (`patch=2x2 until=block4`), by stage number − 1. */
  stages: string[];
}

/** `imported`: a block (or an ONNX node the import took); `failed`: an error names it; `notImported`: after a failure. */
export type GraphNodeState = 'imported' | 'failed' | 'notImported';

export interface GraphViewNode {
  /** `block3`; in a partial import the ONNX node's name (`…` for the nodes left after a failure). */
  name: string;
  /** `mbconv e6 k3 s2`, `Conv 3×3 s2`, `Transpose`, `250 nodes: MatMul ×40, Add ×30, …`. */
  label: string;
  /** The ONNX nodes it was imported from (at most a few, for the tooltip); empty for a .pnet block. */
  onnxNodes: string[];
  /** Output rows × columns × channels; null when unknown (or not an image). */
  out: [number, number, number] | null;
  /** The nodes it reads, in order, each once (−1: the network input). */
  sources: number[];
  /** The block adds its own input to its output (a shortcut fused into the block). */
  shortcut: boolean;
  state: GraphNodeState;
  /** The diagnostic that names a failed node; null otherwise. */
  why: string | null;
  /** A patch stage from the input may end after this block (one of the search's split points). */
  splitAfter: boolean;
  /** The current schedule's patch stage it runs in, one-based; 0 when it runs layer by layer. */
  stage: number;
  /** One-based line of the statement that made the block, to go to on a click; null on an .onnx page. */
  line: number | null;
}
