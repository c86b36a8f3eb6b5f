import * as fs from 'fs';
import * as path from 'path';
import { readBounded } from './boundedRead';
import type { FileSystem } from './core/engine';
import { limits } from './core/limits';

/**
 * The last files read, with the stat they were read at: the language server analyses a model on
 * every edit, and a model `from` a 5 MB ONNX file should not read and decode it again each time. The
 * same bytes object comes back while the file's mtime and size stay, so the engine's import memo
 * holds (a changed file is read again).
 */
const recent = new Map<string, { mtimeMs: number; size: number; bytes: Uint8Array }>();
const keep = 8;
/** Why the last read of a path failed (the engine's diagnostic says it). */
const failures = new Map<string, string>();

/**
 * The engine's file-system seam on Node: files a model names (`from "model.onnx"`), read from disk,
 * regular files of at most limits.fileBytes only (PW6006).
 */
export const nodeFileSystem: FileSystem = {
  readFile: (file) => {
    failures.delete(file);
    try {
      const stat = fs.statSync(file);
      const known = recent.get(file);
      if (known && stat.isFile() && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.bytes;
    } catch {
      // Not there (or not statable): readBounded says why.
    }
    const read = readBounded(file, limits.fileBytes);
    if ('error' in read) {
      if (read.refused) failures.set(file, read.error);
      if (failures.size > keep) failures.delete(failures.keys().next().value!);
      return undefined;
    }
    recent.delete(file);
    recent.set(file, { mtimeMs: read.mtimeMs, size: read.bytes.length, bytes: read.bytes });
    if (recent.size > keep) recent.delete(recent.keys().next().value!);
    return read.bytes;
  },
  whyUnread: (file) => failures.get(file),
  resolve: (base, rel) => path.resolve(path.dirname(base), rel),
};
