import { parseSize } from '../units';
import { findTarget, builtInTargets } from '../targets';
import { GroupAst, ModelAst, Named, OpAst, ParseResult } from './ast';
import { Diagnostic, diagnostic, MessageId, Range } from './diagnostics';
import { Arg, parseSchedule } from './scheduleStatement';
import { scan, ScannedLine, Token } from './scanner';
import { activations, isOpName, KeySpec, opNames, opSpecs, statementKeywords } from './syntax';


/**
 * Parses .pnet text. Never throws: every mistake becomes a diagnostic with its range, and the
 * statement keeps what could be read so that the rest of the file is still analysed.
 */
export function parse(text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lineCount = text.split(/\r\n|\r|\n/).length;
  const ast: ModelAst = { items: [], lineCount };
  const binary = countControlCharacters(text);
  if (binary > 0) {
    diagnostics.push(diagnostic('binaryFile', wholeLine(0, text), binary));
  }
  const parser = new Parser(ast, diagnostics);
  for (const line of scan(text, diagnostics)) parser.statement(line);
  parser.end();
  return { ast, diagnostics };
}

function countControlCharacters(text: string): number {
  const match = text.slice(0, 65536).match(/[\u0000-\u0008\u000e-\u001f\ufffd]/g);
  return match ? match.length : 0;
}

function wholeLine(line: number, text: string): Range {
  const first = text.split(/\r\n|\r|\n/, 1)[0] ?? '';
  return { start: { line, character: 0 }, end: { line, character: Math.min(first.length, 200) } };
}

function span(first: Token, last: Token): Range {
  return { start: first.range.start, end: last.range.end };
}

class Parser {
  private group: GroupAst | undefined;
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly ast: ModelAst, private readonly diagnostics: Diagnostic[]) {}

  statement({ line, tokens }: ScannedLine): void {
    const head = tokens[0];
    if (head.kind === 'rbrace') return this.closeGroup(tokens);
    if (head.kind !== 'word') {
      return this.report('unexpectedToken', head.range, head.text, 'at the start of a statement');
    }
    const range = span(head, tokens[tokens.length - 1]);
    const word = head.text;
    if (isOpName(word)) return this.op(word, head, tokens.slice(1), range, line);
    switch (word) {
      case 'model': return this.model(tokens.slice(1), range);
      case 'input': return this.input(tokens.slice(1), range);
      case 'target': return this.target(tokens.slice(1), range);
      case 'budget': return this.budget(tokens.slice(1), range);
      case 'schedule': return this.schedule(tokens.slice(1), range, line);
      case 'block': return this.openGroup(tokens.slice(1), range, line);
    }
    this.report('unknownStatement', head.range, word, [...opNames, ...statementKeywords].join(', '));
  }

  end(): void {
    if (this.group) this.report('unclosedBlock', this.group.name.range, this.group.name.text);
    this.group = undefined;
  }

  private report(id: MessageId, range: Range, ...args: (string | number)[]): void {
    this.diagnostics.push(diagnostic(id, range, ...args));
  }

  /** False, with a diagnostic, when the statement was given before. */
  private once(keyword: string, range: Range): boolean {
    const first = this.firstSeen.get(keyword);
    if (first !== undefined) {
      this.report('duplicateStatement', range, keyword, first + 1);
      return false;
    }
    this.firstSeen.set(keyword, range.start.line);
    return true;
  }

  private args(tokens: Token[], context: string): Arg[] {
    const args: Arg[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token.kind === 'equals' || token.kind === 'lbrace' || token.kind === 'rbrace') {
        this.report('unexpectedToken', token.range, token.text, `in '${context}'`);
        continue;
      }
      if (tokens[i + 1]?.kind === 'equals') {
        const value = tokens[i + 2];
        // `out= k=3`: the word after '=' is the next key, so this value is missing.
        const nextIsKey = value?.kind === 'word' && tokens[i + 3]?.kind === 'equals';
        if (!value || value.kind === 'equals' || value.kind === 'lbrace' || value.kind === 'rbrace' || nextIsKey) {
          this.report('missingValue', span(token, tokens[i + 1]), token.text);
          args.push({ key: token });
          i += 1;
        } else {
          args.push({ key: token, value });
          i += 2;
        }
      } else {
        args.push({ value: token });
      }
    }
    return args;
  }

  private model(tokens: Token[], range: Range): void {
    if (!this.once('model', range)) return;
    const args = this.args(tokens, 'model');
    const [nameArg, ...rest] = args;
    if (!nameArg || nameArg.key || !nameArg.value) {
      return this.report('missingKey', range, 'model', 'a name, e.g. model mobilenetv2');
    }
    this.ast.name = named(nameArg.value);
    if (rest.length === 0) return;
    const [fromWord, path, ...extra] = rest;
    if (fromWord.key || fromWord.value?.text !== 'from' || !path?.value || path.key) {
      const at = fromWord.key ?? fromWord.value!;
      return this.report('unexpectedToken', at.range, at.text, "in 'model' (expected: from \"file.onnx\")");
    }
    this.ast.from = named(path.value);
    for (const arg of extra) this.unexpected(arg, 'model');
  }

  private unexpected(arg: Arg, context: string): void {
    const token = arg.key ?? arg.value!;
    this.report('unexpectedToken', token.range, token.text, `in '${context}'`);
  }

  private input(tokens: Token[], range: Range): void {
    if (!this.once('input', range)) return;
    const args = this.args(tokens, 'input');
    const dims = args[0];
    if (!dims || dims.key || !dims.value) return this.report('missingKey', range, 'input', 'dimensions, e.g. input 224x224x3');
    const match = /^(\d+)x(\d+)x(\d+)$/.exec(dims.value.text);
    const [h, w, c] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
    if (!match || h < 1 || w < 1 || c < 1 || h > 65535 || w > 65535 || c > 65535) {
      return this.report('badDims', dims.value.range, dims.value.text);
    }
    this.ast.input = { h, w, c, placement: 'stream', range };
    for (const arg of args.slice(1)) {
      const text = arg.value?.text;
      if (!arg.key && (text === 'stream' || text === 'sram')) this.ast.input.placement = text;
      else if (arg.key?.text === 'placement' && (text === 'stream' || text === 'sram')) this.ast.input.placement = text;
      else if (arg.key && arg.value && arg.key.text === 'placement') this.report('badValue', arg.value.range, arg.value.text, 'placement', 'stream or sram');
      else this.unexpected(arg, 'input (expected: stream or sram)');
    }
  }

  private target(tokens: Token[], range: Range): void {
    if (!this.once('target', range)) return;
    const args = this.args(tokens, 'target');
    const nameArg = args[0];
    if (!nameArg || nameArg.key || !nameArg.value) return this.report('missingKey', range, 'target', 'an MCU name, e.g. target stm32f746');
    if (!findTarget(nameArg.value.text)) {
      this.report('unknownTarget', nameArg.value.range, nameArg.value.text, builtInTargets.map((t) => t.name).join(', '));
    }
    this.ast.target = named(nameArg.value);
    for (const arg of args.slice(1)) this.unexpected(arg, 'target');
  }

  private budget(tokens: Token[], range: Range): void {
    if (!this.once('budget', range)) return;
    const budget: ModelAst['budget'] = { range };
    for (const arg of this.args(tokens, 'budget')) {
      const key = arg.key?.text;
      if (key !== 'sram' && key !== 'flash') {
        const token = arg.key ?? arg.value!;
        this.report('unknownKey', token.range, token.text, 'budget', 'sram, flash');
        continue;
      }
      if (!arg.value) continue;
      const bytes = parseSize(arg.value.text);
      if (bytes === undefined) this.report('badSize', arg.value.range, arg.value.text);
      else if (key === 'sram') budget.sramBytes = bytes;
      else budget.flashBytes = bytes;
    }
    if (budget.sramBytes === undefined && budget.flashBytes === undefined) {
      this.report('missingKey', range, 'budget', 'sram= and/or flash=, e.g. budget sram=256KiB flash=1MiB');
    }
    this.ast.budget = budget;
  }

  /** Each `schedule` line is one stage (or streamed run); the first is also `ast.schedule`. */
  private schedule(tokens: Token[], range: Range, line: number): void {
    const schedule = parseSchedule(this.args(tokens, 'schedule'), range, line, (id, at, ...args) => this.report(id, at, ...args));
    this.ast.schedule ??= schedule;
    (this.ast.schedules ??= []).push(schedule);
  }

  private openGroup(tokens: Token[], range: Range, line: number): void {
    if (this.group) {
      this.report('nestedBlock', range);
      this.end();
    }
    const brace = tokens.length > 0 && tokens[tokens.length - 1].kind === 'lbrace' ? tokens[tokens.length - 1] : undefined;
    const args = this.args(brace ? tokens.slice(0, -1) : tokens, 'block');
    const nameArg = args[0];
    if (!nameArg || nameArg.key || !nameArg.value) return this.report('missingKey', range, 'block', 'a name and "{", e.g. block fire {');
    if (!brace) return this.report('missingKey', range, 'block', "'{' at the end of the line");
    const group: GroupAst = { kind: 'group', name: named(nameArg.value), repeat: 1, residual: false, ops: [], range, line };
    for (const arg of args.slice(1)) {
      if (arg.key?.text === 'repeat' && arg.value) {
        group.repeat = this.int(arg.value, 'repeat', opSpecs.conv.keys.repeat) ?? 1;
      } else {
        this.unexpected(arg, 'block (expected: repeat=N)');
      }
    }
    this.group = group;
    this.ast.items.push(group);
  }

  private closeGroup(tokens: Token[]): void {
    const group = this.group;
    if (!group) return this.report('unmatchedBrace', tokens[0].range);
    this.group = undefined;
    group.range = { start: group.range.start, end: tokens[tokens.length - 1].range.end };
    if (group.ops.length === 0) this.report('emptyBlock', group.name.range, group.name.text);
    for (const arg of this.args(tokens.slice(1), '}')) {
      if (!arg.key && arg.value?.text === 'residual') group.residual = true;
      else this.unexpected(arg, "'}' (expected: residual)");
    }
  }

  private op(op: OpAst['op'], head: Token, tokens: Token[], range: Range, line: number): void {
    const spec = opSpecs[op];
    const node: OpAst = { kind: 'op', op, values: new Map(), valueRanges: new Map(), headRange: head.range, range, line };
    for (const arg of this.args(tokens, op)) {
      if (!arg.key) {
        const value = arg.value!;
        if (spec.modes?.includes(value.text) && !node.values.has('mode')) {
          node.values.set('mode', value.text);
          node.valueRanges.set('mode', value.range);
        } else {
          this.report('unexpectedToken', value.range, value.text, spec.modes ? `in '${op}' (expected: ${spec.modes.join(', ')} or key=value)` : `in '${op}' (expected key=value)`);
        }
        continue;
      }
      const key = arg.key.text;
      const keySpec = spec.keys[key];
      if (!keySpec) {
        this.report('unknownKey', arg.key.range, key, op, Object.keys(spec.keys).join(', '));
        continue;
      }
      if (node.values.has(key)) {
        this.report('duplicateKey', arg.key.range, key);
        continue;
      }
      if (!arg.value) continue;
      node.valueRanges.set(key, arg.value.range);
      const value = this.value(arg.value, key, keySpec);
      if (value !== undefined) node.values.set(key, value);
    }
    for (const key of spec.required) {
      if (!node.valueRanges.has(key)) this.report('missingKey', head.range, op, `${key}=, e.g. ${op} ${key}=32`);
    }
    if (spec.modes && !node.values.has('mode')) {
      this.report('missingKey', head.range, op, `one of ${spec.modes.join(', ')}`);
    }
    if (this.group) {
      if (node.values.has('repeat')) this.report('unexpectedToken', node.valueRanges.get('repeat')!, 'repeat', 'inside a block (put repeat= on the block line)');
      this.group.ops.push(node);
    } else {
      this.ast.items.push(node);
    }
  }

  private value(token: Token, key: string, spec: KeySpec): number | string | undefined {
    switch (spec.kind) {
      case 'int': return this.int(token, key, spec);
      case 'act':
        if ((activations as readonly string[]).includes(token.text)) return token.text;
        this.report('badValue', token.range, token.text, key, activations.join(', '));
        return undefined;
      default: return token.text;
    }
  }

  private int(token: Token, key: string, spec: KeySpec): number | undefined {
    const min = spec.min ?? 0;
    const max = spec.max ?? 1_000_000;
    if (!/^\d+$/.test(token.text)) {
      this.report('badNumber', token.range, token.text, key, `a whole number from ${min} to ${max}`);
      return undefined;
    }
    const value = Number(token.text);
    if (value < min || value > max) {
      this.report('badNumber', token.range, token.text, key, `a whole number from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }
}

function named(token: Token): Named {
  return { text: token.text, range: token.range };
}
