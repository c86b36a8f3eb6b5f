import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readBounded } from '../server/src/boundedRead';
import { analyzeText } from '../server/src/core/engine';
import { limits } from '../server/src/core/limits';
import { nodeFileSystem } from '../server/src/nodeFileSystem';
import { repoRoot } from './helpers';

// Issue 15, item 4: every file is read as a regular file under a size bound, never /dev/zero (3 GiB
// in seconds before), a FIFO (which blocked) or a file larger than its limit.

describe('bounded file reads', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchwise-read-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file whole, up to its limit', () => {
    const file = path.join(dir, 'a.bin');
    fs.writeFileSync(file, Buffer.from([1, 2, 3]));
    const read = readBounded(file, 3);
    assert.ok('bytes' in read);
    assert.deepEqual([...read.bytes], [1, 2, 3]);
    assert.deepEqual(readBounded(file, 2), { error: '3 bytes; the limit is 2 bytes', refused: true });
  });

  it('refuses devices, directories and FIFOs without reading or blocking, and says ENOENT for a missing file', () => {
    assert.deepEqual(readBounded('/dev/zero', 1 << 20), { error: 'not a regular file (a character device)', refused: true });
    assert.deepEqual(readBounded(dir, 1 << 20), { error: 'not a regular file (a directory)', refused: true });
    const fifo = path.join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    assert.deepEqual(readBounded(fifo, 1 << 20), { error: 'not a regular file (a FIFO)', refused: true });
    assert.deepEqual(readBounded(path.join(dir, 'none'), 1 << 20), { error: 'ENOENT', refused: false });
  });

  it('a model from "/dev/zero" or from a file past the limit gets PW6006 at its from line; a missing one PW5001', () => {
    const sparse = path.join(dir, 'huge.onnx');
    fs.closeSync(fs.openSync(sparse, 'w'));
    fs.truncateSync(sparse, limits.fileBytes + 1); // sparse: nothing is written
    const at = (from: string) => analyzeText(`model m from "${from}"\ninput 8x8x3\n`, { fs: nodeFileSystem, basePath: path.join(dir, 'm.pnet') }).diagnostics;
    const zero = at('/dev/zero');
    assert.deepEqual(zero.map((d) => [d.code, d.range.start.line, d.message]), [['PW6006', 0, "cannot read '/dev/zero': not a regular file (a character device)"]]);
    assert.deepEqual(at('huge.onnx').map((d) => [d.code, d.message]), [['PW6006', `cannot read 'huge.onnx': ${limits.fileBytes + 1} bytes; the limit is ${limits.fileBytes} bytes`]]);
    assert.deepEqual(at('none.onnx').map((d) => d.code), ['PW5001']);
  });

  it('the CLI refuses /dev/zero as the model file and as its from file, exit 2, at once', () => {
    const model = path.join(dir, 'z.pnet');
    fs.writeFileSync(model, 'model z from "/dev/zero"\ninput 8x8x3\n');
    for (const file of ['/dev/zero', model]) {
      const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'patchwise'), 'analyze', file], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /PW6006/);
    }
  });
});
