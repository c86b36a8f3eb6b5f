import { QModel } from '../quant/qmodel';

/**
 * The preprocessor definitions a model's runtime is built with (the generated Makefile and
 * Patchwise's own build pass the same): without a layer under ONNX's float rule, the kernels'
 * float-rule instances are left out (`PW_FLOAT_RULE=0`, runtime/src/pw_math.h), 15 KB of code the
 * model would never call.
 */
export function runtimeDefines(qm: QModel): string[] {
  return qm.layers.some((q) => q.rule === 'onnx') ? [] : ['-DPW_FLOAT_RULE=0'];
}
