import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { formatReport, formatSearch } from '../server/src/cliFormat';
import { analyzeText, optimizeText } from '../server/src/core/engine';
import { readExample, repoRoot } from './helpers';

// Golden baselines of the reports for every bundled example: written to test/baselines/local/,
// compared with test/baselines/reference/. Accept a reviewed change with `npm run baselines:accept`.
const local = path.join(repoRoot, 'test', 'baselines', 'local');
const reference = path.join(repoRoot, 'test', 'baselines', 'reference');

/** Writes every output first, so that one accept takes them all, then compares. */
function check(outputs: Record<string, string>): void {
  fs.mkdirSync(local, { recursive: true });
  for (const [name, text] of Object.entries(outputs)) fs.writeFileSync(path.join(local, name), text);
  for (const [name, text] of Object.entries(outputs)) compare(name, text);
}

function compare(name: string, text: string): void {
  const expectedPath = path.join(reference, name);
  assert.ok(fs.existsSync(expectedPath), `no reference for ${name}: review test/baselines/local/${name}, then npm run baselines:accept`);
  assert.equal(text, fs.readFileSync(expectedPath, 'utf8'), `${name} differs from its reference: diff test/baselines/{local,reference}/${name}`);
}

describe('report baselines', () => {
  const examples = fs.readdirSync(path.join(repoRoot, 'examples')).filter((f) => f.endsWith('.pnet')).sort();
  for (const example of examples) {
    const base = example.replace(/\.pnet$/, '');
    it(`analyze and optimize ${example}`, () => {
      const text = readExample(example);
      const report = analyzeText(text).report!;
      const { search } = optimizeText(text);
      check({
        [`${base}.analyze.txt`]: formatReport(report) + '\n',
        [`${base}.analyze.json`]: JSON.stringify(report, null, 2) + '\n',
        [`${base}.optimize.txt`]: formatSearch(report.model, search!, report) + '\n',
      });
    });
  }
});
