import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from './helpers';

// Golden baselines: outputs are written to test/baselines/local/ and compared with
// test/baselines/reference/. Accept a reviewed change with `npm run baselines:accept`.
const local = path.join(repoRoot, 'test', 'baselines', 'local');
const reference = path.join(repoRoot, 'test', 'baselines', 'reference');

/** Writes every output first, so that one accept takes them all, then compares. */
export function checkBaselines(outputs: Record<string, string>): void {
  fs.mkdirSync(local, { recursive: true });
  for (const [name, text] of Object.entries(outputs)) fs.writeFileSync(path.join(local, name), text);
  for (const [name, text] of Object.entries(outputs)) {
    const expectedPath = path.join(reference, name);
    assert.ok(fs.existsSync(expectedPath), `no reference for ${name}: review test/baselines/local/${name}, then npm run baselines:accept`);
    assert.equal(text, fs.readFileSync(expectedPath, 'utf8'), `${name} differs from its reference: diff test/baselines/{local,reference}/${name}`);
  }
}
