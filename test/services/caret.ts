import { Position } from '../../server/src/core/language/diagnostics';
import { DocumentAnalysis, getLanguageService, Settings } from '../../server/src/core/services/languageService';

export const service = getLanguageService();

/** Text with one `|` marking the caret → the analysed document (caret removed) and the position. */
export function atCaret(marked: string, settings?: Settings): { doc: DocumentAnalysis; position: Position } {
  const offset = marked.indexOf('|');
  if (offset < 0) throw new Error('no | caret in the text');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const before = text.slice(0, offset).split('\n');
  return { doc: service.analyze(text, settings), position: { line: before.length - 1, character: before[before.length - 1].length } };
}

export function completionsAt(marked: string): string[] {
  const { doc, position } = atCaret(marked);
  return service.doComplete(doc, position).map((c) => c.label);
}

export function hoverAt(marked: string, settings?: Settings): string {
  const { doc, position } = atCaret(marked, settings);
  return service.doHover(doc, position)?.contents ?? '';
}
