import { onnx } from 'onnx-proto';
import { Diagnostic, Range, rangeOf } from '../language/diagnostics';
import { Model } from '../model/ir';
import { buildQModel } from '../quant/fromParams';
import { QModel } from '../quant/qmodel';
import { readGraph, Reporter } from './onnxGraph';
import { OnnxQuantFormat, readOnnxQuant } from './onnxQuant';

/**
 * The firmware's int8 model of an imported ONNX model: its own quantized weights, scales and zero
 * points (QOperator or QDQ), or, for a float model, post-training quantization. Every layer uses
 * ONNX's requantization rule, so the bytes are onnxruntime's. Problems are diagnostics naming the
 * node, on `range` (the `from` string of the .pnet); nothing throws on a malformed model.
 */

export interface OnnxWeightsOptions {
  /** The int8 HWC input the reference and the firmware run on (default: the synthetic image). */
  image?: Int8Array;
  range?: Range;
}

export interface OnnxWeights {
  qm?: QModel;
  format?: OnnxQuantFormat;
  diagnostics: Diagnostic[];
}

export function quantizeOnnx(model: Model, bytes: Uint8Array, options: OnnxWeightsOptions = {}): OnnxWeights {
  const out = new Reporter(options.range ?? rangeOf(0, 0, 0));
  try {
    const graph = readGraph(bytes, out);
    if (!graph) return { diagnostics: out.diagnostics };
    const initializers = onnx.ModelProto.decode(bytes).graph?.initializer ?? [];
    const quant = readOnnxQuant(model, graph, initializers, out);
    if (out.errors > 0) return { format: quant.format, diagnostics: out.diagnostics };
    if (quant.format === 'float') {
      out.report('onnxUnsupportedOp', 'float', model.name, ': post-training quantization of float models comes next');
      return { format: quant.format, diagnostics: out.diagnostics };
    }
    const built = buildQModel(model, quant.params, quant.input!, quant.format, options.image);
    for (const p of built.problems) out.report('onnxShape', 'layer', p.layer, p.message);
    return { qm: built.qm, format: quant.format, diagnostics: out.diagnostics };
  } catch (error) {
    out.report('onnxMalformed', `reading the quantized weights failed (${error instanceof Error ? error.message : String(error)})`);
    return { diagnostics: out.diagnostics };
  }
}
