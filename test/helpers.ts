import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeText, Analysis, AnalyzeOptions } from '../server/src/core/engine';
import { Diagnostic, Range } from '../server/src/core/language/diagnostics';

/** The repository root: tests run compiled from out/test/. */
export const repoRoot = path.resolve(__dirname, '..', '..');

export function readExample(name: string): string {
  return fs.readFileSync(path.join(repoRoot, 'examples', name), 'utf8');
}

/** Analyses text that must build a model; fails the test with the diagnostics otherwise. */
export function analyzeOk(text: string, options?: AnalyzeOptions): Required<Pick<Analysis, 'model' | 'report'>> & Analysis {
  const analysis = analyzeText(text, options);
  if (!analysis.model || !analysis.report || analysis.hasErrors) {
    throw new Error(`expected a valid model, got:\n${analysis.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  }
  return analysis as Required<Pick<Analysis, 'model' | 'report'>> & Analysis;
}

/** `layers` alternating dwconv k=3 / conv k=1 lines after `header`: the deep chains of the size and bound tests. */
export function chainModel(layers: number, header = ['model chain', 'input 64x64x16', 'target stm32f746']): string {
  const lines = [...header];
  const conv = `conv out=${/x(\d+)$/.exec(header.find((l) => l.startsWith('input')) ?? '')?.[1] ?? 16} k=1`;
  for (let i = 0; i < layers; i++) lines.push(i % 2 ? conv : 'dwconv k=3');
  return lines.join('\n');
}

/** The source text a diagnostic's range covers (single-line ranges). */
export function covered(text: string, range: Range): string {
  return text.split('\n')[range.start.line].slice(range.start.character, range.end.character);
}

/** The one diagnostic with `code` the analysis of `text` gives; fails the test unless there is exactly one. */
export function onlyDiagnostic(text: string, code: string): Diagnostic {
  const all = analyzeText(text).diagnostics;
  const found = all.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(all.map((d) => `${d.code} ${d.message}`))}`);
  return found[0];
}

/** One test per [what, lines after `header`, code, text the diagnostic's range covers]. */
export function diagnosticCases(header: string, cases: readonly (readonly [string, string, string, string])[]): void {
  for (const [what, body, code, text] of cases) {
    it(`${code} ${what}`, () => {
      const source = header + body + '\n';
      const d = onlyDiagnostic(source, code);
      assert.equal(covered(source, d.range), text);
      assert.ok(d.message.length > 10, d.message);
    });
  }
}
