import { formatKiB } from '../units';
import { DocumentAnalysis } from './document';
import { CodeLens, DocumentSymbol, InlayHint } from './types';
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

/** Above each block line: its peak and the share of the budget (one lens per line for repeats). */
export function findCodeLenses(doc: DocumentAnalysis): CodeLens[] {
  const report = doc.analysis.report;
  if (!report) return [];
  const budget = report.target.sramBytes;
  const byLine = new Map<number, typeof report.blocks>();
  for (const b of report.blocks) {
    const same = byLine.get(b.line - 1);
    if (same) same.push(b);
    else byLine.set(b.line - 1, [b]);
  }
  return [...byLine].map(([line, blocks]) => {
    const peak = blocks.reduce((a, b) => (b.peakBytes > a.peakBytes ? b : a));
    const which = blocks.length > 1 ? `blocks ${blocks[0].index}–${blocks[blocks.length - 1].index}` : `block ${peak.index}`;
    const staged = blocks.filter((b) => b.inPatchStage);
    const stage = staged.length === 0 ? '' : staged.length === blocks.length ? ' · patch stage' : ` · ${staged.map((b) => `block ${b.index}`).join(', ')} in the patch stage`;
    const over = peak.peakBytes > budget ? ' · over budget' : '';
    return { range: statementRange(doc, line), title: `${which}: peak ${formatKiB(peak.peakBytes)} · ${Math.round((100 * peak.peakBytes) / budget)}% of budget${stage}${over}`, block: peak.index };
  });
}

/** Output shapes at the end of each block line. */
export function findInlayHints(doc: DocumentAnalysis): InlayHint[] {
  const report = doc.analysis.report;
  if (!report) return [];
  const lastByLine = new Map<number, (typeof report.blocks)[number]>();
  for (const b of report.blocks) lastByLine.set(b.line - 1, b);
  return [...lastByLine].map(([line, b]) => ({
    position: statementRange(doc, line).end,
    label: ` → ${b.out.join('×')}`,
    tooltip: `output of block ${b.index}`,
  }));
}
