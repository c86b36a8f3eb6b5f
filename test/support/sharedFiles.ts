import * as fs from 'fs';
import * as path from 'path';

/**
 * Files of the workspace's shared folder (`../shared` beside the checkout: the real .tflite models,
 * TFLite Micro's runner). A clone without it skips the tests that need them and says so loudly; under
 * CI=true a missing file fails them.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/**
 * `../shared` from the repository root; a worktree one level further down (`wt/NAME`) finds the
 * same folder two levels up. PATCHWISE_SHARED names another place.
 */
export const sharedRoot = process.env.PATCHWISE_SHARED ?? [path.resolve(repoRoot, '..', 'shared'), path.resolve(repoRoot, '..', '..', 'shared')].find((d) => fs.existsSync(d)) ?? path.resolve(repoRoot, '..', 'shared');

/** The file's path, or the suite skipped (off CI) / failed (CI) when it is absent. */
export function sharedOrSkip(context: Mocha.Context, rel: string): string {
  const file = path.join(sharedRoot, rel);
  if (fs.existsSync(file)) return file;
  const why = `${file} is absent (the shared folder beside the checkout)`;
  if (process.env.CI === 'true') throw new Error(why);
  console.warn(`\n  SKIPPED (not on CI): ${why}\n`);
  context.skip();
}

/** The real int8 models of ../shared/models/tflite, with what the tests know of each. */
export const tfliteModels = {
  vww: 'models/tflite/vww_96_int8.tflite',
  resnet8: 'models/tflite/pretrainedResnet_quant.tflite',
  dscnn: 'models/tflite/kws_ref_model.tflite',
  person: 'models/tflite/person_detect.tflite',
  mcunet: 'models/tflite/mcunet-vww1.tflite',
  mobilenetv2: 'models/tflite/mobilenet_v2_quantized_1x3x224x224.tflite',
} as const;
