import { strict as assert } from 'assert';
import { calibrationFlags, inputFileFlags } from '../../client/src/firmwareFlags';

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

describe('Generate Firmware: the input file setting', () => {
  it('becomes --input-file resolved against the model, for any model; empty leaves it out', () => {
    assert.deepEqual(inputFileFlags('/ws/models/person.pnet', 'testdata/person.bmp'), ['--input-file', '/ws/models/testdata/person.bmp']);
    assert.deepEqual(inputFileFlags('/ws/m.pnet', ' /data/x.bin '), ['--input-file', '/data/x.bin']);
    assert.deepEqual(inputFileFlags('/ws/m.pnet', ''), []);
    assert.deepEqual(inputFileFlags('/ws/m.pnet', undefined), []);
  });
});
