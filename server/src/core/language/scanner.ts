import { Diagnostic, diagnostic, Range, rangeOf } from './diagnostics';
import { shown } from './shown';

export type TokenKind = 'word' | 'equals' | 'string' | 'lbrace' | 'rbrace';

export interface Token {
  kind: TokenKind;
  /** The token's text; for strings, the contents without quotes. */
  text: string;
  range: Range;
}

/** One source line's tokens; lines without tokens (blank, comment only) are not returned. */
export interface ScannedLine {
  line: number;
  tokens: Token[];
}

const wordChar = /[A-Za-z0-9_.\-+/:@]/;

/**
 * Splits .pnet text into lines of tokens. Never throws: an unknown character or an unterminated
 * string becomes a diagnostic and scanning goes on with the next character or line.
 */
export function scan(text: string, diagnostics: Diagnostic[]): ScannedLine[] {
  const lines = text.split(/\r\n|\r|\n/);
  const result: ScannedLine[] = [];
  for (let line = 0; line < lines.length; line++) {
    const tokens = scanLine(lines[line], line, diagnostics);
    if (tokens.length > 0) result.push({ line, tokens });
  }
  return result;
}

function scanLine(source: string, line: number, diagnostics: Diagnostic[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '#') break;
    if (ch === ' ' || ch === '\t' || ch === ',' || ch === '\uFEFF') {
      i++;
    } else if (ch === '=' || ch === '{' || ch === '}') {
      const kind: TokenKind = ch === '=' ? 'equals' : ch === '{' ? 'lbrace' : 'rbrace';
      tokens.push({ kind, text: ch, range: rangeOf(line, i, i + 1) });
      i++;
    } else if (ch === '"') {
      const close = source.indexOf('"', i + 1);
      if (close < 0) {
        diagnostics.push(diagnostic('unterminatedString', rangeOf(line, i, source.length)));
        tokens.push({ kind: 'string', text: source.slice(i + 1), range: rangeOf(line, i, source.length) });
        break;
      }
      tokens.push({ kind: 'string', text: source.slice(i + 1, close), range: rangeOf(line, i, close + 1) });
      i = close + 1;
    } else if (wordChar.test(ch)) {
      const start = i;
      while (i < source.length && wordChar.test(source[i])) i++;
      tokens.push({ kind: 'word', text: source.slice(start, i), range: rangeOf(line, start, i) });
    } else {
      const start = i;
      while (i < source.length && isInvalid(source[i])) i++;
      diagnostics.push(diagnostic('invalidCharacter', rangeOf(line, start, i), printable(source.slice(start, i))));
    }
  }
  return tokens;
}

function isInvalid(ch: string): boolean {
  return !(wordChar.test(ch) || ' \t,#="{}'.includes(ch));
}

function printable(text: string): string {
  return shown(text, 12);
}
