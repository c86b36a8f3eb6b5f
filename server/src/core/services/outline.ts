import { formatKiB } from '../units';
import { DocumentAnalysis } from './document';
import { CodeLens, DocumentSymbol, InlayHint, Settings } from './types';
import { statementRange } from './validation';

/** The outline: the model's statements, its blocks and their layers. */
export function findDocumentSymbols(doc: DocumentAnalysis): DocumentSymbol[] {
  const { ast, model } = doc.analysis;
  const symbols: DocumentSymbol[] = [];
  const statement = (name: string, detail: string, line: number | undefined) => {
    if (line === undefined) return;
    const range = statementRange(doc, line);
    symbols.push({ name, detail, kind: 'statement', range, selectionRange: range, children: [] });
  };
  statement('input', ast.input ? `${ast.input.h}×${ast.input.w}×${ast.input.c}` : '', ast.input?.range.start.line);
  statement('target', ast.target?.text ?? '', ast.target?.range.start.line);
  statement('budget', '', ast.budget?.range.start.line);
  for (const block of model?.blocks ?? []) {
    const range = block.range.start.line === block.range.end.line ? statementRange(doc, block.line) : block.range;
    const layers = model!.layers.slice(block.firstLayer, block.endLayer).map((l): DocumentSymbol => {
      const r = statementRange(doc, l.line);
      return { name: l.name, detail: `${l.output.h}×${l.output.w}×${l.output.c}`, kind: 'layer', range: r, selectionRange: r, children: [] };
    });
    symbols.push({ name: `block ${block.index}: ${block.label}`, detail: `${block.output.h}×${block.output.w}×${block.output.c}`, kind: 'block', range, selectionRange: statementRange(doc, block.line), children: layers });
  }
  statement('schedule', ast.schedule?.patch ? `patch=${ast.schedule.patch.join('x')} until=${ast.schedule.until?.text ?? ''}` : '', ast.schedule?.line);
  return symbols;
}

/**
 * Lenses on block lines: their peak and the share of the budget (one lens per line for repeats).
 * Quiet by default (a lens on every line doubles a model's height): one summary lens on the model
 * line, and the lines of blocks over the budget; `codeLens.blocks` puts one on every block line.
 */
export function findCodeLenses(doc: DocumentAnalysis, settings: Settings = {}): CodeLens[] {
  const report = doc.analysis.report;
  if (!report) return [];
  const budget = report.target.sramBytes;
  const byLine = new Map<number, typeof report.blocks>();
  for (const b of report.blocks) {
    const same = byLine.get(b.line - 1);
    if (same) same.push(b);
    else byLine.set(b.line - 1, [b]);
  }
  const lenses = [...byLine].map(([line, blocks]) => {
    const peak = blocks.reduce((a, b) => (b.peakBytes > a.peakBytes ? b : a));
    const which = blocks.length > 1 ? `blocks ${blocks[0].index}–${blocks[blocks.length - 1].index}` : `block ${peak.index}`;
    const staged = blocks.filter((b) => b.inPatchStage);
    const stage = staged.length === 0 ? '' : staged.length === blocks.length ? ' · patch stage' : ` · ${staged.map((b) => `block ${b.index}`).join(', ')} in the patch stage`;
    const over = peak.peakBytes > budget ? ' · over budget' : '';
    return { range: statementRange(doc, line), title: `${which}: peak ${formatKiB(peak.peakBytes)} · ${Math.round((100 * peak.peakBytes) / budget)}% of budget${stage}${over}`, block: peak.index, over: over !== '' };
  });
  if (settings.codeLens?.blocks) return lenses.map(({ over: _, ...lens }) => lens);
  const modelLine = doc.analysis.ast.name?.range.start.line;
  const summary: CodeLens[] = modelLine === undefined || byLine.has(modelLine) ? [] : [{
    range: statementRange(doc, modelLine),
    title: `peak ${formatKiB(report.peakBytes)} · ${Math.round((100 * report.peakBytes) / budget)}% of budget (block ${report.peakBlock})`,
    block: report.peakBlock,
  }];
  // A model from an ONNX file has all its blocks on the model line: that lens is the summary.
  const kept = lenses.filter((l) => l.over || (modelLine !== undefined && l.range.start.line === modelLine) || (modelLine === undefined && l === lenses[0]));
  return [...summary, ...kept.map(({ over: _, ...lens }) => lens)];
}

/** Output shapes at the end of each block line, when `inlayHints.shapes` is on (the hover has them too). */
export function findInlayHints(doc: DocumentAnalysis, settings: Settings = {}): InlayHint[] {
  const report = doc.analysis.report;
  if (!report || !settings.inlayHints?.shapes) return [];
  const lastByLine = new Map<number, (typeof report.blocks)[number]>();
  for (const b of report.blocks) lastByLine.set(b.line - 1, b);
  return [...lastByLine].map(([line, b]) => ({
    position: statementRange(doc, line).end,
    label: ` → ${b.out.join('×')}`,
    tooltip: `output of block ${b.index}`,
  }));
}
