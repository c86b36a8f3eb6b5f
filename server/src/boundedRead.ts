import * as fs from 'fs';

/** `refused`: a limit said no (not a regular file, too large), not the system (ENOENT, EACCES). */
export type BoundedRead = { bytes: Uint8Array; mtimeMs: number } | { error: string; refused: boolean };

/**
 * Reads a regular file of at most `maxBytes`, refusing anything else with a reason: /dev/zero, a
 * FIFO or a socket would otherwise be read without end (or block), and a huge file would be read
 * whole. Opened non-blocking so that opening a FIFO does not wait for a writer; at most `maxBytes`
 * + 1 bytes are ever read, even from a file that grows meanwhile.
 */
export function readBounded(file: string, maxBytes: number): BoundedRead {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    return { error: reason(error), refused: false };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { error: `not a regular file (${kindOf(stat)})`, refused: true };
    if (stat.size > maxBytes) return { error: `${stat.size} bytes; the limit is ${maxBytes} bytes`, refused: true };
    const bytes = new Uint8Array(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < bytes.length; length += n) n = fs.readSync(fd, bytes, length, bytes.length - length, null);
    if (length > maxBytes) return { error: `more than ${maxBytes} bytes (the file grew while read); the limit is ${maxBytes} bytes`, refused: true };
    return { bytes: bytes.subarray(0, length), mtimeMs: stat.mtimeMs };
  } catch (error) {
    return { error: reason(error), refused: false };
  } finally {
    fs.closeSync(fd);
  }
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

function reason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
