import { strict as assert } from 'assert';
import { calibrationFlags } from '../../client/src/firmwareFlags';

// Generate Firmware passes the calibration folder setting to the CLI only for ONNX models.
describe('Generate Firmware: the calibration images setting', () => {
  const onnxModel = '# a float model\nmodel cls from "cls.onnx"\ninput 48x192x3\n';
  it('becomes --calibration with the folder resolved against the model, for a model from ONNX', () => {
    assert.deepEqual(calibrationFlags(onnxModel, '/ws/models/cls.pnet', 'images'), ['--calibration', '/ws/models/images']);
    assert.deepEqual(calibrationFlags(onnxModel, '/ws/models/cls.pnet', ' /data/calib '), ['--calibration', '/data/calib']);
  });

  it('is left out when the setting is empty, or for a hand-written model', () => {
    assert.deepEqual(calibrationFlags(onnxModel, '/ws/cls.pnet', ''), []);
    assert.deepEqual(calibrationFlags(onnxModel, '/ws/cls.pnet', undefined), []);
    assert.deepEqual(calibrationFlags('model m\ninput 8x8x3\nconv out=8\n# from "x.onnx" in a comment\n', '/ws/m.pnet', 'images'), []);
  });
});
