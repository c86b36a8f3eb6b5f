import { onnx } from 'onnx-proto';
import { Diagnostic, Range, rangeOf } from '../language/diagnostics';
import { Model } from '../model/ir';
import { buildQModel } from '../quant/fromParams';
import { QModel } from '../quant/qmodel';
import { modelSeed } from '../quant/params';
import { Reporter } from './onnxGraph';
import { postTrainingQuantize, syntheticCalibration } from './onnxPtq';
import { OnnxQuantFormat, QuantGraph, readOnnxQuant } from './onnxQuant';
import { loadReference } from './onnxReference';

/**
 * The firmware's int8 model of an imported ONNX model: its own quantized weights, scales and zero
 * points (QOperator or QDQ), or, for a float model, post-training quantization (onnxPtq.ts). Every layer uses
 * ONNX's requantization rule, so the bytes are onnxruntime's. Problems are diagnostics naming the
 * node, on `range` (the `from` string of the .pnet); nothing throws on a malformed model.
 */

export interface OnnxWeightsOptions {
  /** The int8 HWC input the reference and the firmware run on (default: the synthetic image). */
  image?: Int8Array;
  /** Float models: calibration inputs, NCHW float32 (default: a few synthetic images in [−1, 1)). */
  calibration?: Float32Array[];
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
    const loaded = loadReference(bytes);
    loaded.diagnostics.forEach((d) => out.diagnostics.push({ ...d, range: options.range ?? d.range }));
    if (!loaded.model) return { diagnostics: out.diagnostics };
    const g = new QuantGraph(loaded.model.graph, onnx.ModelProto.decode(bytes).graph?.initializer ?? [], out);
    const quant = readOnnxQuant(model, g, out);
    if (out.errors > 0) return { format: quant.format, diagnostics: out.diagnostics };
    const calibration = options.calibration ?? syntheticCalibration(model.input.shape, modelSeed(model));
    const ptq = quant.format === 'float' ? postTrainingQuantize(model, g, loaded.model, calibration, out) : undefined;
    const params = ptq?.params ?? quant.params;
    const input = ptq?.input ?? quant.input;
    if (out.errors > 0 || !input) return { format: quant.format, diagnostics: out.diagnostics };
    const built = buildQModel(model, params, input, quant.format === 'float' ? 'ptq' : quant.format, options.image, ptq?.outputs);
    for (const p of built.problems) out.report('onnxQuantization', 'layer', p.layer, p.message);
    return { qm: built.qm, format: quant.format, diagnostics: out.diagnostics };
  } catch (error) {
    out.report('onnxMalformed', `reading the quantized weights failed (${error instanceof Error ? error.message : String(error)})`);
    return { diagnostics: out.diagnostics };
  }
}
