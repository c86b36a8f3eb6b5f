import * as fs from 'fs';
import * as path from 'path';
import type { FileSystem } from './core/engine';

/** The engine's file-system seam on Node: files a model names (`from "model.onnx"`), read from disk. */
export const nodeFileSystem: FileSystem = {
  readFile: (file) => {
    try {
      return new Uint8Array(fs.readFileSync(file));
    } catch {
      return undefined;
    }
  },
  resolve: (base, rel) => path.resolve(path.dirname(base), rel),
};
