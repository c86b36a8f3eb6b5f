import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runtimeDirectory } from '../../server/src/firmware';

/** Compiles the runtime once into an archive (portable path, or the DSP path emulated). */
export function buildArchive(dir: string, name: string, flags: string[]): string {
  const runtime = runtimeDirectory();
  const sources = fs.readdirSync(path.join(runtime, 'src')).filter((f) => f.endsWith('.c'));
  const objects = sources.map((f) => {
    const object = path.join(dir, `${name}-${f}.o`);
    const cc = spawnSync('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', ...flags, '-I', path.join(runtime, 'include'), '-I', path.join(runtime, 'src'), '-c', path.join(runtime, 'src', f), '-o', object], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    return object;
  });
  const archive = path.join(dir, `lib${name}.a`);
  const ar = spawnSync('ar', ['rcs', archive, ...objects], { encoding: 'utf8' });
  assert.equal(ar.status, 0, ar.stderr);
  return archive;
}

