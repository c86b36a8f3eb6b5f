import { QModel } from '../quant/qmodel';
import { isWideFc } from './fcLayout';

/**
 * The preprocessor definitions a model's runtime is built with (the generated Makefile and
 * Patchwise's own build pass the same): without a layer under ONNX's float rule, the kernels'
 * float-rule instances are left out (`PW_FLOAT_RULE=0`, runtime/src/pw_math.h), 15 KB of code the
 * model would never call; without a small fully connected layer, pw_run_step leaves out
 * pw_fc_wide_s8 (`PW_FC_WIDE=0`, 2.5 KB).
 */
export function runtimeDefines(qm: QModel): string[] {
  return [...(qm.layers.some((q) => q.rule === 'onnx') ? [] : ['-DPW_FLOAT_RULE=0']), ...(qm.layers.some(isWideFc) ? [] : ['-DPW_FC_WIDE=0'])];
}
