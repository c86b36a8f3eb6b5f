import * as fs from 'fs';
import * as path from 'path';
import { readBounded } from './boundedRead';
import { limits } from './core/limits';
import { inflateSync } from 'zlib';
import { Shape } from './core/model/ir';

// Calibration images for post-training quantization (`patchwise firmware m.pnet --calibration DIR`):
// every .ppm/.pgm (P2, P3, P5, P6, 8-bit) and .png (8-bit gray, RGB, gray+alpha, RGBA, palette;
// not interlaced) in a folder, resized (bilinear) to the model input, as float NCHW in [−1, 1):
// (pixel − 128) / 128, the range the synthetic calibration uses. Unreadable files are named.

export interface Image {
  w: number;
  h: number;
  /** Channels per pixel: 1 gray, 3 RGB (alpha dropped). */
  c: number;
  data: Uint8Array;
}

export class ImageError extends Error {}

/** Binary (P5, P6) or text (P2, P3) netpbm, maxval ≤ 255. */
export function decodeNetpbm(bytes: Uint8Array): Image {
  const magic = String.fromCharCode(bytes[0], bytes[1]);
  if (!['P2', 'P3', 'P5', 'P6'].includes(magic)) throw new ImageError(`not a PGM/PPM file (magic '${magic}')`);
  const c = magic === 'P3' || magic === 'P6' ? 3 : 1;
  let at = 2;
  const token = (): number => {
    for (;;) {
      while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at]))) at++;
      if (bytes[at] !== 0x23) break;
      while (at < bytes.length && bytes[at] !== 0x0a) at++;
    }
    const start = at;
    while (at < bytes.length && !/\s/.test(String.fromCharCode(bytes[at]))) at++;
    if (at - start > 10) throw new ImageError('a malformed header');
    const v = Number(String.fromCharCode(...bytes.subarray(start, at)));
    if (!Number.isInteger(v) || v < 0) throw new ImageError('a malformed header');
    return v;
  };
  const [w, h, max] = [token(), token(), token()];
  if (max < 1 || max > 255) throw new ImageError(`maxval ${max}: only 8-bit images are read`);
  const n = w * h * c;
  checkPixels(n);
  const data = new Uint8Array(n);
  if (magic === 'P5' || magic === 'P6') {
    const body = bytes.subarray(at + 1, at + 1 + n);
    if (body.length < n) throw new ImageError(`${body.length} bytes of pixels for ${w}x${h}x${c}`);
    body.forEach((v, i) => (data[i] = Math.round((v * 255) / max)));
  } else {
    for (let i = 0; i < n; i++) data[i] = Math.round((token() * 255) / max);
  }
  return { w, h, c, data };
}

const pngChannels: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A header may claim any size: refuse images larger than the file limit before allocating them. */
function checkPixels(bytes: number): void {
  if (!(bytes <= limits.imageBytes)) throw new ImageError(`${bytes} bytes of pixels; the limit is ${limits.imageBytes} bytes`);
}

export function decodePng(bytes: Uint8Array): Image {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || view.getUint32(0) !== 0x89504e47) throw new ImageError('not a PNG file');
  let at = 8;
  let header: { w: number; h: number; depth: number; type: number; interlace: number } | undefined;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (body.length < length) throw new ImageError(`a truncated ${type} chunk`);
    if (type === 'IHDR') header = { w: view.getUint32(at + 8), h: view.getUint32(at + 12), depth: body[8], type: body[9], interlace: body[12] };
    if (type === 'PLTE') palette = body;
    if (type === 'IDAT') idat.push(body);
    if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!header) throw new ImageError('no IHDR chunk');
  const channels = pngChannels[header.type];
  if (header.depth !== 8 || !channels) throw new ImageError(`bit depth ${header.depth}, color type ${header.type}: only 8-bit images are read`);
  if (header.interlace !== 0) throw new ImageError('interlaced PNGs are not read');
  if (header.type === 3 && !palette) throw new ImageError('a palette image without PLTE');
  checkPixels(header.w * header.h * 4);
  // The inflated data is bounded too: a small zlib bomb must not fill the memory.
  const raw = inflateSync(Buffer.concat(idat), { maxOutputLength: header.h * (header.w * channels + 1) + 1 });
  const stride = header.w * channels;
  if (raw.length < header.h * (stride + 1)) throw new ImageError('the image data is truncated');
  const px = new Uint8Array(header.h * stride);
  for (let y = 0; y < header.h; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new ImageError(`filter type ${filter}`);
      px[y * stride + x] = (v + predictor) & 0xff;
    }
  }
  const c = header.type === 2 || header.type === 3 || header.type === 6 ? 3 : 1;
  const data = new Uint8Array(header.w * header.h * c);
  for (let p = 0; p < header.w * header.h; p++) {
    for (let k = 0; k < c; k++) data[p * c + k] = header.type === 3 ? palette![px[p] * 3 + k] : px[p * channels + k];
  }
  return { w: header.w, h: header.h, c, data };
}

/** Bilinear resize to the model input, channels matched (gray ↔ RGB), as float NCHW in [−1, 1). */
function toInput(img: Image, shape: Shape): Float32Array {
  const out = new Float32Array(shape.c * shape.h * shape.w);
  const sample = (x: number, y: number, k: number) => {
    const pixel = (y * img.w + x) * img.c;
    if (img.c === shape.c) return img.data[pixel + k];
    if (img.c === 1) return img.data[pixel];
    return (img.data[pixel] + img.data[pixel + 1] + img.data[pixel + 2]) / 3;
  };
  for (let y = 0; y < shape.h; y++) {
    const sy = Math.max(0, Math.min(img.h - 1, ((y + 0.5) * img.h) / shape.h - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(img.h - 1, y0 + 1);
    for (let x = 0; x < shape.w; x++) {
      const sx = Math.max(0, Math.min(img.w - 1, ((x + 0.5) * img.w) / shape.w - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(img.w - 1, x0 + 1);
      for (let k = 0; k < shape.c; k++) {
        const top = sample(x0, y0, k) * (1 - (sx - x0)) + sample(x1, y0, k) * (sx - x0);
        const bottom = sample(x0, y1, k) * (1 - (sx - x0)) + sample(x1, y1, k) * (sx - x0);
        out[(k * shape.h + y) * shape.w + x] = ((top * (1 - (sy - y0)) + bottom * (sy - y0)) - 128) / 128;
      }
    }
  }
  return out;
}

export interface CalibrationImages {
  inputs: Float32Array[];
  /** `file: why` for every image that could not be read (and the folder itself). */
  problems: string[];
}

/** The calibration inputs of a folder (sorted by name, so runs are repeatable). */
export function readCalibrationFolder(dir: string, shape: Shape): CalibrationImages {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /\.(ppm|pgm|png)$/i.test(n)).sort();
  } catch (error) {
    return { inputs: [], problems: [`${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`] };
  }
  if (names.length === 0) return { inputs: [], problems: [`${dir}: no .ppm, .pgm or .png images`] };
  const inputs: Float32Array[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      const read = readBounded(path.join(dir, name), limits.imageBytes);
      if ('error' in read) throw new ImageError(read.error);
      const bytes = read.bytes;
      const img = /\.png$/i.test(name) ? decodePng(bytes) : decodeNetpbm(bytes);
      if (img.w < 1 || img.h < 1) throw new ImageError('an empty image');
      inputs.push(toInput(img, shape));
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { inputs, problems };
}
