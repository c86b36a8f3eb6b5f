import * as path from 'path';

/**
 * `--calibration DIR` for Generate Firmware: only for a model that takes its layers from an ONNX
 * file (the CLI refuses it otherwise), the setting's folder resolved against the model's folder.
 */
/** `--input-file FILE` for Generate Firmware: the patchwise.inputFile setting, resolved against the model's folder. */
export function inputFileFlags(modelFile: string, setting: string | undefined): string[] {
  const file = setting?.trim();
  return file ? ['--input-file', path.resolve(path.dirname(modelFile), file)] : [];
}

export function calibrationFlags(modelText: string, modelFile: string, setting: string | undefined): string[] {
  const folder = setting?.trim();
  if (!folder || !/^\s*model\s+\S+\s+from\s+"/m.test(modelText)) return [];
  return ['--calibration', path.resolve(path.dirname(modelFile), folder)];
}
