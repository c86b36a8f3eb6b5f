import * as fs from 'fs';
import * as path from 'path';
import type { FileSystem } from './core/engine';

/**
 * The last files read, with the stat they were read at: the language server analyses a model on
 * every edit, and a model `from` a 5 MB ONNX file should not read and decode it again each time. The
 * same bytes object comes back while the file's mtime and size stay, so the engine's import memo
 * holds (a changed file is read again).
 */
const recent = new Map<string, { mtimeMs: number; size: number; bytes: Uint8Array }>();
const keep = 8;

/** The engine's file-system seam on Node: files a model names (`from "model.onnx"`), read from disk. */
export const nodeFileSystem: FileSystem = {
  readFile: (file) => {
    try {
      const stat = fs.statSync(file);
      const known = recent.get(file);
      if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.bytes;
      const bytes = new Uint8Array(fs.readFileSync(file));
      recent.delete(file);
      recent.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, bytes });
      if (recent.size > keep) recent.delete(recent.keys().next().value!);
      return bytes;
    } catch {
      return undefined;
    }
  },
  resolve: (base, rel) => path.resolve(path.dirname(base), rel),
};
