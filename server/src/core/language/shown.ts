// Text from a file (ONNX node and tensor names, a model's stray characters) shown in a message or a
// report: a terminal would run its ANSI escapes, an editor would break lines at its newlines and
// U+2028, and bidi controls would reorder what the user reads. Each such character is written as a
// \uXXXX escape, and the text is shortened, so that a message stays one readable line.

// C0 and C1 controls, DEL, the line and paragraph separators, the bidi embeddings, overrides and
// isolates, the BOM, lone surrogates and U+FFFD (what a broken decode leaves behind).
const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `text` with every unsafe character escaped, at most `max` characters of the result (then an
 * ellipsis): the cut is made after escaping, since an escape is six characters for one (a name of
 * 400 control bytes would otherwise show as 2,400).
 */
export function shown(text: string, max = 64): string {
  const escaped = text.slice(0, max).replace(unsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped.length <= max && text.length <= max) return escaped;
  // Never cut inside an escape: drop a partial \uXXXX at the end.
  return escaped.slice(0, max).replace(/\\u[0-9a-f]{0,3}$|\\$/, '') + '…';
}
