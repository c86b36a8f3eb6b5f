/** A small C writer: indentation, blocks, comments and wrapped array initializers. */
export class CWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text = ''): this {
    this.lines.push(text ? '    '.repeat(this.depth) + text : '');
    return this;
  }

  comment(text: string): this {
    return this.line(`/* ${text.replace(/\*\//g, '* /')} */`);
  }

  /** `head {`, the body one level in, then `}` + suffix. */
  block(head: string, body: () => void, suffix = ''): this {
    this.line(`${head} {`);
    this.depth++;
    body();
    this.depth--;
    return this.line(`}${suffix}`);
  }

  /** `static const type name[n] = { … };`, `perLine` values a line, each written by `format`. */
  array(declaration: string, values: ArrayLike<number>, perLine = 24, format: (v: number) => string = String): this {
    const items = Array.from(values, (v) => format(v));
    if (items.length === 0) return this.line(`${declaration}[1] = {0};`);
    return this.block(`${declaration}[${items.length}] =`, () => {
      for (let i = 0; i < items.length; i += perLine) this.line(items.slice(i, i + perLine).join(', ') + ',');
    }, ';');
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** A C string literal. */
export function cString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

