import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deflateSync } from 'zlib';
import { readCalibrationFolder } from '../../server/src/calibration';
import { Random } from '../../server/src/core/quant/random';
import { buildFirmware } from '../../server/src/firmware';
import { floatModel, inputDims } from './quantModels';

// Post-training quantization calibrated on a folder of images (--calibration DIR): PPM, PGM and PNG
// read and resized to the model input, unreadable files named; the QDQ export (--export-qdq) loads
// in onnxruntime.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node');

function ppm(w: number, h: number, rgb: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`P6\n# a comment\n${w} ${h}\n255\n`), Buffer.from(rgb)]);
}

function pgm(w: number, h: number, gray: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`P5 ${w} ${h} 255\n`), Buffer.from(gray)]);
}

/** A PNG (RGB, 8-bit) whose rows use every filter type in turn. */
function png(w: number, h: number, rgb: Uint8Array): Buffer {
  const stride = w * 3;
  const raw = Buffer.alloc(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const filter = y % 5;
    raw[y * (stride + 1)] = filter;
    for (let x = 0; x < stride; x++) {
      const a = x >= 3 ? rgb[y * stride + x - 3] : 0;
      const b = y > 0 ? rgb[(y - 1) * stride + x] : 0;
      const c = x >= 3 && y > 0 ? rgb[(y - 1) * stride + x - 3] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      raw[y * (stride + 1) + 1 + x] = (rgb[y * stride + x] - [0, a, b, (a + b) >> 1, paeth][filter]) & 0xff;
    }
  }
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

describe('calibration images and the QDQ export', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-calib-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads PPM, PGM and PNG (every filter type) resized to the model input; a PNG equals the PPM of the same pixels', () => {
    const rng = new Random(5);
    const [w, h] = [23, 19];
    const rgb = Uint8Array.from({ length: w * h * 3 }, () => rng.int(0, 255));
    const folder = path.join(dir, 'images');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.ppm'), ppm(w, h, rgb));
    fs.writeFileSync(path.join(folder, 'b.pgm'), pgm(w, h, rgb.subarray(0, w * h)));
    fs.writeFileSync(path.join(folder, 'c.png'), png(w, h, rgb));
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
    const shape = { h: inputDims[2], w: inputDims[3], c: inputDims[1] };
    const images = readCalibrationFolder(folder, shape);
    assert.deepEqual(images.problems, []);
    assert.equal(images.inputs.length, 3);
    assert.equal(images.inputs[0].length, shape.h * shape.w * shape.c);
    assert.deepEqual(images.inputs[2], images.inputs[0]);
    assert.ok(images.inputs[0].every((v) => v >= -1 && v < 1));
    // Gray replicated into the three channels.
    const plane = shape.h * shape.w;
    assert.deepEqual(images.inputs[1].subarray(0, plane), images.inputs[1].subarray(2 * plane));
  });

  it('--calibration DIR changes the quantization, the firmware still equals the reference; --export-qdq loads in onnxruntime; bad images are named', async () => {
    fs.writeFileSync(path.join(dir, 'float.onnx'), floatModel(21));
    const text = 'model float from "float.onnx"\n';
    const file = path.join(dir, 'float.pnet');
    const exported = path.join(dir, 'float.qdq.onnx');
    const synthetic = buildFirmware({ file, text, run: 'host' });
    const calibrated = buildFirmware({ file, text, run: 'host', calibration: path.join(dir, 'images'), exportQdq: exported });
    for (const r of [synthetic, calibrated]) {
      assert.deepEqual(r.diagnostics, []);
      assert.equal(r.report?.matchesReference, true, JSON.stringify(r.failure));
    }
    assert.notEqual(calibrated.reference!.checksum, synthetic.reference!.checksum, 'the images changed the activation ranges');
    const session = await ort.InferenceSession.create(fs.readFileSync(exported));
    try {
      const result = await session.run({ input: new ort.Tensor('float32', new Float32Array(3 * 16 * 16), inputDims) });
      assert.deepEqual(result.output.dims, [1, 10]);
    } finally {
      await session.release();
    }
    const broken = path.join(dir, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'x.png'), Buffer.from('not a png at all'));
    fs.writeFileSync(path.join(broken, 'y.ppm'), Buffer.from('P6\n4 4\n65535\n'));
    const refused = buildFirmware({ file, text, calibration: broken });
    const messages = refused.diagnostics.map((d) => d.message).join('\n');
    assert.match(messages, /x\.png: not a PNG file/);
    assert.match(messages, /y\.ppm: maxval 65535/);
  });
});
