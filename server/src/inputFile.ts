import * as fs from 'fs';
import * as path from 'path';
import { Shape } from './core/model/ir';
import { TensorQuant } from './core/quant/qmodel';
import { decodeNetpbm, decodePng, Image, ImageError } from './calibration';

// `--input-file` of `reference` and `firmware` (and the editor's patchwise.inputFile setting): the
// int8 input the model runs on instead of its synthetic image. A .bin holds the input tensor's raw
// bytes as the model file lays them out (NCHW for a .tflite whose input a TRANSPOSE makes NHWC);
// an image (.bmp, .pgm, .ppm, .png) of the input's size is quantized with the model's own input
// parameters, its pixels spanning the real range they cover, (−128 − zp)·scale to (127 − zp)·scale:
// pixel p is the real lo + p·(hi − lo)/255, whose int8 is p − 128 whatever the scale (TFLite Micro's
// examples feed images that way).

export interface InputFile {
  /** HWC int8, the input's size. */
  input?: Int8Array;
  problem?: string;
}

export function readInputFile(file: string, shape: Shape, quant: TensorQuant, layout: 'nhwc' | 'nchw' = 'nhwc'): InputFile {
  const size = shape.h * shape.w * shape.c;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(file));
  } catch (error) {
    return { problem: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.bin') {
    if (bytes.length !== size) return { problem: `it has ${bytes.length} bytes; the ${shape.h}×${shape.w}×${shape.c} int8 input has ${size}` };
    const raw = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    return { input: layout === 'nchw' ? fromNchw(raw, shape) : raw.slice() };
  }
  try {
    const img = ext === '.bmp' ? decodeBmp(bytes) : ext === '.png' ? decodePng(bytes) : ext === '.pgm' || ext === '.ppm' ? decodeNetpbm(bytes) : undefined;
    if (!img) return { problem: 'expected a .bin of the input bytes or a .bmp, .pgm, .ppm or .png image' };
    if (img.w !== shape.w || img.h !== shape.h) return { problem: `the image is ${img.w}×${img.h}; the model's input is ${shape.w}×${shape.h} (width × height)` };
    return { input: quantizeImage(img, shape, quant) };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/** Pixels → int8 with the input's parameters; gray goes to every channel, RGB to gray as the mean. */
function quantizeImage(img: Image, shape: Shape, q: TensorQuant): Int8Array {
  const out = new Int8Array(shape.h * shape.w * shape.c);
  for (let p = 0; p < shape.h * shape.w; p++) {
    for (let k = 0; k < shape.c; k++) {
      const px = img.c === shape.c ? img.data[p * img.c + k] : img.c === 1 ? img.data[p] : (img.data[p * 3] + img.data[p * 3 + 1] + img.data[p * 3 + 2]) / 3;
      const lo = (-128 - q.zeroPoint) * q.scale;
      const real = lo + (px * (255 * q.scale)) / 255;
      out[p * shape.c + k] = Math.max(-128, Math.min(127, Math.round(real / q.scale) + q.zeroPoint));
    }
  }
  return out;
}

function fromNchw(x: Int8Array, s: Shape): Int8Array {
  const out = new Int8Array(x.length);
  for (let k = 0; k < s.c; k++) for (let y = 0; y < s.h; y++) for (let w = 0; w < s.w; w++) out[(y * s.w + w) * s.c + k] = x[(k * s.h + y) * s.w + w];
  return out;
}

/** Uncompressed BMP: 8-bit with a palette (gray when every entry is), 24- or 32-bit; rows bottom-up or top-down. */
export function decodeBmp(bytes: Uint8Array): Image {
  if (bytes.length < 54 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new ImageError('not a BMP file');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = v.getUint32(10, true);
  const header = v.getUint32(14, true);
  const w = v.getInt32(18, true);
  const rawH = v.getInt32(22, true);
  const bpp = v.getUint16(28, true);
  const compression = v.getUint32(30, true);
  const h = Math.abs(rawH);
  if (w < 1 || h < 1 || w > 1 << 14 || h > 1 << 14) throw new ImageError(`a ${w}×${rawH} image`);
  if (compression !== 0 || ![8, 24, 32].includes(bpp)) throw new ImageError(`${bpp}-bit BMP with compression ${compression} (8-, 24- and 32-bit uncompressed are read)`);
  const stride = Math.ceil((w * bpp) / 32) * 4;
  if (offset + stride * h > bytes.length) throw new ImageError('the pixel data runs past the end of the file');
  const colors = bpp === 8 ? v.getUint32(46, true) || 256 : 0;
  const palette = (i: number) => [2, 1, 0].map((k) => bytes[14 + header + 4 * i + k]);
  const gray = bpp === 8 && Array.from({ length: colors }, (_, i) => palette(i)).every(([r, g, b]) => r === g && g === b);
  const c = gray ? 1 : 3;
  const data = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) {
    const row = offset + stride * (rawH > 0 ? h - 1 - y : y);
    for (let x = 0; x < w; x++) {
      const rgb = bpp === 8 ? palette(bytes[row + x]) : [2, 1, 0].map((k) => bytes[row + x * (bpp / 8) + k]);
      if (gray) data[y * w + x] = rgb[0];
      else data.set(rgb, (y * w + x) * 3);
    }
  }
  return { w, h, c, data };
}
