import * as fs from 'fs';
import * as path from 'path';
import { formatReport, formatSearch } from '../server/src/cliFormat';
import { analyzeText, optimizeText } from '../server/src/core/engine';
import { checkBaselines } from './baselines';
import { readExample, repoRoot } from './helpers';

describe('report baselines', () => {
  const examples = fs.readdirSync(path.join(repoRoot, 'examples')).filter((f) => f.endsWith('.pnet')).sort();
  for (const example of examples) {
    const base = example.replace(/\.pnet$/, '');
    it(`analyze and optimize ${example}`, () => {
      const text = readExample(example);
      const report = analyzeText(text).report!;
      const { search } = optimizeText(text);
      checkBaselines({
        [`${base}.analyze.txt`]: formatReport(report) + '\n',
        [`${base}.analyze.json`]: JSON.stringify(report, null, 2) + '\n',
        [`${base}.optimize.txt`]: formatSearch(report.model, search!, report) + '\n',
      });
    });
  }
});
